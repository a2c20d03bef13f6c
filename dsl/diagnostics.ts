// Diagnostics as data: every message the front end can print has one entry in
// DIAGNOSTICS (a code, a severity and a template with {placeholders}). Code that
// reports a problem names the code and fills the placeholders; tests assert the
// exact text, so changing a message is a reviewed golden diff.
//
// Each section names the code that reports it. The lowering (compiler/lower)
// reuses the front end's codes where it finds the same problem (arity, names);
// codes are kebab-case and never reused for another meaning.
import type { Span } from '../runtime/errors';

export type Severity = 'error' | 'warning' | 'note';

export interface DiagnosticNote {
  readonly message: string;
  readonly span?: Span;
}

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly span: Span;
  readonly notes: readonly DiagnosticNote[];
}

interface DiagnosticDef {
  readonly severity: Severity;
  readonly template: string;
}

export const DIAGNOSTICS = {
  // ---- input bytes and nesting (dsl/source.ts, dsl/depth.ts)
  'invalid-utf8': { severity: 'error', template: 'file is not valid UTF-8 (invalid byte 0x{byte})' },
  'nested-too-deeply': {
    severity: 'error',
    template: 'expression nested too deeply (more than {limit} levels); split it into named steps',
  },
  'too-many-errors': { severity: 'error', template: 'too many errors ({count}); stopping here' },

  // ---- lexing and parsing (dsl/lexer.ts, dsl/parser.ts)
  'unexpected-character': { severity: 'error', template: "unexpected character '{text}'" },
  'unterminated-string': { severity: 'error', template: 'unterminated string literal' },
  'unterminated-comment': { severity: 'error', template: "unterminated block comment (missing '*/')" },
  'unexpected-token': { severity: 'error', template: 'expected {expected} but found {found}' },
  'unexpected-end': { severity: 'error', template: 'expected {expected} but the file ended' },
  'bare-expression': {
    severity: 'error',
    template: 'an expression on its own is not a statement; did you mean `return {text}`?',
  },
  'unclosed-bracket': { severity: 'error', template: "'{open}' is never closed" },
  'unmatched-bracket': { severity: 'error', template: "unmatched '{close}'" },
  'bad-number': { severity: 'error', template: "invalid number '{text}'" },
  'bad-dtype': { severity: 'error', template: "unknown dtype '{name}' (expected f32, i32, u32 or bool)" },
  'missing-forward': {
    severity: 'error',
    template: "layer '{name}' has no forward function (add '(x) => ...' as its last item)",
  },
  'forward-not-last': { severity: 'error', template: "the forward function must be the last item of layer '{name}'" },
  'misplaced-item': { severity: 'error', template: '{what} is not allowed {where}' },
  'duplicate-forward': { severity: 'error', template: "layer '{name}' has more than one forward function" },

  // ---- imports and loading (dsl/index.ts)
  'import-not-found': { severity: 'error', template: "cannot read imported file '{path}': {reason}" },
  'import-cycle': { severity: 'error', template: 'import cycle: {cycle}' },
  'import-not-utf8': { severity: 'error', template: "imported file '{path}' is not valid UTF-8" },
  'import-not-first': { severity: 'error', template: 'imports must come before every other item of the file' },

  // ---- names (dsl/resolve.ts)
  'undefined-name': { severity: 'error', template: "undefined name '{name}'{hint}" },
  'undefined-member': { severity: 'error', template: "layer instance '{object}' has no member '{member}'{hint}" },
  'not-a-layer-instance': {
    severity: 'error',
    template: "'{name}' is {what}, not a layer instance; only layer instances have members",
  },
  'duplicate-name': { severity: 'error', template: "'{name}' is already defined in this scope" },
  'duplicate-param': { severity: 'error', template: "duplicate parameter '{name}'" },
  'duplicate-global': { severity: 'error', template: "{what} '{name}' is already defined" },
  'use-before-definition': { severity: 'error', template: "'{name}' is used before it is defined" },
  recursion: { severity: 'error', template: 'recursion is not allowed: {cycle}' },
  'not-callable': { severity: 'error', template: "'{name}' is {what} and cannot be called" },
  'not-a-value': { severity: 'error', template: "'{name}' is {what}; call it instead of using it as a value" },
  'too-many-args': { severity: 'error', template: "{what} '{name}' takes {max} argument{s} but {count} were given" },
  'missing-arg': { severity: 'error', template: "{what} '{name}' is missing argument '{param}'" },
  'unknown-named-arg': { severity: 'error', template: "{what} '{name}' has no parameter '{arg}'{hint}" },
  'duplicate-arg': { severity: 'error', template: "argument '{arg}' is given more than once" },
  'positional-after-named': { severity: 'error', template: 'positional argument after a named argument' },
  'bad-state-assign': {
    severity: 'error',
    template: "'<-' can only write a state, param or layer instance, but '{name}' is {what}",
  },
  'state-assign-in-fn': { severity: 'error', template: "'<-' is only allowed in the body of an entry point" },
  'minimize-outside-train': { severity: 'error', template: "'minimize' is only allowed in a train entry point" },
  'minimize-twice': { severity: 'error', template: "a train entry point can 'minimize' only once" },
  'train-without-minimize': {
    severity: 'error',
    template: "train entry point '{name}' neither says 'minimize ... with ...' nor writes a param with '<-'",
  },
  'minimize-in-loop': { severity: 'error', template: "'minimize' is not allowed inside a loop body" },
  'unknown-optimizer': { severity: 'error', template: "unknown optimizer '{name}'{hint}" },
  'unknown-optimizer-option': { severity: 'error', template: "optimizer '{name}' has no option '{option}'{hint}" },
  'optimizer-positional': { severity: 'error', template: 'optimizer options must be named (e.g. lr = 0.1)' },
  'not-a-param': {
    severity: 'error',
    template: "'{name}' is {what}; 'over' and param groups list params or layer instances",
  },
  'unknown-group-option': {
    severity: 'error',
    template: "a param group of '{name}' has no option '{option}' (options: {options})",
  },
  'entry-wide-group-option': {
    severity: 'error',
    template: "'{option}' applies to all the params of the entry at once, so a param group cannot set it",
  },
  'emit-outside-scan': { severity: 'error', template: "'emit' is only allowed directly in a scan body" },
  'scan-without-emit': { severity: 'error', template: "this scan never emits a value (add 'emit ...' to its body)" },
  'return-outside-fn': { severity: 'error', template: "'return' is only allowed at the end of a fn or forward body" },
  'return-not-last': { severity: 'error', template: "'return' must be the last statement of the body" },
  'missing-return': { severity: 'error', template: "this body has no 'return' statement" },
  'output-not-assigned': { severity: 'error', template: "output '{name}' of '{entry}' is never assigned" },
  'entry-param-not-input': {
    severity: 'error',
    template: "'{name}' is not an input of model '{model}' (declare 'input {name}: ...', or give it a type here)",
  },
  'input-in-layer': { severity: 'error', template: "'input' declarations belong in a model, not in layer '{name}'" },
  'missing-hyper-default': { severity: 'error', template: "hyperparameter '{name}' needs a default value" },
  'missing-init': { severity: 'error', template: "{role} '{name}' needs an initializer (e.g. '= zeros')" },
  'input-with-init': { severity: 'error', template: "input '{name}' cannot have an initializer" },
  'unknown-initializer': { severity: 'error', template: "unknown initializer '{name}'{hint}" },
  'not-a-layer': { severity: 'error', template: "'{name}' is not a layer definition{hint}" },
  'wildcard-as-value': { severity: 'error', template: "'_' can only be an assignment target" },
  'assign-to-global': {
    severity: 'error',
    template: "cannot assign to {what} '{name}' with '='; use '<-' for state and params",
  },
  'entry-name-reserved': {
    severity: 'error',
    template: "entry point '{name}' would clash with a method of the generated module; rename it (taken: {names})",
  },
  'unused-hyperparameter': {
    severity: 'warning',
    template: "hyperparameter '{name}' of model '{model}' is never used, so setting it (-D {name}=...) changes nothing",
  },
  'carry-not-assigned': { severity: 'warning', template: "carried value '{name}' is never assigned in the loop body" },

  // ---- training schedules (dsl/build.ts reads the clauses, dsl/resolve.ts checks the entries)
  'duplicate-schedule': { severity: 'error', template: 'a model has at most one schedule' },
  'unknown-stage-clause': {
    severity: 'error',
    template:
      "expected a stage clause ('for', 'data', 'bind', 'lr_schedule', 'eval', 'easiest', 'every' or 'at end') but found {found}",
  },
  'duplicate-stage-clause': { severity: 'error', template: "{what} is given twice in stage '{stage}'" },
  'stage-without-length': {
    severity: 'error',
    template:
      "stage '{stage}' says neither how many epochs nor how many steps to train (add 'for N epochs' or 'for N steps')",
  },
  'schedule-unknown-entry': { severity: 'error', template: "model '{model}' has no entry point '{name}'{hint}" },
  'stage-not-train': {
    severity: 'error',
    template: "stage '{stage}' trains '{name}', which is {kind} entry point; a stage trains a 'train' entry point",
  },
  'schedule-call-not-update': {
    severity: 'error',
    template: "'call {name}' needs an 'update' entry point, but '{name}' is {kind} entry point",
  },
  'schedule-call-with-inputs': {
    severity: 'error',
    template: "update entry point '{name}' takes inputs ({inputs}); a schedule can only call one that takes none",
  },
  'stage-data-free': {
    severity: 'error',
    template: "stage '{stage}' trains '{name}', which takes no inputs: {why}",
  },
  'bad-stage-count': { severity: 'error', template: '{what} must be a positive integer, found {value}' },
  'bad-stage-fraction': {
    severity: 'error',
    template: "'easiest' takes a fraction of the training examples in (0, 1], found {value}",
  },
  'stage-rank-not-infer': {
    severity: 'error',
    template:
      "'easiest ... by {name}' needs an 'infer' entry point that scores each example, but '{name}' is {kind} entry point",
  },
  'stage-rank-output': {
    severity: 'error',
    template:
      "'easiest ... by {name}': the first output of '{name}' must be one f32 score per example, f32[{batch}], but '{output}' is {found}",
  },
  'bad-lr-schedule': { severity: 'error', template: 'lr_schedule: {message}' },

  // ---- types and shapes (compiler/lower): found while elaborating a model
  'no-model': { severity: 'error', template: 'the file defines no model' },
  'library-only': {
    severity: 'warning',
    template: 'the file defines no model, so `dlc compile` will refuse it (fine for a file that is only imported)',
  },
  'unknown-model': { severity: 'error', template: "no model named '{name}' (models: {models})" },
  'unknown-hyperparameter': {
    severity: 'error',
    template: "-D {name}: model '{model}' has no hyperparameter '{name}' (hyperparameters: {names})",
  },
  'bad-hyperparameter': {
    severity: 'error',
    template: "hyperparameter '{name}' must be a number or a bool, found {found}",
  },
  'bad-dimension': { severity: 'error', template: 'dimension must be a positive integer, found {value}' },
  'tensor-too-large': {
    severity: 'error',
    template:
      "{what} ({type}) takes {size}, more than the {limit} a kernel may bind (WebGPU's default maxStorageBufferBindingSize, " +
      'which every device grants); {hint}',
  },
  'not-an-initializer': { severity: 'error', template: 'expected an initializer ({names})' },
  'initializer-args': { severity: 'error', template: '{name} takes {params}' },
  'expected-value': { severity: 'error', template: 'expected {expected}, found {found}' },
  'ragged-literal': {
    severity: 'error',
    template: 'tensor literal is ragged: this item is {found} where the first item of its list is {expected}',
  },
  'empty-literal': { severity: 'error', template: 'a tensor literal needs at least one element in each list' },
  'load-file': { severity: 'error', template: "cannot read tensor file '{path}': {reason}" },
  'load-no-tensor': { severity: 'error', template: "'{path}' has no tensor '{tensor}'{hint} (it holds {names})" },
  'load-name-needed': {
    severity: 'error',
    template: '\'{path}\' is a safetensors file: name the tensor, load("{path}", "NAME") (it holds {names})',
  },
  'load-name-npy': {
    severity: 'error',
    template: "'{path}' is a .npy file, which holds one tensor: drop the name '{tensor}'",
  },
  'load-type-mismatch': {
    severity: 'error',
    template: "tensor '{tensor}' in '{path}' is {found}, but {role} '{name}' is declared {type}",
  },
  'needs-compile-time': {
    severity: 'error',
    template: 'expected a value known at compile time (a number, bool or list), but this needs a tensor',
  },
  'bad-window': { severity: 'error', template: 'expected {what} as one integer or [h, w], found {count} values' },
  'axis-out-of-range': { severity: 'error', template: 'axis {axis} is out of range for a tensor of rank {rank}' },
  'transpose-rank': { severity: 'error', template: '.T swaps the last two axes, but this tensor has rank {rank}' },
  'too-many-indices': { severity: 'error', template: '{count} indices for a tensor of rank {rank}' },
  'index-out-of-range': { severity: 'error', template: 'index {index} is out of range for an axis of size {size}' },
  'empty-slice': { severity: 'error', template: 'slice {start}:{end} of an axis of size {size} is empty' },
  'matmul-scalar': { severity: 'error', template: 'matmul needs tensors of rank 1 or more, found a scalar' },
  'take-rank': {
    severity: 'error',
    template: 'take: indices must have one axis less than x (rank {want}), found rank {found}',
  },
  'bad-noise-amount': { severity: 'error', template: '{name}: {param} must be {range}, found {value}' },
  'reduction-of-two': { severity: 'error', template: '{name} takes one tensor (use axis = ... to choose axes)' },
  'shape-mismatch': { severity: 'error', template: '{message}' },
  'no-members': { severity: 'error', template: '{what} has no members' },
  'value-not-callable': { severity: 'error', template: '{what} cannot be called' },
  'not-a-model-tensor': { severity: 'error', template: "'{name}' is not an input, param or state of this model" },
  'loss-not-scalar': { severity: 'error', template: 'minimize needs a scalar f32 loss, found {type}' },
  'derivative-not-scalar': {
    severity: 'error',
    template: '{fn} needs a scalar f32 value to differentiate, found {type}',
  },
  'derivative-not-float': { severity: 'error', template: '{fn} differentiates f32 values, found {type}' },
  'derivative-bad-wrt': {
    severity: 'error',
    template: '{fn}: wrt must name f32 tensors, params or layer instances, but {item} is {found}',
  },
  'derivative-no-dependence': {
    severity: 'error',
    template: '{fn}: {of} does not depend on {item}, so there is no derivative to take',
  },
  'derivative-vector-count': { severity: 'error', template: '{fn}: v has {count} part{s} but wrt has {want}' },
  'derivative-vector-type': { severity: 'error', template: '{fn}: {part} is {found}, but {item} is {want}' },
  'gauss-newton-bypass': {
    severity: 'error',
    template:
      'hvp: {of} depends on {item} other than through gauss_newton = ..., so the Gauss–Newton product would drop that curvature',
  },
  'gauss-newton-not-between': {
    severity: 'error',
    template: 'hvp: {of} does not depend on gauss_newton = ..., so it has no curvature there',
  },
  'bad-optimizer-option': { severity: 'error', template: "option '{name}' must be a number or a bool, found {found}" },
  'optimizer-rejects': { severity: 'error', template: '{message}' },
  'nothing-to-train': {
    severity: 'error',
    template: 'no param gets a gradient from the loss, so there is nothing to train',
  },
  'param-without-gradient': {
    severity: 'error',
    template: "the loss has no gradient for '{name}', so minimize cannot train it",
  },
  'param-in-two-groups': { severity: 'error', template: "'{name}' is in two param groups" },
  'group-param-not-over': { severity: 'error', template: "'{name}' is in a param group but not in the 'over' list" },
  'param-written-and-trained': {
    severity: 'error',
    template: "'{target}' is written by '<-' and also updated by the optimizer in '{entry}'",
  },
  'write-type-mismatch': { severity: 'error', template: "cannot write {found} to '{target}', which is {type}" },
  'layer-write-mismatch': {
    severity: 'error',
    template: 'layer instances do not match: {left} tensors on the left, {right} on the right',
  },
  'layer-write-not-layer': {
    severity: 'error',
    template: 'the left side is a layer instance, so the right side must be one too, found {found}',
  },
  'written-twice': { severity: 'error', template: "'{target}' is written twice in '{entry}'" },
  'bad-write-target': {
    severity: 'error',
    template: "'<-' writes state or params (or a whole layer instance), not {what}",
  },
  'tuple-count-mismatch': {
    severity: 'error',
    template: '{count} names on the left, but the right side has {values} values',
  },
  'not-a-tuple': { severity: 'error', template: '{count} names on the left, but the right side is {found}' },
  'bad-loop-count': { severity: 'error', template: 'a loop must run at least once, but its count is {count}' },
  'carry-type-changes': {
    severity: 'error',
    template: "carried value '{name}' starts as {from} but the loop body makes it {to}",
  },
  'empty-scan': { severity: 'error', template: 'this scan neither emits nor carries anything' },
  'inline-too-deep': {
    severity: 'error',
    template: 'fn and layer calls nested more than {limit} deep (dlc inlines every call); make the chain shorter',
  },
  'lowering-too-deep': {
    severity: 'error',
    template: 'this nests too deeply to lower (calls, loops and expressions together); split it into smaller steps',
  },

  // ---- export to ONNX (compiler/export/onnx): ops and shapes of the exported entry
  'export-unsupported-op': { severity: 'error', template: "cannot export '{op}' to ONNX: it {reason}" },
  'export-unsupported-attrs': { severity: 'error', template: "cannot export this '{op}' to ONNX: {reason}" },
  'export-batch-shape': {
    severity: 'error',
    template:
      '{what} has shape {first} at batch {b1} and {second} at batch {b2}, which an ONNX dynamic batch axis cannot express; export with --fixed-batch',
  },

  // ---- the front end itself
  'internal-error': {
    severity: 'error',
    template: 'internal error while checking this file: {message} (this is a bug in dlc)',
  },
} as const satisfies Record<string, DiagnosticDef>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

