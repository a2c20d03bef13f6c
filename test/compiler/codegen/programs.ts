// Hand-built programs for the code generator's tests (built with GraphBuilder, as the
// lowering would): an MLP trained by SGD, repeat and scan loops, BPTT, swaps and a
// generation loop.
import '../../../compiler/ops/index';
// Control ops (repeat, scan, assign, stack_get/put) register separately from the op families.
import '../../../compiler/ops/control';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { gradients } from '../../../compiler/autodiff/differentiate';
import type { Program, PersistentTensor } from '../../../compiler/ir/program';
import type { OptimizerSpec } from '../../../compiler/optim/index';
import type { Value } from '../../../compiler/ir/types';
import { f32, optimizerStep, paramArgs } from '../../helpers/program-parts';

export const MLP = { batch: 8, nIn: 5, hidden: 7, nOut: 3 };

const MLP_PARAMS: readonly PersistentTensor[] = [
  { name: 'W1', kind: 'param', type: f32(MLP.nIn, MLP.hidden), init: { name: 'glorot_uniform', args: {} } },
  { name: 'b1', kind: 'param', type: f32(MLP.hidden), init: { name: 'constant', args: { value: 0.1 } } },
  { name: 'W2', kind: 'param', type: f32(MLP.hidden, MLP.nOut), init: { name: 'normal', args: { mean: 0, std: 0.5 } } },
  { name: 'b2', kind: 'param', type: f32(MLP.nOut), init: { name: 'zeros', args: {} } },
];

/** relu(x @ W1 + b1) @ W2 + b2, softmax, mean squared error against one-hot targets. */
function mlpForward(b: GraphBuilder, x: Value, p: Record<string, Value>): { prob: Value; logits: Value } {
  const h = b.op('relu', [b.op('add', [b.op('matmul', [x, p.W1]), p.b1])]);
  const logits = b.op('add', [b.op('matmul', [h, p.W2]), p.b2]);
  return { prob: b.op('softmax', [logits], { axis: 1 }), logits };
}

/** The mean squared error of the MLP's softmax output against `y`. */
function mlpLoss(tb: GraphBuilder, x: Value, y: Value, params: Record<string, Value>): Value {
  const { prob } = mlpForward(tb, x, params);
  const err = tb.op('sub', [prob, y]);
  return tb.op('mean', [tb.op('mul', [err, err])], { axes: [0, 1], keepdims: false });
}

export function mlpProgram(): Program {
  const { batch, nIn, nOut } = MLP;
  const persistent = [...MLP_PARAMS];

  const pb = new GraphBuilder('predict');
  const px = pb.arg('input', 'x', f32(batch, nIn));
  const { prob } = mlpForward(pb, px, paramArgs(pb, MLP_PARAMS));
  const predict = pb.finish({ prob });

  const tb = new GraphBuilder('step');
  const x = tb.arg('input', 'x', f32(batch, nIn));
  const y = tb.arg('input', 'y', f32(batch, nOut));
  const params = paramArgs(tb, MLP_PARAMS);
  const lr = tb.arg('scalar', 'lr', f32());
  const loss = mlpLoss(tb, x, y, params);
  const names = Object.keys(params);
  const grads = gradients(
    tb,
    loss,
    names.map((n) => params[n]),
  );
  names.forEach((n, k) => {
    const next = tb.op('sub', [params[n], tb.op('mul', [lr, grads[k]])]);
    tb.emit('assign', [next], { target: n });
  });
  const step = tb.finish({ loss });

  return {
    model: 'tiny_mlp',
    hyper: {},
    persistent,
    scalars: [{ name: 'lr', value: 0.5 }],
    entries: [
      { name: 'predict', kind: 'infer', graph: predict },
      { name: 'step', kind: 'train', graph: step },
    ],
  };
}

