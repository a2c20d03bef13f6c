// Hand-built MNIST models for the training tests (as the lowering would build them):
// softmax regression with a dropout input layer, trained by SGD with momentum, with
// an infer entry `predict` and a sample entry `draw` that returns images.
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { gradients } from '../../../compiler/autodiff/differentiate';
import type { Program, PersistentTensor } from '../../../compiler/ir/program';
import { applyOptimizer } from '../../../compiler/optim/index';
import type { TensorType, Value } from '../../../compiler/ir/types';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const i32 = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });

export interface TinyOptions {
  readonly batch?: number;
  readonly lr?: number;
  readonly model?: string;
  /** Drop input pixels (uses the random ops, so resume must restore the RNG counter). */
  readonly dropout?: number;
  /** Multiply the loss by this (a huge value makes the weights blow up). */
  readonly lossScale?: number;
}

function params(b: GraphBuilder): { W: Value; b: Value } {
  return { W: b.arg('param', 'W', f32(784, 10)), b: b.arg('param', 'b', f32(10)) };
}

export function tinyMnist(options: TinyOptions = {}): Program {
  const batch = options.batch ?? 16;
  const persistent: PersistentTensor[] = [
    { name: 'W', kind: 'param', type: f32(784, 10), init: { name: 'normal', args: { mean: 0, std: 0.01 } } },
    { name: 'b', kind: 'param', type: f32(10), init: { name: 'zeros', args: {} } },
  ];

  const pb = new GraphBuilder('predict');
  const px = pb.arg('input', 'x', f32(batch, 784));
  const pp = params(pb);
  const prob = pb.op('softmax', [pb.op('add', [pb.op('matmul', [px, pp.W]), pp.b])], { axis: 1 });
  const predict = pb.finish({ prob });

  const tb = new GraphBuilder('step');
  let x = tb.arg('input', 'x', f32(batch, 784));
  const y = tb.arg('input', 'y', i32(batch));
  const p = params(tb);
  if (options.dropout !== undefined) x = tb.op('dropout', [x], { p: options.dropout, stream: 1 });
  const logits = tb.op('add', [tb.op('matmul', [x, p.W]), p.b]);
  let loss = tb.op('mean', [tb.op('cross_entropy', [logits, y])], { axes: [0], keepdims: false });
  if (options.lossScale !== undefined) loss = tb.op('mul', [loss, tb.constant(options.lossScale, f32())]);
  const [gW, gb] = gradients(tb, loss, [p.W, p.b]);
  const update = applyOptimizer(tb, {
    params: [
      { name: 'W', value: p.W, grad: gW! },
      { name: 'b', value: p.b, grad: gb! },
    ],
    optimizer: { name: 'sgd', options: { lr: options.lr ?? 0.5, momentum: 0.5 } },
  });
  const step = tb.finish({ loss });

  const sb = new GraphBuilder('draw');
  const sp = params(sb);
  // Each class's weight column as an "image": W.T, [10, 784].
  const images = sb.op('sigmoid', [sb.op('transpose', [sp.W], { perm: [1, 0] })]);
  const draw = sb.finish({ images });

  return {
    model: options.model ?? 'tiny_mnist',
    hyper: {},
    persistent: [...persistent, ...update.slots],
    scalars: update.scalars,
    entries: [
      { name: 'predict', kind: 'infer', graph: predict },
      { name: 'step', kind: 'train', graph: step },
      { name: 'draw', kind: 'sample', graph: draw },
    ],
  };
}

/**
 * A character bigram model: tokens i32[batch, T+1]; the logits of token t+1 are row
 * x_t of W [V, V]. Its sample entry `babble` returns each character's most likely
 * successor, argmax over W's rows (i32[V]), as text.
 */
export function bigram(vocab: number, batch = 32, T = 8): Program {
  const tb = new GraphBuilder('step');
  const tokens = tb.arg('input', 'tokens', i32(batch, T + 1));
  const W = tb.arg('param', 'W', f32(vocab, vocab));
  const xin = tb.op('reshape', [tb.op('slice', [tokens], { starts: [0, 0], ends: [batch, T] })], {
    shape: [batch * T],
  });
  const xout = tb.op('reshape', [tb.op('slice', [tokens], { starts: [0, 1], ends: [batch, T + 1] })], {
    shape: [batch * T],
  });
  const logits = tb.op('matmul', [tb.op('one_hot', [xin], { depth: vocab }), W]);
  const loss = tb.op('mean', [tb.op('cross_entropy', [logits, xout])], { axes: [0], keepdims: false });
  const [gW] = gradients(tb, loss, [W]);
  const update = applyOptimizer(tb, {
    params: [{ name: 'W', value: W, grad: gW! }],
    optimizer: { name: 'sgd', options: { lr: 5 } },
  });
  const step = tb.finish({ loss });

  const sb = new GraphBuilder('babble');
  const sW = sb.arg('param', 'W', f32(vocab, vocab));
  const babble = sb.finish({ text: sb.op('argmax', [sW], { axis: 1, keepdims: false }) });
  return {
    model: 'bigram',
    hyper: {},
    persistent: [
      { name: 'W', kind: 'param', type: f32(vocab, vocab), init: { name: 'zeros', args: {} } },
      ...update.slots,
    ],
    scalars: update.scalars,
    entries: [
      { name: 'step', kind: 'train', graph: step },
      { name: 'babble', kind: 'sample', graph: babble },
    ],
  };
}

/** A linear-sigmoid autoencoder on unlabelled images: train step(v0) -> cost, recon; infer reconstruct(v0) -> r. */
export function autoencoder(batch = 50, hidden = 16): Program {
  const forward = (b: GraphBuilder, v: Value, W1: Value, W2: Value): Value =>
    b.op('sigmoid', [b.op('matmul', [b.op('matmul', [v, W1]), W2])]);
  const tb = new GraphBuilder('step');
  const v0 = tb.arg('input', 'v0', f32(batch, 784));
  const W1 = tb.arg('param', 'W1', f32(784, hidden));
  const W2 = tb.arg('param', 'W2', f32(hidden, 784));
  const err = tb.op('sub', [forward(tb, v0, W1, W2), v0]);
  const sq = tb.op('mul', [err, err]);
  const cost = tb.op('mean', [sq], { axes: [0, 1], keepdims: false });
  const recon = tb.op('mean', [tb.op('sum', [sq], { axes: [1], keepdims: false })], { axes: [0], keepdims: false });
  const [g1, g2] = gradients(tb, cost, [W1, W2]);
  const update = applyOptimizer(tb, {
    params: [
      { name: 'W1', value: W1, grad: g1! },
      { name: 'W2', value: W2, grad: g2! },
    ],
    optimizer: { name: 'sgd', options: { lr: 1 } },
  });
  const step = tb.finish({ cost, recon });
  const ib = new GraphBuilder('reconstruct');
  const iv = ib.arg('input', 'v0', f32(batch, 784));
  const reconstruct = ib.finish({
    r: forward(ib, iv, ib.arg('param', 'W1', f32(784, hidden)), ib.arg('param', 'W2', f32(hidden, 784))),
  });
  return {
    model: 'autoencoder',
    hyper: {},
    persistent: [
      { name: 'W1', kind: 'param', type: f32(784, hidden), init: { name: 'glorot_uniform', args: {} } },
      { name: 'W2', kind: 'param', type: f32(hidden, 784), init: { name: 'glorot_uniform', args: {} } },
      ...update.slots,
    ],
    scalars: update.scalars,
    entries: [
      { name: 'step', kind: 'train', graph: step },
      { name: 'reconstruct', kind: 'infer', graph: reconstruct },
    ],
  };
}