/** The sections of the table, by their first code (docs/language.md shows them as headings). */
export const DIAGNOSTIC_SECTIONS: Readonly<Partial<Record<DiagnosticCode, string>>> = {
  'invalid-utf8': 'input bytes and nesting',
  'unexpected-character': 'lexing and parsing',
  'import-not-found': 'imports and loading',
  'undefined-name': 'names',
  'no-model': 'types and shapes (compiler/lower)',
  'export-unsupported-op': 'export to ONNX (dlc export)',
  'internal-error': 'the front end itself',
};
export type DiagnosticArgs = Readonly<Record<string, string | number>>;

/** Fills `{name}` placeholders; an unknown placeholder is a bug in the caller. */
export function renderTemplate(template: string, args: DiagnosticArgs): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = args[key];
    if (v === undefined) throw new Error(`diagnostic template needs '{${key}}'`);
    return String(v);
  });
}

export function makeDiagnostic(
  code: DiagnosticCode,
  span: Span,
  args: DiagnosticArgs = {},
  notes: readonly DiagnosticNote[] = [],
): Diagnostic {
  const def: DiagnosticDef = DIAGNOSTICS[code];
  return { severity: def.severity, code, message: renderTemplate(def.template, args), span, notes };
}

/** Collects diagnostics for one run; stops collecting after `limit` errors. */
export class DiagnosticBag {
  private readonly list: Diagnostic[] = [];
  private errors = 0;
  private overflowed = false;

