// Pseudo-likelihood of binary visible vectors under an energy model (Besag 1975):
//   PL(v) = Σ_i log P(v_i | v_−i),   P(v_i | v_−i) = σ(F(ṽ⁽ⁱ⁾) − F(v)),
// with F the free energy and ṽ⁽ⁱ⁾ = v with bit i flipped. The stochastic estimate
// (the deeplearning.net RBM tutorial's) flips one uniformly drawn bit per example:
//   PL(v) ≈ D · log σ(F(ṽ⁽ⁱ⁾) − F(v)),   i ~ U{0..D−1},
// unbiased for PL(v) and D times cheaper than flipping every bit. Values are in nats
// per example (higher is better; 0 is a perfect model).
//
// The free energy is a callback over a batch of rows, so the same estimator runs on
// the device (a model's infer entry returning `energy`) and on the host (tests and
// checkpoints: rbm-host.ts).
import { uniformBelow } from '../../data/prng';

/** Free energies of `rows` visible vectors of `width` values each (row-major). */
export type FreeEnergyFn = (rows: Float32Array, count: number) => Promise<ArrayLike<number>> | ArrayLike<number>;

export interface PseudoLikelihoodOptions {
  /** 'one' flips one random bit per example (the stochastic estimate); 'all' flips every bit (exact). */
  readonly bits: 'one' | 'all';
  /** Seed of the bit choice (stream PL_STREAM); a fixed seed gives the same estimate for the same weights. */
  readonly seed?: number;
  /** Rows per call of `energy` (the model's batch size on the device). */
  readonly batch: number;
}

/** The prng stream of the flipped bits (distinct from data order and initializers). */
export const PL_STREAM = 0x504c;

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
/** log σ(x), stable for large |x|. */
export const logSigmoid = (x: number): number => -softplus(-x);

/** Rows binarised at 0.5 (grey-level digits → the binary vectors PL is defined on). */
export function binarize(x: Float32Array): Float32Array {
  return x.map((v) => (v >= 0.5 ? 1 : 0));
}

/** Energies of `count` rows, `batch` at a time (the last call zero-padded to a full batch). */
export async function rowEnergies(
  energy: FreeEnergyFn,
  x: Float32Array,
  count: number,
  width: number,
  batch: number,
): Promise<Float64Array> {
  const out = new Float64Array(count);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const rows = new Float32Array(batch * width);
    rows.set(x.subarray(start * width, (start + n) * width));
    const e = await energy(rows, batch);
    for (let r = 0; r < n; r++) out[start + r] = e[r]!;
  }
  return out;
}

/** Mean pseudo-log-likelihood per example of the binary rows of x ([count, width]). */
export async function pseudoLikelihood(
  energy: FreeEnergyFn,
  x: Float32Array,
  width: number,
  options: PseudoLikelihoodOptions,
): Promise<number> {
  const count = x.length / width;
  if (!Number.isInteger(count) || count === 0)
    throw new Error(`pseudoLikelihood: ${x.length} values are not whole rows of ${width}`);
  for (const v of x)
    if (v !== 0 && v !== 1) throw new Error('pseudoLikelihood: the rows must be binary (binarize them first)');
  const base = await rowEnergies(energy, x, count, width, options.batch);
  const flipped = (bit: (row: number) => number): Float32Array => {
    const y = x.slice();
    for (let r = 0; r < count; r++) {
      const i = r * width + bit(r);
      y[i] = 1 - y[i]!;
    }
    return y;
  };
  let total = 0;
  if (options.bits === 'one') {
    let counter = 0;
    const chosen = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const u = uniformBelow(options.seed ?? 0, PL_STREAM, counter, width);
      chosen[r] = u.value;
      counter = u.next;
    }
    const e = await rowEnergies(
      energy,
      flipped((r) => chosen[r]!),
      count,
      width,
      options.batch,
    );
    for (let r = 0; r < count; r++) total += width * logSigmoid(e[r]! - base[r]!);
  } else {
    for (let i = 0; i < width; i++) {
      const e = await rowEnergies(
        energy,
        flipped(() => i),
        count,
        width,
        options.batch,
      );
      for (let r = 0; r < count; r++) total += logSigmoid(e[r]! - base[r]!);
    }
  }
  return total / count;
}
