// Numeric fuzzing of the example files through `dlc check`: token mutations rarely
// get past the front end, so here every mutant keeps its syntax and names and
// changes numbers instead (dimensions, axes, loop counts, hyperparameter
// defaults, indices) to values that break shapes: 0, negatives, fractions, huge.
// Every mutant is checked without throwing, and every diagnostic is located in
// a file and is not an internal error.
import { expect, test } from 'vitest';
import { dlLexer } from '../../../dsl/lexer';
import { checkMutant, exampleSources as sources, expectLocatedDiagnostic } from '../../helpers/example-fuzz';
import { rng } from '../../helpers/rng';

const REPLACEMENTS = ['0', '1', '2', '3', '-1', '-2', '2.5', '0.5', '7', '100000', '1e12', '65536'];

/** Replaces one to three number literals; unary minus is kept out of reach (it parses either way). */
function mutateNumbers(text: string, rand: () => number): string {
  const numbers = dlLexer
    .tokenize(text)
    .tokens.filter((t) => /^[0-9]/.test(t.image))
    .map((t) => ({ start: t.startOffset, end: t.endOffset! + 1 }));
  const picks = new Set<number>();
  const count = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < count && numbers.length > 0; k++) picks.add(Math.floor(rand() * numbers.length));
  let out = text;
  for (const i of [...picks].sort((a, b) => b - a)) {
    const n = numbers[i]!;
    out = out.slice(0, n.start) + REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)] + out.slice(n.end);
  }
  return out;
}

test('examples with mutated numbers: no crash, located type and shape errors', () => {
  const rand = rng(2024);
  const cases = 400;
  let typeErrors = 0;
  for (let i = 0; i < cases; i++) {
    const text = mutateNumbers(sources[i % sources.length]!, rand);
    const lines = text.split('\n');
    const r = checkMutant(text);
    const frontEndClean = r.loads[0]?.diagnostics.length === 0;
    if (frontEndClean && r.diagnostics.length > 0) typeErrors++;
    for (const d of r.diagnostics) {
      const where = expectLocatedDiagnostic(d, i, lines.length);
      // Names were fine before the numbers changed: these would be follow-on errors
      // of a declaration that failed to lower.
      if (frontEndClean)
        expect(['undefined-name', 'entry-param-not-input', 'not-a-model-tensor'], where).not.toContain(d.code);
      for (const n of d.notes) if (n.span) expect(n.span.line, where).toBeGreaterThanOrEqual(1);
    }
  }
  // Most number changes break a shape somewhere; a fuzzer that finds none is not fuzzing.
  expect(typeErrors).toBeGreaterThan(cases / 4);
}, 300_000);
