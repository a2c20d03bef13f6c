import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Graph, TensorType } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import type { Tensor } from '../../../compiler/ops/registry';
import { applyOptimizer, type OptimizerSpec, type OptimizerUpdate } from '../../../compiler/optim/index';
import { execute } from '../../../compiler/reference/execute';
import { DlcError } from '../../../runtime/errors';

const W_TYPE: TensorType = { dtype: 'f32', shape: [2, 2] };
const B_TYPE: TensorType = { dtype: 'f32', shape: [2] };
const W0 = [0.5, -1, 2, 0.25];
const B0 = [0.1, -0.2];
// Gradients fed at steps 1, 2 and 3.
const GW = [
  [0.3, -0.6, 0.9, 0.05],
  [-0.2, 0.4, 0.1, -0.7],
  [0.6, 0.1, -0.3, 0.2],
];
const GB = [
  [1, -2],
  [0.5, 0.25],
  [-0.4, 0.3],
];

function build(spec: OptimizerSpec): { graph: Graph; update: OptimizerUpdate } {
  const b = new GraphBuilder('train');
  const w = b.arg('param', 'W', W_TYPE);
  const bias = b.arg('param', 'b', B_TYPE);
  const gw = b.arg('input', 'gW', W_TYPE);
  const gb = b.arg('input', 'gb', B_TYPE);
  const update = applyOptimizer(b, {
    params: [
      { name: 'W', value: w, grad: gw },
      { name: 'b', value: bias, grad: gb },
    ],
    optimizer: spec,
  });
  const graph = b.finish([]);
  verifyGraph(graph);
  return { graph, update };
}

/** Runs `steps` updates, feeding assigned tensors back; returns [W, b] after each step. */
function run(spec: OptimizerSpec, steps = 2): number[][][] {
  const { graph } = build(spec);
  const state: Record<string, Tensor> = {
    W: { type: W_TYPE, data: Float64Array.from(W0) },
    b: { type: B_TYPE, data: Float64Array.from(B0) },
  };
  const out: number[][][] = [];
  for (let s = 0; s < steps; s++) {
    const feeds = {
      ...state,
      gW: { type: W_TYPE, data: Float64Array.from(GW[s]) },
      gb: { type: B_TYPE, data: Float64Array.from(GB[s]) },
    };
    const { assigns } = execute(graph, feeds);
    Object.assign(state, assigns);
    out.push([[...state.W.data], [...state.b.data]]);
  }
  return out;
}

/** Elementwise reference updates written out by hand, per param, with their own state. */
function handRun(
  step: (w: number, g: number, s: Record<string, number>, t: number) => number,
  steps = 2,
): number[][][] {
  const states = [W0.map(() => ({})), B0.map(() => ({}))] as Record<string, number>[][];
  let params = [[...W0], [...B0]];
  const out: number[][][] = [];
  for (let t = 1; t <= steps; t++) {
    const grads = [GW[t - 1], GB[t - 1]];
    params = params.map((ps, k) => ps.map((w, i) => step(w, grads[k][i], states[k][i], t)));
    out.push(params.map((p) => [...p]));
  }
  return out;
}

function expectClose(actual: number[][][], expected: number[][][]): void {
  actual.flat(2).forEach((a, i) => expect(a).toBeCloseTo(expected.flat(2)[i], 12));
}

