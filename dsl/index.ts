// The front end's entry points: parse one text, or load a program from a root
// file (following imports, merging the prelude) and check its names.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { ImportDecl, SourceFile, SourceProgram } from './ast';
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from './diagnostics';
import { parseSource } from './parse';
import { PRELUDE_FILE, PRELUDE_SOURCE } from './prelude';
import { resolveProgram } from './resolve';
import { decodeSource } from './source';

export { parseSource } from './parse';
export type { ParseResult } from './parse';

export interface LoadResult {
  /** Absent when any file failed to read or parse. */
  readonly program?: SourceProgram;
  readonly diagnostics: readonly Diagnostic[];
  /** Text of every file read (including the prelude), for formatting diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
  /** The root file could not be read or is not UTF-8 (exit code 2 territory). */
  readonly ioError: boolean;
  /** Why the root file could not be read, when it could not. */
  readonly ioMessage?: string;
}

export type ReadFile = (path: string) => Uint8Array;

/**
 * Loads `path` and everything it imports (depth-first, each file once), prelude
 * first, then resolves names. Import cycles and unreadable imports are located
 * errors at the import.
 */
export function loadProgram(path: string, readFile: ReadFile = (p) => readFileSync(p)): LoadResult {
  const bag = new DiagnosticBag();
  const sources = new Map<string, string>([[PRELUDE_FILE, PRELUDE_SOURCE]]);
  const files: SourceFile[] = [];
  let failed = false;
  let ioError = false;
  let ioMessage: string | undefined;

  const prelude = parseSource(PRELUDE_SOURCE, PRELUDE_FILE, bag);
  if (prelude.ast) files.push(prelude.ast);
  else failed = true;

  const done = new Map<string, SourceFile | null>();
  // Iterative DFS over imports so that a long import chain cannot overflow the stack.
  type Frame = { file: string; id: string; ast: SourceFile; next: number; chain: string[] };
  const open = (file: string, from: ImportDecl | undefined, chain: string[]): Frame | undefined => {
    let bytes: Uint8Array;
    try {
      bytes = readFile(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      if (from) bag.report('import-not-found', from.span, { path: from.path, reason });
      else {
        ioError = true;
        ioMessage = `cannot read '${file}': ${reason}`;
      }
      failed = true;
      return undefined;
    }
    const decoded = decodeSource(bytes, file);
    if (!decoded.ok) {
      if (from) bag.report('import-not-utf8', from.span, { path: from.path });
      else ioError = true;
      bag.add(decoded.diagnostic);
      failed = true;
      return undefined;
    }
    sources.set(file, decoded.text);
    const parsed = parseSource(decoded.text, file, bag);
    if (!parsed.ast) {
      failed = true;
      return undefined;
    }
    const id = resolvePath(file);
    return { file, id, ast: parsed.ast, next: 0, chain: [...chain, id] };
  };

  const root = open(path, undefined, []);
  const stack: Frame[] = root ? [root] : [];
  done.set(resolvePath(path), null);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const imp = top.ast.imports[top.next++];
    if (!imp) {
      files.push(top.ast);
      done.set(top.id, top.ast);
      stack.pop();
      continue;
    }
    // Files are known by absolute path; spans keep the path as the user wrote it.
    const display = join(dirname(top.file), imp.path);
    const target = resolvePath(display);
    if (top.chain.includes(target)) {
      const cycle = [...top.chain.slice(top.chain.indexOf(target)), target].map((f) => f.split('/').pop()).join(' -> ');
      bag.report('import-cycle', imp.span, { cycle });
      failed = true;
      continue;
    }
    if (done.has(target)) continue;
    done.set(target, null);
    const frame = open(display, imp, top.chain);
    if (frame) stack.push(frame);
  }

  let program: SourceProgram | undefined;
  const rootAst = done.get(resolvePath(path));
  if (!failed && rootAst) {
    program = { files, root: rootAst };
    resolveProgram(program, bag);
  }
  return {
    ...(program ? { program } : {}),
    diagnostics: sortDiagnostics(bag.items),
    sources,
    ioError,
    ...(ioMessage ? { ioMessage } : {}),
  };
}