/** repeat 3 carry (a, b) = (x, state s) { a = tanh(a * w + b); b = b * 0.5 + a }, with a swap-free pair of carries. */
export function repeatProgram(): Program {
  const b = new GraphBuilder('iterate');
  const x = b.arg('input', 'x', f32(2, 3));
  const s = b.arg('state', 's', f32(2, 3));
  const w = b.arg('param', 'w', f32(3));
  const body = b.region('body');
  const a0 = body.arg('region', 'a', f32(2, 3));
  const b0 = body.arg('region', 'b', f32(2, 3));
  const wc = body.arg('region', 'w', f32(3));
  const a1 = body.op('tanh', [body.op('add', [body.op('mul', [a0, wc]), b0])]);
  const b1 = body.op('add', [body.op('mul', [b0, body.constant(0.5, f32())]), a1]);
  const bodyGraph = body.finish([
    { name: 'a', value: a1 },
    { name: 'b', value: b1 },
  ]);
  const [aK, bK] = b.emit('repeat', [x, s, w], { count: 3, carries: 2 }, { regions: [bodyGraph] }).outputs;
  b.emit('assign', [bK], { target: 's' });
  const graph = b.finish({ out: aK });
  return {
    model: 'looper',
    hyper: {},
    persistent: [
      { name: 's', kind: 'state', type: f32(2, 3), init: { name: 'uniform', args: { low: -1, high: 1 } } },
      { name: 'w', kind: 'param', type: f32(3), init: { name: 'normal', args: { std: 1 } } },
    ],
    scalars: [],
    entries: [{ name: 'iterate', kind: 'infer', graph }],
  };
}

/**
 * scan t over 4 carry h = h0 { h = tanh(h @ U + x_t) ; emit h ; emit t-scaled sum }:
 * x_t = stack_get(xs, t) reads the step's input, the emits stack batch-first.
 */
export function scanProgram(reverse = false): Program {
  const T = 4;
  const { b, xs, h0, U, body, t, h, xsc, Uc } = scanArgs('run', T, 2, 3);
  const xt = body.op('stack_get', [xsc, t], { axis: 1 });
  const h1 = body.op('tanh', [body.op('add', [body.op('matmul', [h, Uc]), xt])]);
  const tf = body.op('cast', [t], { to: 'f32' });
  const total = body.op('mul', [body.op('sum', [h1], { axes: [0, 1], keepdims: false }), tf]);
  const bodyGraph = body.finish([
    { name: 'h', value: h1 },
    { name: 'hs', value: h1 },
    { name: 'total', value: total },
  ]);
  const [hT, hs, totals] = b.emit(
    'scan',
    [h0, xs, U],
    { length: T, carries: 1, reverse },
    { regions: [bodyGraph] },
  ).outputs;
  const graph = b.finish({ hT, hs, totals });
  return {
    model: 'scanner',
    hyper: {},
    persistent: [{ name: 'U', kind: 'param', type: f32(3, 3), init: { name: 'orthogonal', args: {} } }],
    scalars: [],
    entries: [{ name: 'run', kind: 'infer', graph }],
  };
}

/**
 * The arguments of an RNN scan over T steps: graph `name` takes xs [batch,T,n], h0 [batch,n]
 * and param U [n,n]; its `body` region takes the step t, the carry h and the captured xs, U.
 */
function scanArgs(name: string, T: number, batch: number, n: number) {
  const b = new GraphBuilder(name);
  const xs = b.arg('input', 'xs', f32(batch, T, n));
  const h0 = b.arg('input', 'h0', f32(batch, n));
  const U = b.arg('param', 'U', f32(n, n));
  const body = b.region('body');
  const t = body.arg('region', 't', { dtype: 'i32', shape: [] });
  const h = body.arg('region', 'h', f32(batch, n));
  const xsc = body.arg('region', 'xs', f32(batch, T, n));
  const Uc = body.arg('region', 'U', f32(n, n));
  return { b, xs, h0, U, body, t, h, xsc, Uc };
}

/**
 * BPTT: the scan of scanProgram, loss = mean(hs²) + sum(hT), gradients of U and h0 through
 * the loop. `size` and `std` (U's init) default to scanProgram's; the plan tests use a wide one.
 */
