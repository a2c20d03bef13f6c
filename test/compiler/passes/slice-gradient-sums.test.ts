// Gradients of slices at the edges of a tensor, checked against finite differences
// (float64 reference executor), then optimized: the rewrites of
// simplify-partial-sums.ts must fire on them and leave every gradient as it was.
// The function is an LSTM-like scan: each step reads `x[:, t]` (a gather at the
// step's index, whose gradient scatters into the first and the last time step
// too), splits it into four gate slices, and mixes them into the carried state.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Graph, TensorType, Value } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import type { Tensor } from '../../../compiler/ops/registry';
import { execute } from '../../../compiler/reference/execute';
import { passesAt } from '../../../compiler/passes/pipeline';
import { gradcheck, rng } from '../../helpers/gradcheck';
import { CTX } from './expect-pass';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const B = 2;
const T = 4;
const H = 3;

function random(type: TensorType, seed: number): Tensor {
  const r = rng(seed);
  return { type, data: Float64Array.from({ length: numel(type.shape) }, () => 2 * r() - 1) };
}

/** Gate k (of four) of a [B, 4H] step: columns kH..(k+1)H. */
function gate(b: GraphBuilder, s: Value, k: number): Value {
  return b.op('slice', [s], { starts: [0, k * H], ends: [B, (k + 1) * H], strides: [1, 1] });
}

/** h_t = sigmoid(i)·tanh(g) + sigmoid(f)·h_{t-1}·o over the gates of x[:, t]; the scan emits h_t. */
function lstmLike(b: GraphBuilder, [x, h0]: Value[]): Value[] {
  const rb = b.region('step');
  const t = rb.arg('region', 't', { dtype: 'i32', shape: [] });
  const h = rb.arg('region', 'h', f32(B, H));
  const xs = rb.arg('region', 'xs', f32(B, T, 4 * H));
  const s = rb.op('gather', [xs, t], { axis: 1 });
  const [i, f, g, o] = [0, 1, 2, 3].map((k) => gate(rb, s, k));
  const kept = rb.op('mul', [rb.op('mul', [rb.op('sigmoid', [f]), h]), o]);
  const next = rb.op('add', [rb.op('mul', [rb.op('sigmoid', [i]), rb.op('tanh', [g])]), kept]);
  const body = rb.finish([
    { name: 'h', value: next },
    { name: 'emit0', value: next },
  ]);
  const outs = b.emit('scan', [h0, x], { length: T, carries: 1, reverse: false }, { regions: [body] }).outputs;
  return [outs[0], outs[1]];
}

function optimize(graph: Graph): Graph {
  let g = graph;
  for (const p of passesAt(1)) g = p.pass(g, CTX);
  verifyGraph(g);
  return g;
}

/** Every node of a graph and its loop bodies. */
function allOps(g: Graph): string[] {
  return g.nodes.flatMap((n) => [n.op, ...(n.regions ?? []).flatMap(allOps)]);
}

describe('slice and gather gradients summed part by part', () => {
  it('match finite differences at the first and last time step, and the optimized graph gives the same gradients', () => {
    const inputs = [random(f32(B, T, 4 * H), 1), random(f32(B, H), 2)];
    const report = gradcheck(lstmLike, inputs, { rtol: 1e-6, atol: 1e-8 });
    expect(report.elements).toBe(B * T * 4 * H + B * H);

    const before = allOps(report.graph);
    expect(before).toContain('pad');
    const optimized = optimize(report.graph);
    const after = allOps(optimized);
    // The gates' gradients are one concat, the step's gradient is scattered into the carried sum.
    expect(after).not.toContain('pad');
    expect(after).toContain('concat');
    expect(after.filter((op) => op === 'scatter_add').length).toBe(1);

    const feeds: Record<string, Tensor> = {};
    report.graph.args.forEach((a, k) => (feeds[a.name] = random(a.value.type, 10 + k)));
    const want = execute(report.graph, feeds).results;
    const got = execute(optimized, feeds).results;
    for (const name of Object.keys(want)) {
      const [w, g] = [want[name].data, got[name].data];
      expect(g.length).toBe(w.length);
      w.forEach((v, e) => expect(Math.abs(g[e] - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v))));
    }
  });
});
