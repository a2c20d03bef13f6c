// The benchmark's charlstm and skipgram rows must train the same model in both columns:
// bench/models/<name>.dl compiled at -O2 and run on the device, and the TF.js version
// (bench/peers/tfjs-seq.ts, on TF.js's CPU backend here), at small sizes, from the same
// parameters and data. Three steps' losses agree, so the forward pass, the gradients and
// the optimizer (momentum included) are the same; the losses move by more than the
// tolerance from step to step, so a wrong update would show.
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../compiler/driver';
import { lowerFile } from '../../compiler/lower/index';
import '../../compiler/ops/index';
import { acquireDevice } from '../../runtime/device';
import { Model } from '../../runtime/model';
import { tfjsCharLstm, tfjsSkipgram } from '../../bench/peers/tfjs-seq';
import { useTfjs } from '../../bench/peers/tfjs';
import type { CharSizes, SkipgramSizes } from '../../bench/seq-data';
import { charTokens, skipgramBatch } from '../../bench/seq-data';
import type { StepRunner } from '../../bench/timing';

const STEPS = 3;

function spread(n: number, seed: number, halfWidth: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * halfWidth;
  });
}

/** Losses of STEPS dlc steps from params spread over ±halfWidth, and those params by name. */
async function dlcLosses(
  name: string,
  defines: Record<string, number>,
  feeds: Record<string, Int32Array>,
  halfWidth: number,
): Promise<{ losses: number[]; init: Record<string, Float32Array> }> {
  const lowered = lowerFile(`bench/models/${name}.dl`, { defines });
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  const { device, limits, software } = await acquireDevice();
  const { plan } = compileProgram(lowered.program, { level: 2, family: software ? 'register' : 'shared', limits });
  const model = await Model.create(plan, { device, seed: 1 });
  try {
    const start = await model.params();
    const init: Record<string, Float32Array> = {};
    Object.entries(start).forEach(([p, t], i) => (init[p] = spread((t as Float32Array).length, 11 + i, halfWidth)));
    model.setParams(init);
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) losses.push((await model.run('step', feeds, { outputs: ['loss'] })).loss as number);
    return { losses, init };
  } finally {
    model.destroy();
  }
}

async function tfjsLosses(runner: StepRunner): Promise<number[]> {
  const losses: number[] = [];
  try {
    for (let s = 0; s < STEPS; s++) losses.push(await runner.step());
  } finally {
    runner.dispose();
  }
  return losses;
}

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
    expectSame(dlc.losses, await tfjsLosses(tfjsCharLstm(tf, 'cpu', { sizes, init: dlc.init })));
  });

  it('skipgram: center, context and negatives gathered, σ losses, plain SGD', async () => {
    const sizes: SkipgramSizes = { batch: 6, vocab: 20, dim: 8, negatives: 3 };
    const defines = { batch: 6, V: 20, d: 8, neg: 3 };
    const dlc = await dlcLosses('skipgram', defines, { ...skipgramBatch(sizes) }, 0.5);
    expect(Object.keys(dlc.init).sort()).toEqual(['Win', 'Wout']);
    const tf = await useTfjs('cpu');
    expectSame(dlc.losses, await tfjsLosses(tfjsSkipgram(tf, 'cpu', { sizes, init: dlc.init })));
  });
});
