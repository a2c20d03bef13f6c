// The model and inputs the derivative tests share (reference and device): a small
// smooth net with explicit params whose entries take derivatives as values.
import { expect } from 'vitest';
import type { Program } from '../../../compiler/ir/program';
import { verifyGraph } from '../../../compiler/ir/verify';
import type { Tensor } from '../../../compiler/ops/registry';
import { tensor } from '../../../compiler/reference/execute';
import { lowerSource, messages } from './helpers';

export function derivativesModel(entries: string): string {
  return `
model m {
  input x: f32[5, 4]
  input y: i32[5]
  input vW: f32[4, 3]
  input vb: f32[3]
  input vV: f32[3, 3]
  param W: f32[4, 3] = normal(0, 0.8)
  param b: f32[3] = normal(0, 0.3)
  param V: f32[3, 3] = normal(0, 0.8)
  fn z(x) = tanh(x @ W + b) @ V
  fn loss(x, y) = mean(cross_entropy(z(x), y)) + 0.1 * sum(softplus(W) ** 2)
${entries}
}`;
}

/** The model with `entries`, lowered and verified (no diagnostics). */
export function lowerDerivativesModel(entries: string): Program {
  const r = lowerSource(derivativesModel(entries));
  expect(messages(r)).toEqual([]);
  for (const e of r.program!.entries) verifyGraph(e.graph);
  return r.program!;
}

const f32 = (shape: number[], f: (i: number) => number): Tensor =>
  tensor(
    { dtype: 'f32', shape },
    Array.from({ length: shape.reduce((a, d) => a * d, 1) }, (_, i) => f(i)),
  );
export const FEEDS: Record<string, Tensor> = {
  x: f32([5, 4], (i) => Math.sin(i + 1)),
  y: tensor({ dtype: 'i32', shape: [5] }, [0, 2, 1, 1, 0]),
  vW: f32([4, 3], (i) => Math.cos(2 * i + 1)),
  vb: f32([3], (i) => 0.5 - i / 3),
  vV: f32([3, 3], (i) => Math.sin(3 * i)),
};
