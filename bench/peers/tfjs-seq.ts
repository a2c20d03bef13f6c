// TF.js columns of the sequence and embedding rows (bench/seq-data.ts): the same
// models as bench/models/charlstm.dl and skipgram.dl, written as a TF.js user would
// (tf.gather for embeddings, one LSTM cell step per time step, optimizer.minimize).
import type * as TF from '@tensorflow/tfjs-core';
import { initWeights } from '../models';
import type { CharSizes, SkipgramSizes } from '../seq-data';
import {
  CHAR,
  CHAR_LR,
  CHAR_MOMENTUM,
  charTokens,
  normalInit,
  SKIPGRAM,
  SKIPGRAM_LR,
  skipgramBatch,
} from '../seq-data';
import type { StepRunner } from '../timing';
import type { TfjsBackend } from './tfjs';

/** Bytes the WebGPU backend's buffer manager holds on the device (pool included); null on the CPU. */
export function tfjsGpuBytes(tf: typeof TF, backend: TfjsBackend): number | null {
  const m = tf.memory() as TF.MemoryInfo & { numBytesAllocatedInGPU?: number };
  return backend === 'webgpu' ? (m.numBytesAllocatedInGPU ?? null) : null;
}

interface Built {
  readonly loss: () => TF.Scalar;
  readonly vars: TF.Variable[];
  readonly inputs: TF.Tensor[];
  readonly optimizer: TF.Optimizer;
}

function runner(tf: typeof TF, backend: TfjsBackend, b: Built): StepRunner {
  return {
    async step() {
      const l = b.optimizer.minimize(b.loss, true, b.vars)!;
      const [value] = await l.data();
      l.dispose();
      return value;
    },
    gpuBytes: () => tfjsGpuBytes(tf, backend),
    dispose() {
      b.optimizer.dispose();
      for (const t of [...b.vars, ...b.inputs]) t.dispose();
    },
  };
}

/**
 * Builds the variables of a model by their dlc param names: from `init` where it names
 * them (the equivalence test starts both sides from dlc's values), else `fallback`.
 */
function paramMaker(tf: typeof TF, init: Readonly<Record<string, Float32Array>>) {
  return (name: string, shape: number[], fallback: () => TF.Tensor): TF.Variable => {
    const given = init[name];
    return tf.variable(given ? tf.tensor(given, shape) : fallback());
  };
}

export interface SeqOptions<S> {
  readonly sizes?: S;
  readonly init?: Readonly<Record<string, Float32Array>>;
}

/** charlstm: embedding → LSTM (gates i, f, g, o as dlc's prelude `lstm`) → dense, zero initial state. */
export function tfjsCharLstm(tf: typeof TF, backend: TfjsBackend, opts: SeqOptions<CharSizes> = {}): StepRunner {
  const sizes = opts.sizes ?? CHAR;
  const { batch: B, window: T, vocab, dim, hidden: H } = sizes;
  const tokens = tf.tensor2d(charTokens(sizes), [B, T + 1], 'int32');
  const inputsIds = tf.slice(tokens, [0, 0], [B, T]);
  const targets = tf.oneHot(tf.reshape(tf.slice(tokens, [0, 1], [B, T]), [B * T]) as TF.Tensor1D, vocab);
  const param = paramMaker(tf, opts.init ?? {});
  const glorot = (rows: number, cols: number, seed: number) => () =>
    tf.tensor2d(initWeights(rows * cols, rows, cols, seed), [rows, cols]);
  const E = param('emb.E', [vocab, dim], () => tf.tensor2d(normalInit(vocab * dim, 0.01, 1), [vocab, dim]));
  const W = param('cell.W', [dim, 4 * H], glorot(dim, 4 * H, 2));
  const U = param('cell.U', [H, 4 * H], glorot(H, 4 * H, 3));
  const b = param('cell.b', [4 * H], () => tf.zeros([4 * H]));
  const Wo = param('out.W', [H, vocab], glorot(H, vocab, 4));
  const bo = param('out.b', [vocab], () => tf.zeros([vocab]));
  const loss = (): TF.Scalar => {
    const xs = tf.gather(E, inputsIds); // [B, T, dim]
    let h: TF.Tensor2D = tf.zeros([B, H]);
    let c: TF.Tensor2D = tf.zeros([B, H]);
    const hs: TF.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const x = tf.reshape(tf.slice(xs, [0, t, 0], [B, 1, dim]), [B, dim]) as TF.Tensor2D;
      const z = tf.add(tf.add(tf.matMul(x, W), tf.matMul(h, U)), b);
      const [i, f, g, o] = tf.split(z, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      hs.push(h);
    }
    const flat = tf.reshape(tf.stack(hs, 1), [B * T, H]) as TF.Tensor2D;
    return tf.losses.softmaxCrossEntropy(targets, tf.add(tf.matMul(flat, Wo), bo)) as TF.Scalar;
  };
  const optimizer = tf.train.momentum(CHAR_LR, CHAR_MOMENTUM);
  return runner(tf, backend, { loss, vars: [E, W, U, b, Wo, bo], inputs: [tokens, inputsIds, targets], optimizer });
}

/** skipgram: σ-loss of the context against the center and of 5 negatives, plain SGD. */
export function tfjsSkipgram(tf: typeof TF, backend: TfjsBackend, opts: SeqOptions<SkipgramSizes> = {}): StepRunner {
  const sizes = opts.sizes ?? SKIPGRAM;
  const { batch: B, vocab: V, dim: d, negatives: K } = sizes;
  const data = skipgramBatch(sizes);
  const param = paramMaker(tf, opts.init ?? {});
  const center = tf.tensor1d(data.center, 'int32');
  const context = tf.tensor1d(data.context, 'int32');
  const negatives = tf.tensor2d(data.negatives, [B, K], 'int32');
  const Win = param('Win', [V, d], () => tf.tensor2d(normalInit(V * d, 0.01, 1), [V, d]));
  const Wout = param('Wout', [V, d], () => tf.tensor2d(normalInit(V * d, 0.01, 2), [V, d]));
  const loss = (): TF.Scalar => {
    const u = tf.gather(Win, center); // [B, d]
    const pos = tf.sum(tf.mul(u, tf.gather(Wout, context)), 1);
    const negs = tf.sum(tf.mul(tf.gather(Wout, negatives), tf.reshape(u, [B, 1, d])), 2); // [B, K]
    return tf.mean(tf.add(tf.softplus(tf.neg(pos)), tf.sum(tf.softplus(negs), 1))) as TF.Scalar;
  };
  const optimizer = tf.train.sgd(SKIPGRAM_LR);
  return runner(tf, backend, { loss, vars: [Win, Wout], inputs: [center, context, negatives], optimizer });
}
