// The benchmark's charlstm and skipgram rows must train the same model in both columns:
// bench/models/<name>.dl compiled at -O2 and run on the device, and the TF.js version
// (bench/peers/tfjs-seq.ts, on TF.js's CPU backend here), at small sizes, from the same
// parameters and data. Three steps' losses agree, so the forward pass, the gradients and
// the optimizer (momentum included) are the same; the losses move by more than the
// tolerance from step to step, so a wrong update would show.
import { describe, expect, it } from 'vitest';
import { tfjsCharLstm, tfjsSkipgram } from '../../bench/peers/tfjs-seq';
import { useTfjs } from '../../bench/peers/tfjs';
import type { CharSizes, SkipgramSizes } from '../../bench/seq-data';
import { charTokens, skipgramBatch } from '../../bench/seq-data';
import { dlcLosses, peerLosses, STEPS } from './dlc-losses';

/** Losses agree to 2e-5 and move by over 1e-4 a step (5× that), so a wrong update would fail. */
function expectSame(dlc: number[], tf: number[]): void {
  for (let s = 0; s < STEPS; s++)
    expect(Math.abs(dlc[s] - tf[s]), `step ${s}: dlc ${dlc[s]}, TF.js ${tf[s]}`).toBeLessThan(2e-5);
  for (let s = 1; s < STEPS; s++) expect(Math.abs(dlc[s] - dlc[s - 1]), `step ${s} moved`).toBeGreaterThan(1e-4);
}

describe('bench sequence rows: dlc and TF.js train the same model', () => {
  it('charlstm: embedding, LSTM over the window, dense, cross-entropy, SGD momentum', async () => {
    const sizes: CharSizes = { batch: 3, window: 5, vocab: 7, dim: 4, hidden: 6 };
    const defines = { batch: 3, T: 5, vocab: 7, dim: 4, hidden: 6 };
    const dlc = await dlcLosses('charlstm', defines, { tokens: charTokens(sizes) }, 0.8);
    expect(Object.keys(dlc.init).sort()).toEqual(['cell.U', 'cell.W', 'cell.b', 'emb.E', 'out.W', 'out.b']);
    const tf = await useTfjs('cpu');
    expectSame(dlc.losses, await peerLosses(tfjsCharLstm(tf, 'cpu', { sizes, init: dlc.init })));
  });

  it('skipgram: center, context and negatives gathered, σ losses, plain SGD', async () => {
    const sizes: SkipgramSizes = { batch: 6, vocab: 20, dim: 8, negatives: 3 };
    const defines = { batch: 6, V: 20, d: 8, neg: 3 };
    const dlc = await dlcLosses('skipgram', defines, { ...skipgramBatch(sizes) }, 0.5);
    expect(Object.keys(dlc.init).sort()).toEqual(['Win', 'Wout']);
    const tf = await useTfjs('cpu');
    expectSame(dlc.losses, await peerLosses(tfjsSkipgram(tf, 'cpu', { sizes, init: dlc.init })));
  });
});
