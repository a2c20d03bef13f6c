// Gradient checking: autodiff through the reference executor against central
// finite differences, both in float64. The scalar checked is a random projection
// of the outputs, f(x) = Σ_j <out_j(x), r_j>, so every output element counts; its
// gradient is seeded by feeding r_j as the outputs' gradients.
import { backprop, isDifferentiable } from '../../compiler/autodiff/backprop';
import { GraphBuilder } from '../../compiler/ir/builder';
import type { Graph, Value } from '../../compiler/ir/types';
import { numel, typeToString } from '../../compiler/ir/types';
import { verifyGraph } from '../../compiler/ir/verify';
import type { Tensor } from '../../compiler/ops/registry';
import { execute } from '../../compiler/reference/execute';
import { rng } from './rng';

/** Builds the function under test from its inputs; returns its outputs. */
export type BuildFn = (b: GraphBuilder, inputs: Value[]) => Value[];

export interface GradcheckOptions {
  /** Inputs to check (default: every f32 input). */
  readonly wrt?: readonly number[];
  readonly rtol?: number;
  readonly atol?: number;
  /** Finite-difference step. */
  readonly eps?: number;
  readonly seed?: number;
  /**
   * Make forward loops store what their backward loops need, as `gradients` does
   * (default true); false checks the fallback where the backward re-runs the loop.
   */
  readonly stash?: boolean;
}

export interface GradcheckReport {
  /** Number of gradient elements compared. */
  readonly elements: number;
  readonly maxError: number;
  /** The graph with the backward pass (for printing, verifying). */
  readonly graph: Graph;
}

export { rng };

function buildForward(build: BuildFn, inputs: readonly Tensor[]): { b: GraphBuilder; xs: Value[]; outs: Value[] } {
  const b = new GraphBuilder('gradcheck');
  const xs = inputs.map((t, i) => b.arg('input', `x${i}`, t.type));
  const outs = build(b, xs).filter(isDifferentiable);
  return { b, xs, outs };
}

export function gradcheck(build: BuildFn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-8;
  const eps = opts.eps ?? 1e-5;
  const wrt = opts.wrt ?? inputs.map((_, i) => i).filter((i) => inputs[i].type.dtype === 'f32');
  const random = rng(opts.seed ?? 1234);

  // Forward-only graph for the finite differences.
  const fwd = buildForward(build, inputs);
  const fwdGraph = fwd.b.finish(fwd.outs.map((value, j) => ({ name: `out${j}`, value })));
  const proj = fwd.outs.map((o) => Float64Array.from({ length: numel(o.type.shape) }, () => 2 * random() - 1));

  // Forward + backward graph, seeded with the projection.
  const { b, xs, outs } = buildForward(build, inputs);
  const rs = outs.map((o, j) => b.arg('input', `r${j}`, o.type));
  const seeds = new Map(outs.map((o, j) => [o, rs[j]]));
  const grads = backprop(
    b,
    [...b.nodeList],
    seeds,
    wrt.map((i) => xs[i]),
    { stash: opts.stash ?? true },
  );
  const graph = b.finish(grads.map((g, n) => ({ name: `grad${wrt[n]}`, value: g ?? b.constant(0, xs[wrt[n]].type) })));
  verifyGraph(graph);

  const feeds: Record<string, Tensor> = {};
  inputs.forEach((t, i) => (feeds[`x${i}`] = t));
  outs.forEach((o, j) => (feeds[`r${j}`] = { type: o.type, data: proj[j] }));
  const analytic = execute(graph, feeds).results;

  const f = (xFeeds: Record<string, Tensor>): number => {
    const res = execute(fwdGraph, xFeeds).results;
    let s = 0;
    fwd.outs.forEach((_, j) => {
      const d = res[`out${j}`].data;
      for (let e = 0; e < d.length; e++) s += d[e] * proj[j][e];
    });
    return s;
  };

  let elements = 0;
  let maxError = 0;
  for (const i of wrt) {
    const ana = analytic[`grad${i}`].data;
    const x = inputs[i];
    for (let e = 0; e < x.data.length; e++) {
      const plus = Float64Array.from(x.data);
      const minus = Float64Array.from(x.data);
      plus[e] += eps;
      minus[e] -= eps;
      const num =
        (f({ ...feeds, [`x${i}`]: { type: x.type, data: plus } }) -
          f({ ...feeds, [`x${i}`]: { type: x.type, data: minus } })) /
        (2 * eps);
      const err = Math.abs(num - ana[e]);
      const tol = atol + rtol * Math.max(Math.abs(num), Math.abs(ana[e]));
      maxError = Math.max(maxError, err / Math.max(Math.abs(num), Math.abs(ana[e]), 1e-12));
      if (!(err <= tol)) {
        throw new Error(
          `gradient mismatch for input ${i} (${typeToString(x.type)}) element ${e}: ` +
            `autodiff ${ana[e]}, finite differences ${num} (|diff| ${err.toExponential(2)} > ${tol.toExponential(2)})`,
        );
      }
      elements++;
    }
  }
  return { elements, maxError, graph };
}