export function bpttProgram(size = { T: 4, batch: 2, n: 3 }, model = 'bptt', std = 0.7): Program {
  const { T, batch, n } = size;
  const { b, xs, h0, U, body, t, h, xsc, Uc } = scanArgs('grad', T, batch, n);
  const h1 = body.op('tanh', [
    body.op('add', [body.op('matmul', [h, Uc]), body.op('stack_get', [xsc, t], { axis: 1 })]),
  ]);
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
  const graph = b.finish({ loss, dU, dh0 });
  return {
    model,
    hyper: {},
    persistent: [{ name: 'U', kind: 'param', type: f32(n, n), init: { name: 'normal', args: { std } } }],
    scalars: [],
    entries: [{ name: 'grad', kind: 'train', graph }],
  };
}

/** Swaps: a repeat whose carries trade places each step, and an update pass `a <- b; b <- a`. */
export function swapProgram(): Program {
  const b = new GraphBuilder('swap');
  const x = b.arg('input', 'x', f32(3));
  const y = b.arg('input', 'y', f32(3));
  const body = b.region('body');
  const p = body.arg('region', 'p', f32(3));
  const q = body.arg('region', 'q', f32(3));
  const bodyGraph = body.finish([
    { name: 'p', value: q },
    { name: 'q', value: body.op('add', [p, q]) },
  ]);
  const [pK, qK] = b.emit('repeat', [x, y], { count: 5, carries: 2 }, { regions: [bodyGraph] }).outputs;
  const swap = b.finish({ p: pK, q: qK });

  const u = new GraphBuilder('sync');
  const a = u.arg('state', 'a', f32(2));
  const c = u.arg('state', 'c', f32(2));
  u.emit('assign', [c], { target: 'a' });
  u.emit('assign', [a], { target: 'c' });
  const sync = u.finish({});
  return {
    model: 'swapper',
    hyper: {},
    persistent: [
      { name: 'a', kind: 'state', type: f32(2), init: { name: 'ones', args: {} } },
      { name: 'c', kind: 'state', type: f32(2), init: { name: 'constant', args: { value: 3 } } },
    ],
    scalars: [],
    entries: [
      { name: 'swap', kind: 'infer', graph: swap },
      { name: 'sync', kind: 'update', graph: sync },
    ],
  };
}

/**
 * A generation loop: each step's sampled token is the next step's input
 * (scan carry c = prime, h = 0 { h = tanh(one_hot(c) @ E + h @ U); c = categorical(softmax(h @ V)); emit c }).
 */
export function generateProgram(): Program {
  const T = 6;
  const vocab = 5;
  const hidden = 4;
  const b = new GraphBuilder('generate');
  const prime = b.arg('input', 'prime', { dtype: 'i32', shape: [1] });
  const E = b.arg('param', 'E', f32(vocab, hidden));
  const U = b.arg('param', 'U', f32(hidden, hidden));
  const V = b.arg('param', 'V', f32(hidden, vocab));
  const h0 = b.constant(0, f32(1, hidden));
  const body = b.region('body');
  body.arg('region', 't', { dtype: 'i32', shape: [] });
  const c = body.arg('region', 'c', { dtype: 'i32', shape: [1] });
  const h = body.arg('region', 'h', f32(1, hidden));
  const Ec = body.arg('region', 'E', f32(vocab, hidden));
  const Uc = body.arg('region', 'U', f32(hidden, hidden));
  const Vc = body.arg('region', 'V', f32(hidden, vocab));
  const h1 = body.op('tanh', [
    body.op('add', [body.op('matmul', [body.op('one_hot', [c], { depth: vocab }), Ec]), body.op('matmul', [h, Uc])]),
  ]);
  const next = body.op('categorical', [body.op('softmax', [body.op('matmul', [h1, Vc])], { axis: 1 })], { stream: 3 });
  const bodyGraph = body.finish([
    { name: 'c', value: next },
    { name: 'h', value: h1 },
    { name: 'text', value: next },
  ]);
  const [, , text] = b.emit('scan', [prime, h0, E, U, V], { length: T, carries: 2 }, { regions: [bodyGraph] }).outputs;
  return {
    model: 'sampler',
    hyper: {},
    persistent: [
      { name: 'E', kind: 'param', type: f32(vocab, hidden), init: { name: 'normal', args: { std: 1.5 } } },
      { name: 'U', kind: 'param', type: f32(hidden, hidden), init: { name: 'orthogonal', args: {} } },
      { name: 'V', kind: 'param', type: f32(hidden, vocab), init: { name: 'normal', args: { std: 2 } } },
    ],
    scalars: [],
    entries: [{ name: 'generate', kind: 'sample', graph: b.finish({ text }) }],
  };
}

