// The examples of docs/language.md's "Constants and tensors from files" lower
// cleanly (the DeViSE one needs its file), and their constants are what the text
// says: folded into literals, with no kernel of the step left computing them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { optimizeProgram } from '../../compiler/passes/pipeline';
import { executeEntry, tensor } from '../../compiler/reference/execute';
import { initialState } from '../../compiler/reference/state';
import { lowerSource, messages } from '../compiler/lower/helpers';

const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
// The constants section, then the sorting one.
const section = doc.slice(
  doc.indexOf('## Constants and tensors from files'),
  doc.indexOf('## What `minimize` updates'),
);
const examples = [...section.matchAll(/```\n(model[\s\S]*?)```/g)].map((m) => m[1]!);

it('has the TICA, unigram, noise-word, self-paced and DeViSE examples; all but DeViSE lower, with their constants folded', () => {
  expect(examples.map((e) => e.split(/[ (\n]/)[1])).toEqual(['tica', 'unigram', 'noise_words', 'devise', 'paced']);
  const [tica, unigram, noiseWords] = [examples[0]!, examples[1]!, examples[2]!, examples[4]!].map((text) => {
    const r = lowerSource(text);
    expect(messages(r)).toEqual([]);
    return r.program!;
  });
  const step = optimizeProgram(tica!, { level: 2 }).program.entries.find((e) => e.name === 'step')!.graph;
  const ops = step.nodes.map((n) => n.op);
  expect(ops).not.toContain('iota');
  expect(ops).not.toContain('one_hot');
  const literal = step.nodes.find((n) => n.op === 'literal')!;
  const n = 16;
  // Row i has ones at columns i-1, i and i+1 (mod n).
  const ring = Array.from({ length: n * n }, (_, e) => {
    const [i, j] = [Math.floor(e / n), e % n];
    return [(i + n - 1) % n, i, (i + 1) % n].includes(j) ? 1 : 0;
  });
  expect(literal.attrs.data).toEqual(ring);

  const out = executeEntry(
    unigram!,
    'noise',
    { seen: tensor({ dtype: 'f32', shape: [4] }, [1, 0, 0, 0]) },
    initialState(unigram!, 0),
  );
  const q = [120, 40, 25, 5].map((c) => c ** 0.75);
  const total = q.reduce((a, b) => a + b, 0);
  Array.from(out.results.p!.data).forEach((v, k) => expect(v).toBeCloseTo(q[k]! / total, 6));

  // categorical(p, shape): 320 draws from the one folded table, each class about as often as its probability.
  const drawn = executeEntry(noiseWords!, 'draw', {}, initialState(noiseWords!, 0)).results.neg!;
  expect(drawn.type).toEqual({ dtype: 'i32', shape: [64, 5] });
  const seen = [0, 1, 2, 3].map((k) => Array.from(drawn.data).filter((v) => v === k).length / 320);
  seen.forEach((f, k) => expect(Math.abs(f - q[k]! / total), `class ${k}`).toBeLessThan(0.08));
});
