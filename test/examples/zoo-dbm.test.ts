// examples/dbm.dl at a small size on the device: every entry (the pretraining RBMs,
// PCD with mean-field, the variational score, the sampler and AIS) matches the
// reference executor; on a fixed batch of digits the first pretraining stage brings
// down its reconstruction error, and the joint stage raises what a DBM maximises —
// the variational lower bound on log p(v), −(mean-field free energy) − log Z, with
// log Z enumerated exactly over the 2^nh1 first-layer vectors (test/helpers/dbm-exact.ts).
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
import type { ModelRunner } from '../../runtime/train/runner';
import { exactLogZ } from '../helpers/dbm-exact';

const BATCH = 10;
const NH1 = 10;
const NH2 = 8;

/** Mean over the batch of the variational lower bound on log p(v), exact up to float32. */
async function logLikelihoodBound(runner: ModelRunner, x: Float32Array): Promise<number> {
  const bound = (await runner.run('score', { v0: x }, ['free_energy_bound'])).free_energy_bound as Float32Array;
  const s = await runner.save();
  const logZ = exactLogZ({ nv: 784, nh1: NH1, nh2: NH2, W1: s.W1!, W2: s.W2!, a: s.a!, b1: s.b1!, b2: s.b2! });
  return -bound.reduce((t, f) => t + f, 0) / bound.length - logZ;
}

describe('dbm on the device', () => {
  it('rbm1, rbm2, pcd, score, dream and ais match the reference executor; rbm1 lowers the recon error, pcd raises the bound', async () => {
    const program = lowerExample('dbm', {
      batch: BATCH,
      nh1: NH1,
      nh2: NH2,
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
    // One runner: compiling the kernels is most of the time on a CPU adapter (591 s at load 22 on 2 cores).
    await withGpuRunner(program, async (runner) => {
      const initial = await runner.save();
      expect(await expectEntriesMatchReference(program, runner, { v0: x, base })).toEqual([
        'pcd',
        'rbm1',
        'rbm2',
        'score',
        'dream',
        'ais',
      ]);
      // From the initial weights again: the schedule's three stages in order.
      runner.load(initial);
      runner.step = 0;
      expectFalls(await trainCurve(runner, 'rbm1', { v0: x }, 'recon', 20), 0.9);
      await trainCurve(runner, 'rbm2', { v0: x }, 'cost', 20);
      // The joint stage at the paper's starting rate (lr 0.001, momentum 0.5): on one fixed
      // batch the file's lr 0.005 with momentum 0.9 outruns the persistent chains after
      // about ten steps (docs/zoo-generative.md, "Deep Boltzmann machine").
      runner.setScalar('pcd.lr', 0.001);
      runner.setScalar('pcd.momentum', 0.5);
      const before = await logLikelihoodBound(runner, x);
      const cost = await trainCurve(runner, 'pcd', { v0: x }, 'cost', 20);
      for (const c of cost) expect(Number.isFinite(c), `cost ${cost.join(', ')}`).toBe(true);
      const after = await logLikelihoodBound(runner, x);
      // Measured in the reference executor: −334.9 before, −314.7 after.
      expect(after, `bound ${before} before, ${after} after`).toBeGreaterThan(before + 5);
    });
  }, 900_000);
});
