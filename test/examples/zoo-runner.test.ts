// The zoo runner's pieces that need no device: every example has a recipe, the
// test-set measures agree with formulas written out the long way, and the table.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoencoderError, pseudoLogLikelihood, reconstructionError, type Weights } from '../../scripts/zoo/metrics';
import { RECIPES, totalSteps } from '../../scripts/zoo/recipes';
import { formatTable } from '../../scripts/zoo/table';
import { pixelStats, standardise } from '../../scripts/zoo/data';

const nv = 5;
const nh = 3;
// Fixed pseudo-random weights and data (a small LCG, so the expectations are reproducible).
function values(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return scale * (s / 2147483648 - 0.5);
  });
}
const w: Weights = { W: values(nv * nh, 1, 2), a: values(nv, 2, 1), b: values(nh, 3, 1) };
const x = Float32Array.from(values(4 * nv, 4, 1), (v) => v + 0.5); // 4 examples in [0,1]

const sig = (t: number) => 1 / (1 + Math.exp(-t));
const hidden = (v: ArrayLike<number>) => Array.from({ length: nh }, (_, j) => w.b[j]! + Array.from({ length: nv }, (_, i) => v[i]! * w.W[i * nh + j]!).reduce((p, q) => p + q, 0));
const visible = (h: readonly number[]) => Array.from({ length: nv }, (_, i) => w.a[i]! + h.reduce((s, hj, j) => s + hj * w.W[i * nh + j]!, 0));
const rows = (data: Float32Array) => Array.from({ length: data.length / nv }, (_, r) => Array.from(data.subarray(r * nv, (r + 1) * nv)));
const freeEnergy = (v: readonly number[]) => -v.reduce((s, vi, i) => s + vi * w.a[i]!, 0) - hidden(v).reduce((s, t) => s + Math.log(1 + Math.exp(t)), 0);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('zoo recipes', () => {
  it('cover every example in examples/', () => {
    const files = readdirSync(join(__dirname, '../../examples')).filter((f) => f.endsWith('.dl')).map((f) => `examples/${f}`).sort();
    expect(RECIPES.map((r) => r.file).sort()).toEqual(files);
  });
  it('schedules end with the run', () => expect(totalSteps(RECIPES.find((r) => r.name === 'mnist_mlp')!, 50)).toBe(62 * 50));
});

describe('zoo test-set measures', () => {
  it('pseudo-likelihood: Σ_i log P(v_i | v_−i) from the free energies of the flipped vectors', () => {
    const expected = mean(
      rows(x).map((raw) => {
        const v = raw.map((p): number => (p >= 0.5 ? 1 : 0));
        return v.reduce((s, vi, i) => {
          const flipped = v.map((u, k) => (k === i ? 1 - u : u));
          // P(v_i | rest) = e^{−F(v)} / (e^{−F(v)} + e^{−F(flipped)})
          return s + Math.log(Math.exp(-freeEnergy(v)) / (Math.exp(-freeEnergy(v)) + Math.exp(-freeEnergy(flipped))));
        }, 0);
      }),
    );
    expect(pseudoLogLikelihood(w, x)).toBeCloseTo(expected, 10);
  });

  it('reconstruction error of binary and gaussian visible units', () => {
    const recon = (gaussian: boolean) =>
      mean(rows(x).map((v) => visible(hidden(v).map(sig)).reduce((s, z, i) => s + (v[i]! - (gaussian ? z : sig(z))) ** 2, 0)));
    expect(reconstructionError(w, x, false)).toBeCloseTo(recon(false), 10);
    expect(reconstructionError(w, x, true)).toBeCloseTo(recon(true), 10);
  });

  it('autoencoder reconstruction: cross-entropy and squared error of σ(σ(vW + b)Wᵀ + c)', () => {
    const r = rows(x).map((v) => visible(hidden(v).map(sig)).map(sig));
    const ce = mean(rows(x).map((v, n) => v.reduce((s, vi, i) => s - vi * Math.log(r[n]![i]!) - (1 - vi) * Math.log(1 - r[n]![i]!), 0)));
    const se = mean(rows(x).map((v, n) => v.reduce((s, vi, i) => s + (vi - r[n]![i]!) ** 2, 0)));
    const got = autoencoderError(w, x);
    expect(got.crossEntropy).toBeCloseTo(ce, 8);
    expect(got.squaredError).toBeCloseTo(se, 10);
  });

  it('standardisation gives each pixel mean 0 and deviation 1 (constant pixels divided by the floor)', () => {
    const data = Float32Array.from([0, 1, 0.5, 0, 3, 0.5, 0, 5, 0.5]); // 3 rows × 3 pixels; pixels 0 and 2 constant
    const z = standardise(data, pixelStats(data, 3));
    expect(Array.from(z.filter((_, i) => i % 3 === 1)).map((v) => +v.toFixed(5))).toEqual([-1.22474, 0, 1.22474]);
    expect(Array.from(z.filter((_, i) => i % 3 !== 1))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('zoo table', () => {
  it('one Markdown row per example with its figures and wall time', () => {
    expect(formatTable([{ name: 'rbm', figures: { 'test recon': 12.34567, 'test pseudo-LL': -123.456 }, wallSeconds: 83.4 }])).toBe(
      '| example | figures | training wall time |\n|---|---|---|\n| rbm | test recon 12.3457, test pseudo-LL -123.5 | 1m23s |\n',
    );
  });
});
