// The generative and sequence examples at small sizes on the device: every entry
// (train, infer and sample; the random ones included) matches the reference
// executor, and a few steps on a fixed batch of real data bring down the
// reconstruction error (RBMs), the loss (denoising autoencoder, char-RNN).
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  mobyDickWindows,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';
import { baseRates } from '../../runtime/train/metrics/ais';
import type { Program } from '../../compiler/ir/program';

const BATCH = 10;

describe('generative examples on the device', () => {
  it('rbm: cd, pcd, score, hidden, dream and ais match the reference executor; CD-1 lowers the reconstruction error', async () => {
    const program = lowerExample(
      'rbm',
      { batch: BATCH, nh: 32, chains: 4, temps: 3 },
      { 'dream(v0, steps = 1000)': 'dream(v0, steps = 4)' },
    );
    const { x } = mnistBatch(BATCH);
    const base = baseRates(
      x.map((p) => (p >= 0.5 ? 1 : 0)),
      784,
    );
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { v0: x, base })).toEqual([
        'cd',
        'pcd',
        'score',
        'hidden',
        'dream',
        'ais',
      ]);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'cd', { v0: x }, 'recon', 30), 0.7);
    });
  });

  it('rbm with CD-3: the Gibbs chain of k steps matches the reference executor', async () => {
    const program = lowerExample(
      'rbm',
      { batch: BATCH, nh: 16, k: 3 },
      { 'dream(v0, steps = 1000)': 'dream(v0, steps = 2)' },
    );
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { v0: mnistBatch(BATCH).x }, ['cd', 'pcd'])).toEqual([
        'cd',
        'pcd',
      ]);
    });
  });

  const grbm = (): Program =>
    lowerExample(
      'grbm',
      { batch: BATCH, nh: 32 },
      { 'dream(v0, steps = 1000)': 'dream(v0, steps = 4)', 'fantasy(steps = 1000)': 'fantasy(steps = 4)' },
    );

  it('grbm: cd, pcd, score, dream and fantasy (a chain from uniform noise) match the reference executor on pixel digits', async () => {
    const program = grbm();
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { v0: mnistBatch(BATCH).x })).toEqual([
        'cd',
        'pcd',
        'score',
        'dream',
        'fantasy',
      ]);
    });
  }, 300_000);

  it('grbm: CD-1 and PCD lower the reconstruction error of pixel digits', async () => {
    const program = grbm();
    const v0 = mnistBatch(BATCH).x;
    for (const entry of ['cd', 'pcd']) {
      await withGpuRunner(program, async (fresh) => {
        expectFalls(await trainCurve(fresh, entry, { v0 }, 'recon', 30), 0.95);
      });
    }
  });

  for (const [noise, what] of [
    [0, 'salt-and-pepper'],
    [1, 'gaussian'],
  ] as const) {
    it(`dae (${what} corruption): step, score and walk match the reference executor; the loss falls`, async () => {
      const program = lowerExample(
        'dae',
        { batch: BATCH, nh: 32, noise },
        { 'walk(x, steps = 100)': 'walk(x, steps = 3)' },
      );
      const { x } = mnistBatch(BATCH);
      await withGpuRunner(program, async (runner) => {
        expect(await expectEntriesMatchReference(program, runner, { x })).toEqual(['step', 'score', 'walk']);
      });
      await withGpuRunner(program, async (fresh) => {
        expectFalls(await trainCurve(fresh, 'step', { x }, 'loss', 30), 0.7);
      });
    });
  }

  it('char_rnn: step and generate match the reference executor on Moby Dick; the loss falls', async () => {
    const T = 8;
    const batch = 4;
    const { tokens, vocab } = mobyDickWindows(batch, T + 1);
    const program = lowerExample('char_rnn', { batch, T, hidden: 16, vocab }, { 'length = 200': 'length = 12' });
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { tokens, prime: tokens.subarray(0, 1) })).toEqual([
        'step',
        'generate',
      ]);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { tokens }, 'loss', 30), 0.7);
    });
  });
});