describe('optimizer updates against hand-computed steps', () => {
  it('sgd', () => {
    expectClose(
      run({ name: 'sgd', options: { lr: 0.1 } }),
      handRun((w, g) => w - 0.1 * g),
    );
  });

  it('sgd with momentum', () => {
    const hand = handRun((w, g, s) => {
      s.v = 0.9 * (s.v ?? 0) + g;
      return w - 0.1 * s.v;
    });
    expectClose(run({ name: 'sgd', options: { lr: 0.1, momentum: 0.9 } }), hand);
  });

  it('sgd with nesterov momentum', () => {
    const hand = handRun((w, g, s) => {
      s.v = 0.9 * (s.v ?? 0) + g;
      return w - 0.1 * (g + 0.9 * s.v);
    });
    expectClose(run({ name: 'sgd', options: { lr: 0.1, momentum: 0.9, nesterov: true } }), hand);
  });

  it('adagrad', () => {
    const hand = handRun((w, g, s) => {
      s.a = (s.a ?? 0) + g * g;
      return w - (0.5 * g) / (Math.sqrt(s.a) + 1e-8);
    });
    expectClose(run({ name: 'adagrad', options: { lr: 0.5 } }), hand);
  });

  it('rmsprop', () => {
    const hand = handRun((w, g, s) => {
      s.ms = 0.8 * (s.ms ?? 0) + 0.2 * g * g;
      return w - (0.01 * g) / (Math.sqrt(s.ms) + 1e-6);
    });
    expectClose(run({ name: 'rmsprop', options: { lr: 0.01, decay: 0.8, eps: 1e-6 } }), hand);
  });

  // Regression (#16): the documented defaults (decay 0.95, eps 1e-6) and momentum, as in PyTorch.
  it('rmsprop with its documented defaults and momentum', () => {
    const hand = handRun((w, g, s) => {
      s.ms = 0.95 * (s.ms ?? 0) + 0.05 * g * g;
      s.v = 0.5 * (s.v ?? 0) + g / (Math.sqrt(s.ms) + 1e-6);
      return w - 0.01 * s.v;
    }, 3);
    expectClose(run({ name: 'rmsprop', options: { lr: 0.01, momentum: 0.5 } }, 3), hand);
    expect(
      build({ name: 'rmsprop', options: { momentum: 0.5 } })
        .update.slots.map((s) => s.name)
        .sort(),
    ).toEqual(['W.momentum', 'W.ms', 'b.momentum', 'b.ms']);
  });

  it('adam with bias correction', () => {
    const hand = handRun((w, g, s, t) => {
      s.m = 0.9 * (s.m ?? 0) + 0.1 * g;
      s.v = 0.999 * (s.v ?? 0) + 0.001 * g * g;
      const mHat = s.m / (1 - 0.9 ** t);
      const vHat = s.v / (1 - 0.999 ** t);
      return w - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
    expectClose(run({ name: 'adam', options: { lr: 0.01 } }), hand);
  });

  it('vsgd', () => {
    const [tau0, c, h0, eps, delta] = [10, 10, 1, 1e-8, 1e-8];
    const hand = handRun((w, g, s) => {
      const first = s.seen === undefined;
      const tau = s.tau ?? tau0;
      const h = first ? c * h0 : Math.abs(g - s.gp) / Math.max(Math.abs(w - s.wp), delta);
      const avg = (old: number, x: number) => (1 - 1 / tau) * old + x / tau;
      s.g = first ? g : avg(s.g, g);
      s.v = first ? c * g * g : avg(s.v, g * g);
      s.h = first ? h : avg(s.h, h);
      const rate = (s.g * s.g) / (s.h * s.v + eps);
      s.tau = (1 - (s.g * s.g) / (s.v + eps)) * tau + 1;
      s.gp = g;
      s.wp = w;
      s.seen = 1;
      return w - rate * g;
    }, 3);
    expectClose(run({ name: 'vsgd', options: {} }, 3), hand);
  });

  it('weight decay and l1 add their gradients before the update', () => {
    const hand = handRun((w, g) => w - 0.1 * (g + 0.01 * w + 0.001 * Math.sign(w)));
    expectClose(run({ name: 'sgd', options: { lr: 0.1, weight_decay: 0.01, l1: 0.001 } }), hand);
  });

  it('clip_norm rescales all gradients by their global norm', () => {
    const out = run({ name: 'sgd', options: { lr: 1, clip_norm: 1 } }, 1);
    const all = [...GW[0], ...GB[0]];
    const norm = Math.sqrt(all.reduce((s, g) => s + g * g, 0));
    expect(norm).toBeGreaterThan(1);
    expectClose(out, [[W0.map((w, i) => w - GW[0][i] / norm), B0.map((w, i) => w - GB[0][i] / norm)]]);
    // Under the threshold nothing changes.
    expectClose(
      run({ name: 'sgd', options: { lr: 1, clip_norm: 100 } }, 1),
      handRun((w, g) => w - g, 1),
    );
  });

  it('max_norm scales the columns of weight matrices back to the ball, not biases', () => {
    const [[w, b]] = run({ name: 'sgd', options: { lr: 1, max_norm: 1 } }, 1);
    const raw = W0.map((x, i) => x - GW[0][i]);
    const expected = [...raw];
    for (let j = 0; j < 2; j++) {
      const n = Math.hypot(raw[j], raw[2 + j]);
      const scale = 1 / Math.max(n, 1);
      expected[j] *= scale;
      expected[2 + j] *= scale;
    }
    expectClose([[w, b]], [[expected, B0.map((x, i) => x - GB[0][i])]]);
  });

  it('reports its slots and runtime scalars', () => {
    const { update, graph } = build({ name: 'adam', options: { lr: 0.002, clip_norm: 5 } });
    expect(update.slots.map((s) => s.name).sort()).toEqual(['W.m', 'W.v', 'adam.step', 'b.m', 'b.v']);
    expect(update.scalars).toEqual(
      expect.arrayContaining([
        { name: 'lr', value: 0.002 },
        { name: 'clip_norm', value: 5 },
        { name: 'beta1', value: 0.9 },
      ]),
    );
    const targets = graph.nodes.filter((n) => n.op === 'assign').map((n) => n.attrs.target);
    expect(targets.sort()).toEqual(['W', 'W.m', 'W.v', 'adam.step', 'b', 'b.m', 'b.v']);
  });

  it('rejects unknown optimizers and options', () => {
    expect(() => build({ name: 'lbfgs', options: {} })).toThrow(DlcError);
    expect(() => build({ name: 'lbfgs', options: {} })).toThrow(
      "unknown optimizer 'lbfgs' (expected one of sgd, adagrad, rmsprop, adam, vsgd)",
    );
    expect(() => build({ name: 'sgd', options: { beta1: 0.9 } })).toThrow("sgd has no option 'beta1'");
    expect(() => build({ name: 'sgd', options: { nesterov: 1 } })).toThrow("sgd: option 'nesterov' must be a boolean");
  });
});