  constructor(readonly limit = 100) {}

  report(code: DiagnosticCode, span: Span, args: DiagnosticArgs = {}, notes: readonly DiagnosticNote[] = []): void {
    this.add(makeDiagnostic(code, span, args, notes));
  }

  add(d: Diagnostic): void {
    if (this.overflowed) return;
    if (d.severity === 'error') {
      if (this.errors >= this.limit) {
        this.overflowed = true;
        this.list.push(makeDiagnostic('too-many-errors', d.span, { count: `${this.limit}+` }));
        return;
      }
      this.errors++;
    }
    this.list.push(d);
  }

  addAll(ds: Iterable<Diagnostic>): void {
    for (const d of ds) this.add(d);
  }

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  get items(): readonly Diagnostic[] {
    return this.list;
  }
}

/** Sorts by file, then position; stable for equal positions. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) =>
      a.d.span.file < b.d.span.file
        ? -1
        : a.d.span.file > b.d.span.file
          ? 1
          : a.d.span.line - b.d.span.line || a.d.span.col - b.d.span.col || a.i - b.i,
    )
    .map((x) => x.d);
}

// ---------------------------------------------------------------- formatting

/** Longest stretch of a source line shown under a diagnostic (1 MB lines exist). */
const MAX_SHOWN = 120;

