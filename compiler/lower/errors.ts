// A located problem found while lowering (a type or shape error, a misuse of a
// builtin). Each names a code of dsl/diagnostics.ts's DIAGNOSTICS table and fills
// its template; the lowering turns it into a Diagnostic. Several can be reported
// per file because each declaration and entry point is lowered on its own.
import type { Span } from '../../dsl/ast';
import type { Diagnostic, DiagnosticArgs, DiagnosticCode, DiagnosticNote } from '../../dsl/diagnostics';
import { makeDiagnostic, DIAGNOSTICS, renderTemplate } from '../../dsl/diagnostics';
import type { TensorType } from '../ir/types';
import { typeToString } from '../ir/types';
import { DlcError, formatSpan } from '../../runtime/errors';
import { PRELUDE_FILE } from '../../dsl/prelude';

export class LowerError extends Error {
  constructor(
    readonly span: Span,
    readonly code: DiagnosticCode,
    readonly args: DiagnosticArgs = {},
    readonly notes: readonly DiagnosticNote[] = [],
  ) {
    super(renderTemplate(DIAGNOSTICS[code].template, args));
    this.name = 'LowerError';
  }
}

/**
 * A use of a declaration that failed to lower: its error is already reported, so
 * this one is dropped (no cascade of follow-on errors).
 */
export class FollowOnError extends Error {
  constructor(name: string) {
    super(`'${name}' failed to lower`);
    this.name = 'FollowOnError';
  }
}

/**
 * A lowering failure as a Diagnostic. DlcErrors from the IR builder (an op's shape
 * rule rejected its inputs) keep their span and their op's message under
 * 'shape-mismatch'. Anything else is a bug in the lowering, and is rethrown.
 */
export function toDiagnostic(e: unknown): Diagnostic {
  if (e instanceof LowerError) return atCallSite(makeDiagnostic(e.code, e.span, e.args, e.notes));
  const shape = asShapeError(e);
  if (shape) return atCallSite(makeDiagnostic('shape-mismatch', shape.span, { message: shape.message }));
  throw e;
}

/**
 * A problem found inside the prelude is the user's to fix at their call or layer
 * instance (the nearest call note in their file): that becomes the primary
 * location, and the prelude line a note. Other diagnostics are returned as they are.
 */
export function atCallSite(d: Diagnostic): Diagnostic {
  if (d.span.file !== PRELUDE_FILE) return d;
  const k = d.notes.findIndex((n) => n.span !== undefined && n.span.file !== PRELUDE_FILE);
  if (k < 0) return d;
  const site = d.notes[k];
  const inPrelude: DiagnosticNote = { message: `found here in the prelude, ${site.message}`, span: d.span };
  return { ...d, span: site.span!, notes: [inPrelude, ...d.notes.slice(0, k), ...d.notes.slice(k + 1)] };
}

/** The span and message (without its `file:line:col: ` prefix) of a builder's DlcError. */
function asShapeError(e: unknown): { span: Span; message: string } | undefined {
  if (!(e instanceof DlcError) || !e.span) return undefined;
  const prefix = `${formatSpan(e.span)}: `;
  return { span: e.span, message: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message };
}

/** An operand of an operator or builtin call, for notes saying where each shape came from. */
export interface Operand {
  /** `left operand`, `argument 'x'`, ... */
  readonly label: string;
  readonly span: Span;
  readonly type: TensorType;
}

/**
 * Runs `f` (which emits the ops of one operator or builtin call at `span`); a
 * shape error there, or a LowerError about the operands' shapes at `span`, is
 * rethrown with a note at each tensor operand saying its type.
 */
export function withOperandNotes<T>(span: Span, operands: readonly Operand[], f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (operands.length === 0) throw e;
    const notes = operands.map((o): DiagnosticNote => ({
      message: `the ${o.label} is ${typeToString(o.type)}`,
      span: o.span,
    }));
    if (e instanceof LowerError && OPERAND_CODES.has(e.code) && e.notes.length === 0 && sameSpan(e.span, span))
      throw new LowerError(e.span, e.code, e.args, notes);
    const shape = asShapeError(e);
    if (shape && sameSpan(shape.span, span))
      throw new LowerError(shape.span, 'shape-mismatch', { message: shape.message }, notes);
    throw e;
  }
}

/**
 * Runs `f` (the inlined body of a fn or layer, or a layer's declarations); a
 * located error there gets a note at `span` (the call or instance) saying how the
 * lowering got there. Nested calls add one note each, innermost first.
 */
export function withCallNote<T>(span: Span, message: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const note: DiagnosticNote = { message, span };
    if (e instanceof LowerError) {
      // A long chain of calls says where it starts and ends, not every step between.
      if (e.code === 'inline-too-deep' || e.notes.length >= MAX_CALL_NOTES) throw e;
      throw new LowerError(e.span, e.code, e.args, [...e.notes, note]);
    }
    const shape = asShapeError(e);
    if (shape) throw new LowerError(shape.span, 'shape-mismatch', { message: shape.message }, [note]);
    throw e;
  }
}

const MAX_CALL_NOTES = 8;

/** The lowering's own errors that are about its operands' shapes (they get operand notes). */
const OPERAND_CODES: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>([
  'matmul-scalar',
  'axis-out-of-range',
  'take-rank',
  'reduction-of-two',
  'tensor-too-large',
]);

function sameSpan(a: Span, b: Span): boolean {
  return a.file === b.file && a.line === b.line && a.col === b.col && a.endLine === b.endLine && a.endCol === b.endCol;
}

/**
 * Any failure while lowering the declaration at `span`: a LowerError or shape error
 * as itself, a follow-on error not at all, anything else as an internal error (a
 * bug in dlc) located there.
 */
export function failureDiagnostic(e: unknown, span: Span): Diagnostic | undefined {
  if (e instanceof FollowOnError) return undefined;
  if (e instanceof LowerError || asShapeError(e)) return toDiagnostic(e);
  // Deep chains of calls, loops and expressions below the inlining limit can still
  // exhaust the JavaScript stack; that is the input's depth, not a bug.
  if (e instanceof RangeError && /call stack/i.test(e.message)) return makeDiagnostic('lowering-too-deep', span);
  const message = e instanceof Error ? e.message : String(e);
  return makeDiagnostic('internal-error', span, { message });
}
