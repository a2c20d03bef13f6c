// The examples of docs/language.md's "Derivatives as values" lower cleanly and do
// what the text says: the SGD by hand moves the params as `minimize ... with sgd`
// does, bit for bit, and the Newton-CG step lowers the loss (float64 reference).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Program } from '../../compiler/ir/program';
import type { Tensor } from '../../compiler/ops/registry';
import { executeEntry, tensor } from '../../compiler/reference/execute';
import { initialState } from '../../compiler/reference/state';
import { lowerSource, messages } from '../compiler/lower/helpers';

const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Derivatives as values'), doc.indexOf('## Broadcasting'));
const examples = [...section.matchAll(/```\n(model[\s\S]*?)```/g)].map((m) => m[1]!);

function lower(text: string): Program {
  const r = lowerSource(text);
  expect(messages(r)).toEqual([]);
  return r.program!;
}

const FEEDS = {
  x: tensor(
    { dtype: 'f32', shape: [32, 784] },
    Array.from({ length: 32 * 784 }, (_, i) => {
      // Pseudo-random pixels in [0, 1): the rows are linearly independent, so the labels can be fit.
      const v = Math.sin(i * 12.9898) * 43758.5453;
      return v - Math.floor(v);
    }),
  ),
  y: tensor(
    { dtype: 'i32', shape: [32] },
    Array.from({ length: 32 }, (_, i) => (i * 7) % 10),
  ),
};

function steps(p: Program, n: number): { state: Record<string, Tensor>; losses: number[] } {
  let state = initialState(p, 3);
  const losses: number[] = [];
  for (let step = 0; step < n; step++) {
    const r = executeEntry(p, 'step', FEEDS, state, { seed: 3, step });
    losses.push(r.results.loss.data[0]);
    state = { ...state, ...r.assigns };
  }
  return { state, losses };
}

it('has the two examples; gradient descent by hand equals minimize with sgd', () => {
  expect(examples.length).toBe(2);
  const hand = lower(examples[0]!);
  const rule = /    gW1, gb1 = [\s\S]*?(?=  }\n}\n)/;
  expect(examples[0]).toMatch(rule);
  const sgd = lower(examples[0]!.replace(rule, '    minimize loss with sgd(lr = 0.1)\n'));
  const a = steps(hand, 2).state;
  const b = steps(sgd, 2).state;
  for (const n of ['fc1.W', 'fc1.b', 'out.W', 'out.b']) expect(Array.from(a[n]!.data)).toEqual(Array.from(b[n]!.data));
});

it('the Newton-CG step lowers the loss on its batch', () => {
  const { losses } = steps(lower(examples[1]!), 3);
  expect(losses[1]).toBeLessThan(losses[0]! * 0.5);
  expect(losses[2]).toBeLessThan(losses[1]!);
});