export type SourceLookup = string | ((file: string) => string | undefined);

/**
 * `file.dl:3:5: error: message`, then the source line with a gutter and a caret
 * underline of the span, then each note the same way.
 */
export function formatDiagnostic(d: Diagnostic, source: SourceLookup): string {
  const lookup = typeof source === 'string' ? (f: string) => (f === d.span.file ? source : undefined) : source;
  const out = [header(d.span, d.severity, d.message), ...excerpt(d.span, lookup(d.span.file))];
  for (const n of d.notes) {
    if (n.span) out.push(header(n.span, 'note', n.message), ...excerpt(n.span, lookup(n.span.file)));
    else out.push(`note: ${escapeControls(n.message)}`);
  }
  return out.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[], source: SourceLookup): string {
  return ds.map((d) => formatDiagnostic(d, source) + '\n').join('');
}

function header(span: Span, severity: Severity, message: string): string {
  return `${escapeControls(span.file)}:${span.line}:${span.col}: ${severity}: ${escapeControls(message)}`;
}

/**
 * C0/C1 controls, line/paragraph separators and bidi overrides: each could break a message's line or
 * reorder what the reader sees (a name holding U+202E), so messages and excerpts never show them raw.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** A message or file name with every unsafe character spelled `\u{XXXX}` (tabs kept). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}}`);
}

function excerpt(span: Span, text: string | undefined): string[] {
  if (text === undefined) return [];
  const line = lineAt(text, span.line);
  if (line === undefined) return [];
  const start = Math.max(0, Math.min(span.col - 1, line.length));
  const end =
    span.endLine === span.line
      ? Math.max(start + 1, Math.min(span.endCol - 1, line.length))
      : Math.max(start + 1, line.length);
  // Show a window around the span when the line is long.
  let from = 0;
  let to = line.length;
  if (line.length > MAX_SHOWN) {
    from = Math.max(0, start - 40);
    to = Math.min(line.length, from + MAX_SHOWN);
  }
  const shown = (from > 0 ? '...' : '') + printable(line.slice(from, to)) + (to < line.length ? '...' : '');
  const caretLen = Math.max(1, Math.min(end, to) - start);
  const pad = printable(line.slice(from, start)).replace(/[^\t]/g, ' ');
  const gutter = String(span.line);
  const blank = ' '.repeat(gutter.length);
  return [` ${gutter} | ${shown}`, ` ${blank} | ${(from > 0 ? '   ' : '') + pad}^${'~'.repeat(caretLen - 1)}`];
}

/** Replaces unsafe characters so binary garbage cannot corrupt a terminal; keeps tabs and widths. */
function printable(s: string): string {
  return s.replace(UNSAFE, '?');
}

function lineAt(text: string, line: number): string | undefined {
  let pos = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return undefined;
    pos = nl + 1;
  }
  const nl = text.indexOf('\n', pos);
  const raw = text.slice(pos, nl < 0 ? text.length : nl);
  return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
}
