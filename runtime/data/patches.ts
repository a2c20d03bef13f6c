// `mnist-patches`: whitened 8×8 patches cut from MNIST digits, the small
// natural-image-like data of examples/tica.dl (Le et al. 2011 learn on whitened
// image patches; nothing is downloaded, so the patches come from the digits).
//
// 1. From each digit, PER_DIGIT patches at seeded positions (prng stream
//    PATCH_STREAM), each kept only if its pixels vary (deviation ≥ MIN_DEVIATION:
//    a patch of background teaches nothing); a digit gives up after MAX_TRIES draws.
// 2. Each patch loses its own mean (its brightness), as in Le et al.
// 3. ZCA whitening with the train split's covariance C = U Λ Uᵀ:
//    x ← U (Λ + ε)^(-1/2) Uᵀ x, ε = EPSILON_SHARE × mean eigenvalue, which keeps
//    the nearly empty directions from being blown up into noise. The test split is
//    whitened with the train split's matrix.
import { makeDataset, type Dataset, type Split } from './dataset';
import { uniformBelow } from './prng';
import { hostTensor } from './tensor';

export const PATCH = 8;
const SIDE = 28;
const PER_DIGIT = 5;
const MAX_TRIES = 20;
const MIN_DEVIATION = 0.15;
const EPSILON_SHARE = 0.1;
const PATCH_STREAM = 0x9a7c;
const D = PATCH * PATCH;

/** Mean-removed patches of the [N, 784] digits, in digit order. */
export function cutPatches(digits: Float32Array, seed: number): Float32Array {
  const n = digits.length / (SIDE * SIDE);
  const out: number[] = [];
  let counter = 0;
  const draw = (k: number): number => {
    const d = uniformBelow(seed, PATCH_STREAM, counter, k);
    counter = d.next;
    return d.value;
  };
  for (let i = 0; i < n; i++) {
    let kept = 0;
    for (let t = 0; t < MAX_TRIES && kept < PER_DIGIT; t++) {
      const r = draw(SIDE - PATCH + 1);
      const c = draw(SIDE - PATCH + 1);
      const p = new Float64Array(D);
      for (let y = 0; y < PATCH; y++)
        for (let x = 0; x < PATCH; x++) p[y * PATCH + x] = digits[i * SIDE * SIDE + (r + y) * SIDE + c + x]!;
      const mean = p.reduce((a, b) => a + b, 0) / D;
      const variance = p.reduce((a, b) => a + (b - mean) ** 2, 0) / D;
      if (Math.sqrt(variance) < MIN_DEVIATION) continue;
      for (const v of p) out.push(v - mean);
      kept++;
    }
  }
  return Float32Array.from(out);
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major d×d) of a symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        // The rotation by θ that zeroes m[p][q]: tan 2θ = 2 m_pq / (m_qq − m_pp).
        const theta = (m[q * d + q]! - m[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p]!;
          const mkq = m[k * d + q]!;
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k]!;
          const mqk = m[q * d + k]!;
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i]!;
  return { values, vectors: v };
}

/** The ZCA whitening matrix (symmetric, d×d) of the rows of `x` (already centred per row). */
export function zcaMatrix(x: Float32Array, d: number): Float64Array {
  const n = x.length / d;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i]! += x[r * d + i]! / n;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++) {
      const xi = x[r * d + i]! - mean[i]!;
      for (let j = 0; j < d; j++) cov[i * d + j]! += (xi * (x[r * d + j]! - mean[j]!)) / n;
    }
  const { values, vectors } = symmetricEigen(cov, d);
  const eps = (EPSILON_SHARE * values.reduce((a, b) => a + Math.max(b, 0), 0)) / d;
  const w = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const scale = 1 / Math.sqrt(Math.max(values[k]!, 0) + eps);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) w[i * d + j]! += vectors[i * d + k]! * scale * vectors[j * d + k]!;
  }
  return w;
}

function whiten(x: Float32Array, w: Float64Array, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / d; r++)
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[i * d + j]! * x[r * d + j]!;
      out[r * d + i] = s;
    }
  return out;
}

/** The `mnist-patches` dataset (field x: f32[N, 64]) from the MNIST dataset's digits. */
export function patchDataset(mnist: Dataset, name: string, seed = 0): Dataset {
  const train = cutPatches(mnist.train.x!.data as Float32Array, seed);
  const test = cutPatches(mnist.test.x!.data as Float32Array, seed + 1);
  const w = zcaMatrix(train, D);
  const split = (x: Float32Array): Split => ({ x: hostTensor('f32', [x.length / D, D], whiten(x, w, D)) });
  return makeDataset(name, split(train), split(test), {
    source: `${PER_DIGIT} ${PATCH}×${PATCH} patches per MNIST digit, mean removed, ZCA-whitened`,
  });
}