/** The MLP's train step with a real optimizer from compiler/optim: slots and runtime scalars. */
export function optimizedMlpProgram(optimizer: OptimizerSpec): Program {
  const { batch, nIn, nOut } = MLP;
  const base = mlpProgram();
  const tb = new GraphBuilder('step');
  const x = tb.arg('input', 'x', f32(batch, nIn));
  const y = tb.arg('input', 'y', f32(batch, nOut));
  const params = paramArgs(tb, MLP_PARAMS);
  const loss = mlpLoss(tb, x, y, params);
  const update = optimizerStep(tb, params, loss, optimizer);
  return {
    ...base,
    model: `mlp_${optimizer.name}`,
    persistent: [...base.persistent, ...update.slots],
    scalars: update.scalars,
    entries: [{ name: 'step', kind: 'train', graph: tb.finish({ loss }) }],
  };
}

/** Nested loops: repeat 2 carry h { h = last of scan t over 3 carry g = h { g = tanh(g + xs[:, t]); emit g * t } }. */
export function nestedProgram(): Program {
  const b = new GraphBuilder('nest');
  const xs = b.arg('input', 'xs', f32(2, 3, 4));
  const h0 = b.arg('input', 'h0', f32(2, 4));
  const outer = b.region('outer');
  const h = outer.arg('region', 'h', f32(2, 4));
  const xsO = outer.arg('region', 'xs', f32(2, 3, 4));
  const inner = outer.region('inner');
  const t = inner.arg('region', 't', { dtype: 'i32', shape: [] });
  const g = inner.arg('region', 'g', f32(2, 4));
  const xsI = inner.arg('region', 'xs', f32(2, 3, 4));
  const g1 = inner.op('tanh', [inner.op('add', [g, inner.op('stack_get', [xsI, t], { axis: 1 })])]);
  const scaled = inner.op('mul', [g1, inner.op('cast', [t], { to: 'f32' })]);
  const innerGraph = inner.finish([
    { name: 'g', value: g1 },
    { name: 'e', value: scaled },
  ]);
  const [gT, es] = outer.emit('scan', [h, xsO], { length: 3, carries: 1 }, { regions: [innerGraph] }).outputs;
  const hNext = outer.op('add', [gT, outer.op('mean', [es], { axes: [1], keepdims: false })]);
  const outerGraph = outer.finish([{ name: 'h', value: hNext }]);
  const [hK] = b.emit('repeat', [h0, xs], { count: 2, carries: 1 }, { regions: [outerGraph] }).outputs;
  return {
    model: 'nested',
    hyper: {},
    persistent: [],
    scalars: [],
    entries: [{ name: 'nest', kind: 'infer', graph: b.finish({ h: hK }) }],
  };
}

/** Gradients through a repeat: d sum(tanh chain) / d (x, w) with the loop of repeatProgram. */
export function repeatGradProgram(): Program {
  const b = new GraphBuilder('grad');
  const x = b.arg('input', 'x', f32(2, 3));
  const w = b.arg('param', 'w', f32(3));
  const body = b.region('body');
  const a = body.arg('region', 'a', f32(2, 3));
  const wc = body.arg('region', 'w', f32(3));
  const a1 = body.op('tanh', [body.op('add', [body.op('mul', [a, wc]), body.constant(0.1, f32())])]);
  const bodyGraph = body.finish([{ name: 'a', value: a1 }]);
  const [aK] = b.emit('repeat', [x, w], { count: 4, carries: 1 }, { regions: [bodyGraph] }).outputs;
  const loss = b.op('sum', [b.op('mul', [aK, aK])], { axes: [0, 1], keepdims: false });
  const [dx, dw] = gradients(b, loss, [x, w]);
  return {
    model: 'repeat_grad',
    hyper: {},
    persistent: [{ name: 'w', kind: 'param', type: f32(3), init: { name: 'normal', args: { std: 1 } } }],
    scalars: [],
    entries: [{ name: 'grad', kind: 'train', graph: b.finish({ loss, dx, dw }) }],
  };
}
