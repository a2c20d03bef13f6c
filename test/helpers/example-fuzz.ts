// What the fuzzers of `dlc check` share (test/dsl/fuzz.test.ts mutates tokens,
// test/compiler/lower/diagnostics-fuzz.test.ts numbers): the example sources, a
// check of one mutant as the lone file `fuzz.dl`, and the rules every diagnostic
// must keep: a real location inside the file, a filled-in message, no internal error.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { checkFiles, type CheckResult } from '../../compiler/lower/check';
import type { Diagnostic } from '../../dsl/diagnostics';

const dir = join(__dirname, '../../examples');
export const exampleSources: readonly string[] = readdirSync(dir)
  .filter((f) => f.endsWith('.dl'))
  .map((f) => readFileSync(join(dir, f), 'utf8'));

/** `dlc check fuzz.dl` where fuzz.dl holds `text` and no other file exists. */
export function checkMutant(text: string): CheckResult {
  return checkFiles(['fuzz.dl'], (p) => {
    if (p === 'fuzz.dl') return new TextEncoder().encode(text);
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  });
}

/** Diagnostic `d` of mutant case `i` (of `lineCount` lines) is located, readable and not an internal error; `where` names it in failures. */
export function expectLocatedDiagnostic(d: Diagnostic, i: number, lineCount: number): string {
  const where = `case ${i}: ${d.span.file}:${d.span.line}:${d.span.col} ${d.message}`;
  expect(d.code, where).not.toBe('internal-error');
  expect(d.span.line, where).toBeGreaterThanOrEqual(1);
  expect(d.span.col, where).toBeGreaterThanOrEqual(1);
  if (d.span.file === 'fuzz.dl') expect(d.span.line, where).toBeLessThanOrEqual(lineCount);
  expect(d.message, where).not.toMatch(/'undefined'|NaN|\{\w+\}|\[object/);
  return where;
}
