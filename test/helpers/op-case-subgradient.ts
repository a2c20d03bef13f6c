// The explicit gradient check of an op case's boundary row (OpCase.subgradient):
// the case's op as a graph `f(x0, ...) -> g<k>` returning the gradient of the sum
// of its outputs with respect to each float input, and the comparison of what a
// backend computed with the subgradient the row expects.
import { backprop, isDifferentiable } from '../../compiler/autodiff/backprop';
import { GraphBuilder } from '../../compiler/ir/builder';
import type { Graph } from '../../compiler/ir/types';
import type { OpCase } from './op-case';

/** The float inputs a boundary row differentiates: `wrt`, else every f32 input. */
export function subgradientInputs(c: OpCase): number[] {
  return c.wrt ? [...c.wrt] : c.inputs.flatMap((t, k) => (t.dtype === 'f32' ? [k] : []));
}

/** d Σ outputs / d x<k> for every differentiated input k, as outputs `g<k>`. */
export function subgradientGraph(c: OpCase): Graph {
  const b = new GraphBuilder('f');
  const args = c.inputs.map((t, k) => b.arg('input', `x${k}`, t));
  const outs = b.emit(c.op, args, c.attrs ?? {}).outputs.filter(isDifferentiable);
  const seeds = new Map(outs.map((o) => [o, b.constant(1, o.type)] as const));
  const wrt = subgradientInputs(c);
  const grads = backprop(
    b,
    [...b.nodeList],
    seeds,
    wrt.map((k) => args[k]),
  );
  return b.finish(grads.map((g, n) => ({ name: `g${wrt[n]}`, value: g ?? b.constant(0, args[wrt[n]].type) })));
}

/**
 * Throws unless every gradient in `got` (by output name `g<k>`) is finite and within
 * `tol` (absolute and relative) of what the row's subgradient gives for `inputs`.
 */
export function expectSubgradient(
  c: OpCase,
  inputs: readonly ArrayLike<number>[],
  got: Readonly<Record<string, ArrayLike<number>>>,
  tol: number,
): void {
  const want = c.subgradient!(inputs);
  subgradientInputs(c).forEach((k, n) => {
    const actual = Array.from(got[`g${k}`]);
    const expected = want[n];
    if (actual.length !== expected.length)
      throw new Error(`gradient of input ${k}: ${actual.length} elements, expected ${expected.length}`);
    const bad = actual.findIndex(
      (v, i) => !Number.isFinite(v) || !(Math.abs(v - expected[i]) <= tol * (1 + Math.abs(expected[i]))),
    );
    if (bad >= 0)
      throw new Error(`gradient of input ${k} element ${bad}: got ${actual[bad]}, expected ${expected[bad]}`);
  });
}
