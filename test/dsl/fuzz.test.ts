// Mutation fuzzing of the example files: token deletion, duplication, swaps and
// truncation. Every mutant goes through `dlc check` (parse, names, then the
// lowering's type and shape checks) without throwing; every diagnostic carries a
// real location inside the file it names, and none is an internal error.
import { expect, test } from 'vitest';
import { dlLexer } from '../../dsl/lexer';
import { checkMutant, exampleSources as sources, expectLocatedDiagnostic } from '../helpers/example-fuzz';
import { rng } from '../helpers/rng';

function mutate(text: string, rand: () => number): string {
  const toks = dlLexer.tokenize(text).tokens.map((t) => ({ start: t.startOffset, end: t.endOffset! + 1 }));
  if (toks.length === 0) return text + 'x';
  const pick = () => toks[Math.floor(rand() * toks.length)]!;
  const kind = Math.floor(rand() * 4);
  if (kind === 0) {
    const t = pick();
    return text.slice(0, t.start) + text.slice(t.end);
  }
  if (kind === 1) {
    const t = pick();
    return text.slice(0, t.end) + ' ' + text.slice(t.start, t.end) + text.slice(t.end);
  }
  if (kind === 2) {
    let a = pick();
    let b = pick();
    if (a.start > b.start) [a, b] = [b, a];
    if (a.end > b.start) return text;
    return (
      text.slice(0, a.start) +
      text.slice(b.start, b.end) +
      text.slice(a.end, b.start) +
      text.slice(a.start, a.end) +
      text.slice(b.end)
    );
  }
  return text.slice(0, Math.floor(rand() * text.length));
}

test('mutated examples never crash and every diagnostic is located', () => {
  const rand = rng(12345);
  const cases = 3000;
  let failures = 0;
  let typeErrors = 0;
  for (let i = 0; i < cases; i++) {
    let text = sources[i % sources.length]!;
    const rounds = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < rounds; k++) text = mutate(text, rand);
    const lines = text.split('\n');
    const r = checkMutant(text);
    if (r.diagnostics.some((d) => d.severity === 'error')) failures++;
    if (r.loads[0]?.diagnostics.length === 0 && r.diagnostics.length > 0) typeErrors++;
    for (const d of r.diagnostics) expectLocatedDiagnostic(d, i, lines.length);
  }
  // Most mutants are broken; a fuzzer whose mutants all pass is not fuzzing.
  expect(failures).toBeGreaterThan(cases / 2);
  // Some mutants pass the front end and are caught by the type and shape checks.
  expect(typeErrors).toBeGreaterThan(0);
}, 120_000);
