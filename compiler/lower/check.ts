// Checking .dl files without generating code: syntax and names (dsl/), then the
// types and shapes of every model as the lowering elaborates them. `dlc check`
// (compiler/cli/commands/check.ts) prints what this finds; bench and tests call it too.
import type { SourceProgram } from '../../dsl/ast';
import { makeDiagnostic, sortDiagnostics, type Diagnostic } from '../../dsl/diagnostics';
import { loadProgram, type LoadResult, type ReadFile } from '../../dsl/index';
import { failureDiagnostic } from './errors';
// Through the entry point, which registers the ops the lowering builds graphs of.
import { lowerModelProgram } from './index';

export interface CheckResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
  /** Some file could not be read or decoded. */
  readonly ioError: boolean;
  /** Per-file load results (the parsed, resolved program of each clean file). */
  readonly loads: readonly LoadResult[];
}

/** loadProgram, with a bug in the front end reported as an internal error located at the file. */
function loadGuarded(path: string, readFile?: ReadFile): LoadResult {
  try {
    return loadProgram(path, readFile);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const span = { file: path, line: 1, col: 1, endLine: 1, endCol: 2 };
    return { diagnostics: [makeDiagnostic('internal-error', span, { message })], sources: new Map(), ioError: false };
  }
}

/**
 * Types and shapes: every model of the root file lowered (hyperparameters at their
 * defaults), as `dlc compile` would. Only for files the front end found clean, so
 * the lowering never sees a name or syntax error.
 */
function checkTypes(program: SourceProgram): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // `dlc compile` needs a model. An empty file is refused as compile refuses it; a file of layers and fns
  // is a legitimate import target, so it only gets a warning saying compile would refuse it.
  if (!program.root.items.some((item) => item.kind === 'Model')) {
    if (program.root.items.length === 0) return [...lowerModelProgram(program).diagnostics];
    return [makeDiagnostic('library-only', program.root.span)];
  }
  for (const item of program.root.items) {
    if (item.kind !== 'Model') continue;
    try {
      diagnostics.push(...lowerModelProgram(program, { model: item.name.name }).diagnostics);
    } catch (err) {
      const d = failureDiagnostic(err, item.name.span);
      if (d) diagnostics.push(d);
    }
  }
  return sortDiagnostics(dedupe(diagnostics));
}

/** A layer or fn used by two models can report the same problem twice. */
function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.span.file}:${d.span.line}:${d.span.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Checks files: syntax and names (dsl/), then types and shapes (compiler/lower). */
export function checkFiles(paths: readonly string[], readFile?: ReadFile): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const loads: LoadResult[] = [];
  let ioError = false;
  for (const path of paths) {
    const r = loadGuarded(path, readFile);
    loads.push(r);
    diagnostics.push(...r.diagnostics);
    for (const [k, v] of r.sources) sources.set(k, v);
    ioError ||= r.ioError;
    if (r.program && !r.diagnostics.some((d) => d.severity === 'error')) diagnostics.push(...checkTypes(r.program));
  }
  return { diagnostics, sources, ioError, loads };
}
