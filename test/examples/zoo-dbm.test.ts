// examples/dbm.dl at a small size on the device: every entry (the pretraining RBMs,
// PCD with mean-field, the variational score, the sampler and AIS) matches the
// reference executor, and a few steps on a fixed batch of digits bring down the
// reconstruction error of the first pretraining stage and of the joint training.
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';
import { baseRates } from '../../runtime/train/metrics/ais';

const BATCH = 10;

describe('dbm on the device', () => {
  it('rbm1, rbm2, pcd, score, dream and ais match the reference executor; rbm1 and pcd lower the recon error', async () => {
    const program = lowerExample('dbm', {
      batch: BATCH,
      nh1: 24,
      nh2: 12,
      mf_steps: 3,
      gibbs_steps: 2,
      chains: 4,
      temps: 3,
      lr: 0.05,
      dream_steps: 3,
    });
    const { x } = mnistBatch(BATCH);
    const base = baseRates(
      x.map((p) => (p >= 0.5 ? 1 : 0)),
      784,
    );
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { v0: x, base })).toEqual([
        'pcd',
        'rbm1',
        'rbm2',
        'score',
        'dream',
        'ais',
      ]);
      // Training goes on from the state the comparison left (one model: one compile).
      expectFalls(await trainCurve(runner, 'rbm1', { v0: x }, 'recon', 20), 0.9);
      expectFalls(await trainCurve(runner, 'pcd', { v0: x }, 'recon', 20), 0.95);
    });
  }, 300_000);
});
