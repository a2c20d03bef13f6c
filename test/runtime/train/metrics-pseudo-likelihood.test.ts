// The pseudo-likelihood estimator and the host free energy against brute force on
// a tiny RBM: P(v) ∝ Σ_h exp(−E(v,h)), E(v,h) = −v·a − h·b − vᵀWh, every h enumerated.
import { describe, expect, it } from 'vitest';
import { binarize, pseudoLikelihood } from '../../../runtime/train/metrics/pseudo-likelihood';
import { freeEnergy, reconstructionError, type RbmWeights } from '../../../runtime/train/metrics/rbm-host';

const NV = 5;
const NH = 3;

/** Small deterministic weights with both signs (a fixed LCG, not Math.random). */
function tinyRbm(): RbmWeights {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return {
    W: Float32Array.from({ length: NV * NH }, () => 1.5 * next()),
    a: Float32Array.from({ length: NV }, () => next()),
    b: Float32Array.from({ length: NH }, () => next()),
  };
}

/** log Σ_h exp(−E(v,h)) = −F(v), by enumerating the 2^NH hidden vectors. */
function logMarginal(w: RbmWeights, v: readonly number[]): number {
  const terms: number[] = [];
  for (let mask = 0; mask < 1 << NH; mask++) {
    let negE = 0;
    for (let i = 0; i < NV; i++) negE += v[i]! * w.a[i]!;
    for (let j = 0; j < NH; j++) {
      if (!(mask & (1 << j))) continue;
      negE += w.b[j]!;
      for (let i = 0; i < NV; i++) negE += v[i]! * w.W[i * NH + j]!;
    }
    terms.push(negE);
  }
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((acc, t) => acc + Math.exp(t - m), 0));
}

/** Σ_i log P(v_i | v_−i) from the unnormalised marginals. */
function bruteForcePl(w: RbmWeights, v: readonly number[]): number {
  let total = 0;
  const lv = logMarginal(w, v);
  for (let i = 0; i < NV; i++) {
    const f = [...v];
    f[i] = 1 - f[i]!;
    const lf = logMarginal(w, f);
    total += lv - Math.max(lv, lf) - Math.log(Math.exp(lv - Math.max(lv, lf)) + Math.exp(lf - Math.max(lv, lf)));
  }
  return total;
}

const ROWS = [
  [1, 0, 1, 1, 0],
  [0, 0, 0, 0, 0],
  [1, 1, 1, 1, 1],
  [0, 1, 0, 0, 1],
];
const X = Float32Array.from(ROWS.flat());
const EXPECTED = ROWS.reduce((acc, r) => acc + bruteForcePl(tinyRbm(), r), 0) / ROWS.length;

describe('pseudo-likelihood', () => {
  const w = tinyRbm();
  const energy = (rows: Float32Array, count: number) => freeEnergy(w, rows, count);

  it('host free energy is −log Σ_h exp(−E(v,h))', () => {
    const f = freeEnergy(w, X, ROWS.length);
    ROWS.forEach((r, k) => expect(f[k]).toBeCloseTo(-logMarginal(w, r), 5));
  });

  it('flipping every bit gives the exact pseudo-likelihood', async () => {
    expect(EXPECTED).toBeLessThan(0);
    for (const batch of [1, 3, 4, 8])
      expect(await pseudoLikelihood(energy, X, NV, { bits: 'all', batch })).toBeCloseTo(EXPECTED, 5);
  });

  it('one random bit per example is unbiased: its mean over seeds converges to the exact value', async () => {
    const seeds = 800;
    const draws: number[] = [];
    for (let seed = 0; seed < seeds; seed++)
      draws.push(await pseudoLikelihood(energy, X, NV, { bits: 'one', seed, batch: 4 }));
    const mean = draws.reduce((a, b) => a + b, 0) / seeds;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (seeds - 1));
    expect(sd).toBeGreaterThan(0); // it really is random
    expect(Math.abs(mean - EXPECTED)).toBeLessThan((4 * sd) / Math.sqrt(seeds));
    // the same seed gives the same estimate
    expect(await pseudoLikelihood(energy, X, NV, { bits: 'one', seed: 3, batch: 2 })).toBe(draws[3]);
  });

  it('rejects rows that are not binary', async () => {
    await expect(
      pseudoLikelihood(energy, Float32Array.from([0.5, 0, 0, 0, 0]), NV, { bits: 'one', batch: 1 }),
    ).rejects.toThrow(/binary/);
    expect(Array.from(binarize(Float32Array.from([0.2, 0.5, 0.9])))).toEqual([0, 1, 1]);
  });
});

describe('reconstruction error', () => {
  it('is the squared distance to the mean-field reconstruction', () => {
    const w: RbmWeights = { W: Float32Array.from([0]), a: Float32Array.from([0]), b: Float32Array.from([0]) };
    // zero weights: binary r = σ(0) = 0.5, gaussian r = a = 0
    expect(reconstructionError(w, Float32Array.from([1, 0]), 'binary')).toBeCloseTo(0.25, 10);
    expect(reconstructionError(w, Float32Array.from([2, 0]), 'gaussian')).toBeCloseTo(2, 10);
  });
});
