// The lowering's entry point: a .dl file on disk → a Program (one IR graph per
// entry point), with every problem found on the way as located diagnostics.
import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../../dsl/diagnostics';
import type { ReadFile } from '../../dsl/index';
import { loadProgram } from '../../dsl/index';
import '../ops/index';
import type { Program } from '../ir/program';
import type { LowerOptions } from './model';
import { lowerModelProgram } from './model';

export type { LowerOptions } from './model';
export { lowerModelProgram } from './model';

export interface LoweredFile {
  readonly program?: Program;
  readonly diagnostics: readonly Diagnostic[];
  /** Text of every file read (the prelude included), for formatting diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
  /** The root file could not be read (an I/O problem, exit code 2). */
  readonly ioError?: string;
}

export function lowerFile(
  path: string,
  options: LowerOptions = {},
  readFile: ReadFile = (p) => readFileSync(p),
): LoweredFile {
  const loaded = loadProgram(path, readFile);
  if (loaded.ioError)
    return {
      diagnostics: [...loaded.diagnostics],
      sources: loaded.sources,
      ioError: loaded.ioMessage ?? `cannot read '${path}'`,
    };
  if (!loaded.program || loaded.diagnostics.some((d) => d.severity === 'error'))
    return { diagnostics: [...loaded.diagnostics], sources: loaded.sources };
  const lowered = lowerModelProgram(loaded.program, options);
  return {
    program: lowered.program,
    diagnostics: [...loaded.diagnostics, ...lowered.diagnostics],
    sources: loaded.sources,
  };
}
