// examples/dbm.dl at a small size on the device: every entry (the pretraining RBMs,
// PCD with mean-field, the variational score, the sampler and AIS) matches the
// reference executor, and a few steps on a fixed batch of digits bring down the
// reconstruction error of the first pretraining stage.
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
  it('rbm1, rbm2, pcd, score, dream and ais match the reference executor; rbm1 lowers the recon error, pcd stays finite', async () => {
    const program = lowerExample('dbm', {
      batch: BATCH,
      nh1: 24,
      nh2: 12,
      mf_steps: 3,
      gibbs_steps: 2,
      chains: 4,
      temps: 3,
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
    });
    // From the initial weights: pretraining, then the joint training from where it left them.
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'rbm1', { v0: x }, 'recon', 20), 0.9);
      // The joint stage's mean-field reconstruction error on a fixed batch rises here
      // (40.6 to 117 in 20 steps, not yet understood: see the docs' DBM section), so only
      // its cost is checked to stay finite.
      const cost = await trainCurve(fresh, 'pcd', { v0: x }, 'cost', 20);
      for (const c of cost) expect(Number.isFinite(c), `cost ${cost.join(', ')}`).toBe(true);
    });
  }, 300_000);
});
