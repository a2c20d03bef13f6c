// jax-js columns of the sequence and embedding rows (bench/seq-data.ts): the models
// bench/peers/tfjs-seq.ts computes, from the same data and initial values, written as
// a jax-js user would (np.take for embeddings, one LSTM cell per time step unrolled in
// the traced loss), the whole step — valueAndGrad and the update — in one `jit`.
import type * as JAX from '@jax-js/jax';
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
import type { Arr, LossFn, Params } from './jaxjs-train';
import { jaxOptimizer, jaxTrainer } from './jaxjs-train';

type Jax = typeof JAX;

export interface JaxSeqOptions<S> {
  readonly sizes?: S;
  /** Initial values by dlc param name (the agreement test starts every side from dlc's). */
  readonly init?: Readonly<Record<string, Float32Array>>;
}

function paramMaker(jax: Jax, init: Readonly<Record<string, Float32Array>>) {
  return (name: string, shape: number[], fallback: () => Float32Array): Arr =>
    jax.numpy.array(init[name] ?? fallback()).reshape(shape);
}

/** charlstm: embedding → LSTM (gates i, f, g, o) → dense, zero initial state, as tfjsCharLstm. */
export function jaxjsCharLstm(jax: Jax, opts: JaxSeqOptions<CharSizes> = {}): StepRunner {
  const { numpy: np, nn } = jax;
  const sizes = opts.sizes ?? CHAR;
  const { batch: B, window: T, vocab, dim, hidden: H } = sizes;
  const tokens = charTokens(sizes);
  const inputs = new Int32Array(B * T);
  const next = new Int32Array(B * T);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = tokens[b * (T + 1) + t];
      next[b * T + t] = tokens[b * (T + 1) + t + 1];
    }
  const ids = np.array(inputs, { dtype: np.int32 }).reshape([B, T]);
  const targets = nn.oneHot(np.array(next, { dtype: np.int32 }), vocab); // [B·T, vocab]
  const param = paramMaker(jax, opts.init ?? {});
  const glorot = (rows: number, cols: number, seed: number) => () => initWeights(rows * cols, rows, cols, seed);
  const params: Params = {
    'emb.E': param('emb.E', [vocab, dim], () => normalInit(vocab * dim, 0.01, 1)),
    'cell.W': param('cell.W', [dim, 4 * H], glorot(dim, 4 * H, 2)),
    'cell.U': param('cell.U', [H, 4 * H], glorot(H, 4 * H, 3)),
    'cell.b': param('cell.b', [4 * H], () => new Float32Array(4 * H)),
    'out.W': param('out.W', [H, vocab], glorot(H, vocab, 4)),
    'out.b': param('out.b', [vocab], () => new Float32Array(vocab)),
  };
  const loss: LossFn = (p, ids, targets) => {
    const [W, U, b] = [p['cell.W'], p['cell.U'], p['cell.b']];
    const xs = np.unstack(np.take(p['emb.E'], ids, 0), 1); // T × [B, dim]
    let h = np.zeros([B, H]);
    let c = np.zeros([B, H]);
    const hs: Arr[] = [];
    for (const x of xs) {
      const z = np.matmul(x, W.ref).add(np.matmul(h, U.ref)).add(b.ref);
      const [i, f, g, o] = np.split(z, 4, 1);
      c = nn
        .sigmoid(f)
        .mul(c)
        .add(nn.sigmoid(i).mul(np.tanh(g)));
      h = nn.sigmoid(o).mul(np.tanh(c.ref));
      hs.push(h.ref);
    }
    for (const a of [W, U, b, h, c]) a.dispose();
    const logits = np.matmul(np.stack(hs, 1).reshape([B * T, H]), p['out.W']).add(p['out.b']);
    return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(targets), -1)).neg();
  };
  return jaxTrainer(jax, {
    params,
    loss,
    optimizer: jaxOptimizer(jax, { kind: 'momentum', lr: CHAR_LR, momentum: CHAR_MOMENTUM }),
    feeds: () => [ids.ref, targets.ref],
    held: [ids, targets],
  });
}

/** skipgram: σ-loss of the context against the center and of the negatives, plain SGD, as tfjsSkipgram. */
export function jaxjsSkipgram(jax: Jax, opts: JaxSeqOptions<SkipgramSizes> = {}): StepRunner {
  const { numpy: np, nn } = jax;
  const sizes = opts.sizes ?? SKIPGRAM;
  const { batch: B, vocab: V, dim: d, negatives: K } = sizes;
  const data = skipgramBatch(sizes);
  const param = paramMaker(jax, opts.init ?? {});
  const params: Params = {
    Win: param('Win', [V, d], () => normalInit(V * d, 0.01, 1)),
    Wout: param('Wout', [V, d], () => normalInit(V * d, 0.01, 2)),
  };
  const center = np.array(data.center, { dtype: np.int32 });
  const context = np.array(data.context, { dtype: np.int32 });
  const negatives = np.array(data.negatives, { dtype: np.int32 }).reshape([B, K]);
  const loss: LossFn = (p, center, context, negatives) => {
    const u = np.take(p.Win, center, 0); // [B, d]
    const pos = np.sum(u.ref.mul(np.take(p.Wout.ref, context, 0)), 1);
    const negs = np.sum(np.take(p.Wout, negatives, 0).mul(u.reshape([B, 1, d])), 2); // [B, K]
    return np.mean(nn.softplus(pos.neg()).add(np.sum(nn.softplus(negs), 1)));
  };
  return jaxTrainer(jax, {
    params,
    loss,
    optimizer: jaxOptimizer(jax, { kind: 'sgd', lr: SKIPGRAM_LR }),
    feeds: () => [center.ref, context.ref, negatives.ref],
    held: [center, context, negatives],
  });
}
