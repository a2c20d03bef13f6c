// The stochastic feed-forward net and reconstruction TICA at small sizes: every
// entry matches the reference executor on the device (the Bernoulli draws
// included), a few steps on real data bring the loss down, and each objective is
// what its paper defines, checked against a direct float64 computation from the
// weights: the deterministic SFNN's NLL is the Bernoulli cross-entropy of the
// bottom half, and TICA's penalty pools each filter's 3×3 neighbourhood on the torus.
import { describe, expect, it } from 'vitest';
import { createReferenceRunner } from '../../compiler/reference/runner';
import { cutPatches } from '../../runtime/data/patches';
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
const HALF = 392;

/** x W + b for one row (W: [n_in, n_out] row-major), in float64. */
function affine(x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const nOut = b.length;
  const nIn = W.length / nOut;
  return Array.from({ length: nOut }, (_, j) => {
    let z = b[j]!;
    for (let i = 0; i < nIn; i++) z += x[i]! * W[i * nOut + j]!;
    return z;
  });
}
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('stochastic and topographic examples on the device', () => {
  it('sfnn: step, score and complete match the reference; the loss falls', async () => {
    const program = lowerExample('sfnn', { batch: BATCH, nd: 8, ns: 8, m: 3, m_test: 4, lr: 0.01 });
    const { x } = mnistBatch(BATCH);
    await withGpuRunner(program, async (runner) => {
      // `complete` takes its own 10 digits, which BATCH = 10 makes the same batch.
      expect(await expectEntriesMatchReference(program, runner, { x, given: x })).toEqual([
        'step',
        'score',
        'complete',
      ]);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { x }, 'nll', 12), 0.9);
    });
  });

  it('sfnn with stochastic = 0: the NLL is the Bernoulli cross-entropy of the bottom half', async () => {
    const program = lowerExample('sfnn', { batch: BATCH, nd: 8, ns: 8, m: 1, m_test: 1, stochastic: 0 });
    const { x } = mnistBatch(BATCH);
    const ref = createReferenceRunner(program, SEED);
    const w = (await ref.save()) as Record<string, Float32Array>;
    const nll = (await ref.run('score', { x }, ['nll'])).nll as Float32Array;
    for (let n = 0; n < BATCH; n++) {
      const pixel = (i: number): number => (x[n * 784 + i]! > 0.5 ? 1 : 0);
      const top = Array.from({ length: HALF }, (_, i) => pixel(i));
      const h1 = affine(top, w['l1.W']!, w['l1.b']!).map(sigmoid);
      const h2 = affine(h1, w['l2.W']!, w['l2.b']!).map(sigmoid);
      const p = affine(h2, w['out.W']!, w['out.b']!).map(sigmoid);
      let bce = 0;
      for (let i = 0; i < HALF; i++) bce -= pixel(HALF + i) ? Math.log(p[i]!) : Math.log(1 - p[i]!);
      expect(nll[n]!).toBeCloseTo(bce, 3);
    }
  });

  it('tica: step and score match the reference; the loss falls; the penalty pools 3×3 torus cells', async () => {
    const g = 4;
    const program = lowerExample('tica', { batch: BATCH, g, lr: 0.01 });
    const x = cutPatches(mnistBatch(20).x, 0).slice(0, BATCH * 64);
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { x })).toEqual(['step', 'score']);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { x }, 'loss', 12), 0.9);
    });
    const ref = createReferenceRunner(program, SEED);
    const W = ((await ref.save()) as Record<string, Float32Array>).W!;
    const sparsity = (await ref.run('score', { x }, ['sparsity'])).sparsity as Float32Array;
    const n = g * g;
    for (const e of [0, 7]) {
      const h = affine(x.subarray(e * 64, (e + 1) * 64), W, new Float64Array(n));
      let pooled = 0;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let dr = -1; dr <= 1; dr++)
          for (let dc = -1; dc <= 1; dc++) {
            const r = (Math.floor(j / g) + dr + g) % g;
            const c = ((j % g) + dc + g) % g;
            s += h[r * g + c]! ** 2;
          }
        pooled += Math.sqrt(0.01 + s);
      }
      expect(sparsity[e]!).toBeCloseTo(pooled, 3);
    }
  });
});
