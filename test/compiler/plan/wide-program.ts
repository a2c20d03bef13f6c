// A training program large enough that packing its temporaries pays on every entry:
// a 64→96→10 MLP whose hidden layer is refined by a 3-step repeat loop
// (h = tanh(h @ U + c)), softmax cross-entropy by hand, SGD with momentum.
import '../../../compiler/ops/index';
import { gradients } from '../../../compiler/autodiff/differentiate';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { PersistentTensor, Program } from '../../../compiler/ir/program';
import type { TensorType, Value } from '../../../compiler/ir/types';
import { applyOptimizer } from '../../../compiler/optim/index';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
export const WIDE = { batch: 32, nIn: 64, hidden: 96, nOut: 10 };

function forward(b: GraphBuilder, x: Value, p: Record<string, Value>): Value {
  const h0 = b.op('relu', [b.op('add', [b.op('matmul', [x, p.W1]), p.b1])]);
  const body = b.region('refine');
  const h = body.arg('region', 'h', f32(WIDE.batch, WIDE.hidden));
  const U = body.arg('region', 'U', f32(WIDE.hidden, WIDE.hidden));
  const c = body.arg('region', 'c', f32(WIDE.hidden));
  const next = body.op('tanh', [body.op('add', [body.op('matmul', [h, U]), c])]);
  const refine = body.finish([{ name: 'h', value: next }]);
  const [hK] = b.emit('repeat', [h0, p.U, p.c], { count: 3, carries: 1 }, { regions: [refine] }).outputs;
  return b.op('add', [b.op('matmul', [hK, p.W2]), p.b2]);
}

function params(b: GraphBuilder): Record<string, Value> {
  const { nIn, hidden, nOut } = WIDE;
  return {
    W1: b.arg('param', 'W1', f32(nIn, hidden)),
    b1: b.arg('param', 'b1', f32(hidden)),
    U: b.arg('param', 'U', f32(hidden, hidden)),
    c: b.arg('param', 'c', f32(hidden)),
    W2: b.arg('param', 'W2', f32(hidden, nOut)),
    b2: b.arg('param', 'b2', f32(nOut)),
  };
}

export function wideProgram(): Program {
  const { batch, nIn, hidden, nOut } = WIDE;
  const persistent: PersistentTensor[] = [
    { name: 'W1', kind: 'param', type: f32(nIn, hidden), init: { name: 'glorot_uniform', args: {} } },
    { name: 'b1', kind: 'param', type: f32(hidden), init: { name: 'constant', args: { value: 0.01 } } },
    { name: 'U', kind: 'param', type: f32(hidden, hidden), init: { name: 'normal', args: { mean: 0, std: 0.05 } } },
    { name: 'c', kind: 'param', type: f32(hidden), init: { name: 'zeros', args: {} } },
    { name: 'W2', kind: 'param', type: f32(hidden, nOut), init: { name: 'glorot_uniform', args: {} } },
    { name: 'b2', kind: 'param', type: f32(nOut), init: { name: 'zeros', args: {} } },
  ];
  const pb = new GraphBuilder('predict');
  const prob = pb.op('softmax', [forward(pb, pb.arg('input', 'x', f32(batch, nIn)), params(pb))], { axis: 1 });
  const predict = pb.finish({ prob });

  const tb = new GraphBuilder('step');
  const x = tb.arg('input', 'x', f32(batch, nIn));
  const y = tb.arg('input', 'y', f32(batch, nOut));
  const p = params(tb);
  const logp = tb.op('log', [tb.op('softmax', [forward(tb, x, p)], { axis: 1 })]);
  const loss = tb.op('neg', [tb.op('mean', [tb.op('sum', [tb.op('mul', [y, logp])], { axes: [1], keepdims: false })], { axes: [0], keepdims: false })]);
  const names = Object.keys(p);
  const grads = gradients(tb, loss, names.map((n) => p[n]));
  const update = applyOptimizer(tb, {
    params: names.map((n, k) => ({ name: n, value: p[n], grad: grads[k] })),
    optimizer: { name: 'sgd', options: { lr: 0.1, momentum: 0.9 } },
  });
  return {
    model: 'wide',
    hyper: {},
    persistent: [...persistent, ...update.slots],
    scalars: update.scalars,
    entries: [
      { name: 'predict', kind: 'infer', graph: predict },
      { name: 'step', kind: 'train', graph: tb.finish({ loss }) },
    ],
  };
}

/**
 * BPTT at a size where packing pays: scan t over 5 carry h { h = tanh(h @ U + xs[:, t]);
 * emit h }, loss = mean(hs²) + sum(h_T), gradients for U and h0 (a stashing scan
 * forward, a reverse scan backward, stacked emits read after the loops).
 */
export function wideScanProgram(): Program {
  const T = 5;
  const [batch, n] = [16, 64];
  const b = new GraphBuilder('grad');
  const xs = b.arg('input', 'xs', f32(batch, T, n));
  const h0 = b.arg('input', 'h0', f32(batch, n));
  const U = b.arg('param', 'U', f32(n, n));
  const body = b.region('body');
  const t = body.arg('region', 't', { dtype: 'i32', shape: [] });
  const h = body.arg('region', 'h', f32(batch, n));
  const xsc = body.arg('region', 'xs', f32(batch, T, n));
  const Uc = body.arg('region', 'U', f32(n, n));
  const h1 = body.op('tanh', [body.op('add', [body.op('matmul', [h, Uc]), body.op('stack_get', [xsc, t], { axis: 1 })])]);
  const bodyGraph = body.finish([
    { name: 'h', value: h1 },
    { name: 'hs', value: h1 },
  ]);
  const [hT, hs] = b.emit('scan', [h0, xs, U], { length: T, carries: 1 }, { regions: [bodyGraph] }).outputs;
  const loss = b.op('add', [
    b.op('mean', [b.op('mul', [hs, hs])], { axes: [0, 1, 2], keepdims: false }),
    b.op('sum', [hT], { axes: [0, 1], keepdims: false }),
  ]);
  const [dU, dh0] = gradients(b, loss, [U, h0]);
  return {
    model: 'wide_bptt',
    hyper: {},
    persistent: [{ name: 'U', kind: 'param', type: f32(n, n), init: { name: 'normal', args: { std: 0.1 } } }],
    scalars: [],
    entries: [{ name: 'grad', kind: 'train', graph: b.finish({ loss, dU, dh0 }) }],
  };
}
