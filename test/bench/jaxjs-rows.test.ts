// The jax-js columns of the adam_mlp, charlstm and skipgram rows must train the same
// model as dlc: bench/models/<name>.dl compiled at -O2 and run on the device, and the
// jax-js version (bench/peers/jaxjs.ts, jaxjs-seq.ts, on jax-js's Wasm device here), at
// small sizes, from the same parameters and data. Three steps' losses agree, so the
// forward pass, the gradients (through np.take, the unrolled LSTM) and the optimizer
// (momentum; Adam's moments and bias correction) are the same; the losses move by more
// than the tolerance from step to step, so a wrong update would show.
import { describe, expect, it } from 'vitest';
import { jaxjsMlp, useJaxjs } from '../../bench/peers/jaxjs';
import { jaxjsCharLstm, jaxjsSkipgram } from '../../bench/peers/jaxjs-seq';
import { lcg } from '../../bench/models';
import type { CharSizes, SkipgramSizes } from '../../bench/seq-data';
import { charTokens, skipgramBatch } from '../../bench/seq-data';
import { dlcLosses, peerLosses, STEPS } from './dlc-losses';

/** Losses agree to `tol` and dlc's move by over 5× that a step, so a wrong update would fail. */
function expectSame(dlc: number[], jax: number[], tol: number): void {
  for (let s = 0; s < STEPS; s++)
    expect(Math.abs(dlc[s] - jax[s]), `step ${s}: dlc ${dlc[s]}, jax-js ${jax[s]}`).toBeLessThan(tol);
  for (let s = 1; s < STEPS; s++) expect(Math.abs(dlc[s] - dlc[s - 1]), `step ${s} moved`).toBeGreaterThan(5 * tol);
}

describe('bench rows: dlc and jax-js train the same model', () => {
  // The full-size mlp's kernels take a while to compile on a loaded llvmpipe.
  it('adam_mlp: 784-512-512-10 mlp, Adam with bias correction carried over steps', { timeout: 400_000 }, async () => {
    const batch = 4;
    const u = lcg(5);
    const x = Float32Array.from({ length: batch * 784 }, () => u());
    const labels = Int32Array.from({ length: batch }, () => Math.floor(u() * 10));
    const oneHot = new Float32Array(batch * 10);
    labels.forEach((l, i) => (oneHot[i * 10 + l] = 1));
    const dlc = await dlcLosses('adam_mlp', { batch }, { x, y: labels }, 0.05);
    expect(Object.keys(dlc.init).sort()).toEqual(['fc1.W', 'fc1.b', 'fc2.W', 'fc2.b', 'out.W', 'out.b']);
    const jax = await useJaxjs('wasm');
    expectSame(
      dlc.losses,
      await peerLosses(jaxjsMlp(jax, 'adam', { batch, data: { x, oneHot }, init: dlc.init })),
      1e-4,
    );
  });

  it('charlstm: np.take embedding, LSTM unrolled over the window, dense, cross-entropy, SGD momentum', async () => {
    const sizes: CharSizes = { batch: 3, window: 5, vocab: 7, dim: 4, hidden: 6 };
    const defines = { batch: 3, T: 5, vocab: 7, dim: 4, hidden: 6 };
    const dlc = await dlcLosses('charlstm', defines, { tokens: charTokens(sizes) }, 0.8);
    const jax = await useJaxjs('wasm');
    expectSame(dlc.losses, await peerLosses(jaxjsCharLstm(jax, { sizes, init: dlc.init })), 2e-5);
  });

  it('skipgram: center, context and negatives taken from the tables, σ losses, plain SGD', async () => {
    const sizes: SkipgramSizes = { batch: 6, vocab: 20, dim: 8, negatives: 3 };
    const defines = { batch: 6, V: 20, d: 8, neg: 3 };
    const dlc = await dlcLosses('skipgram', defines, { ...skipgramBatch(sizes) }, 0.5);
    const jax = await useJaxjs('wasm');
    expectSame(dlc.losses, await peerLosses(jaxjsSkipgram(jax, { sizes, init: dlc.init })), 2e-5);
  });
});
