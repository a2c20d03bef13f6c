// The sparse and contractive autoencoders at small sizes: every entry matches the
// reference executor on the device, a few steps on real digits bring the loss down,
// and each penalty is what its paper defines, checked against a direct float64
// computation from the weights (the CAE's against a finite-difference Jacobian).
import { describe, expect, it } from 'vitest';
import { createReferenceRunner } from '../../compiler/reference/runner';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  SEED,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

const BATCH = 10;
const NH = 16;
const NV = 784;

/** h = sigmoid(x W + b) in float64 for one example x (W: [NV, NH] row-major). */
function encode(x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const h: number[] = [];
  for (let j = 0; j < NH; j++) {
    let z = b[j]!;
    for (let i = 0; i < NV; i++) z += x[i]! * W[i * NH + j]!;
    h.push(1 / (1 + Math.exp(-z)));
  }
  return h;
}

describe('autoencoder examples on the device', () => {
  it('sparse_ae: step and score match the reference; the loss falls; the KL penalty is KL(rho || mean h) summed', async () => {
    const program = lowerExample('sparse_ae', { batch: BATCH, nh: NH });
    const { x } = mnistBatch(BATCH);
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { x })).toEqual(['step', 'score']);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { x }, 'loss', 30), 0.7);
    });
    const ref = createReferenceRunner(program, SEED);
    const w = await ref.save();
    const sparsity = (await ref.run('step', { x }, ['sparsity'])).sparsity as number;
    const hs = Array.from({ length: BATCH }, (_, n) =>
      encode(x.subarray(n * NV, (n + 1) * NV), w.W1 as Float32Array, w.b1 as Float32Array),
    );
    const rho = 0.05;
    let kl = 0;
    for (let j = 0; j < NH; j++) {
      const q = hs.reduce((s, h) => s + h[j]!, 0) / BATCH;
      kl += rho * Math.log(rho / q) + (1 - rho) * Math.log((1 - rho) / (1 - q));
    }
    expect(sparsity).toBeCloseTo(kl, 4);
  });

  it('cae: step and score match the reference; the loss falls; the penalty is ||dh/dx||_F^2 by finite differences', async () => {
    const program = lowerExample('cae', { batch: BATCH, nh: NH });
    const { x } = mnistBatch(BATCH);
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { x })).toEqual(['step', 'score']);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { x }, 'loss', 30), 0.8);
    });
    const ref = createReferenceRunner(program, SEED);
    const w = await ref.save();
    const jacobian = (await ref.run('score', { x }, ['jacobian'])).jacobian as Float32Array;
    const W = w.W as Float32Array;
    const b = w.b as Float32Array;
    const eps = 1e-4;
    for (const n of [0, 3]) {
      const v = Float64Array.from(x.subarray(n * NV, (n + 1) * NV));
      let frob = 0;
      for (let i = 0; i < NV; i++) {
        const saved = v[i]!;
        v[i] = saved + eps;
        const up = encode(v, W, b);
        v[i] = saved - eps;
        const down = encode(v, W, b);
        v[i] = saved;
        for (let j = 0; j < NH; j++) frob += ((up[j]! - down[j]!) / (2 * eps)) ** 2;
      }
      expect(jacobian[n]!).toBeCloseTo(frob, 4);
    }
  });
});
