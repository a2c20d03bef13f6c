// `--data mnist-patches` (runtime/data/patches.ts): the Jacobi eigensolver against a
// matrix with known eigenpairs, the cut patches' count and zero means, and the
// whitened train split's covariance, which ZCA with a ridge ε makes U Λ/(Λ+ε) Uᵀ:
// every eigenvalue below 1, the large ones close to it.
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../runtime/data/dataset';
import { loadMnist } from '../../runtime/data/mnist-node';
import { hostTensor } from '../../runtime/data/tensor';
import { cutPatches, patchDataset, PATCH, symmetricEigen } from '../../runtime/data/patches';

const D = PATCH * PATCH;

function covariance(x: ArrayLike<number>, d: number): Float64Array {
  const n = x.length / d;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i]! += x[r * d + i]! / n;
  const c = new Float64Array(d * d);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) c[i * d + j]! += ((x[r * d + i]! - mean[i]!) * (x[r * d + j]! - mean[j]!)) / n;
  return c;
}

describe('mnist-patches', () => {
  it('symmetricEigen: A v = λ v for each pair of a 3×3 matrix, eigenvalues 1, 2, 4', () => {
    // A = Q diag(1, 2, 4) Qᵀ with Q a rotation about the z axis by 30°.
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const a = Float64Array.from([
      c * c + 2 * s * s,
      c * s - 2 * s * c,
      0,
      c * s - 2 * s * c,
      s * s + 2 * c * c,
      0,
      0,
      0,
      4,
    ]);
    const { values, vectors } = symmetricEigen(a, 3);
    expect(Array.from(values).sort((x, y) => x - y)).toEqual([expect.closeTo(1, 10), expect.closeTo(2, 10), 4]);
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * 3 + k]!, 10);
      }
  });

  it('cuts up to 5 varied zero-mean patches a digit; whitening leaves every eigenvalue in (0, 1)', () => {
    const mnist = loadMnist();
    const digits = (mnist.train.x!.data as Float32Array).subarray(0, 200 * 784);
    const patches = cutPatches(digits, 0);
    const n = patches.length / D;
    expect(n).toBeGreaterThan(3 * 200);
    expect(n).toBeLessThanOrEqual(5 * 200);
    for (let r = 0; r < n; r += 37) {
      let sum = 0;
      for (let i = 0; i < D; i++) sum += patches[r * D + i]!;
      expect(Math.abs(sum / D)).toBeLessThan(1e-6);
    }
    // The first 1,000 train and 200 test digits, to keep the test short.
    const few = (x: Float32Array, n: number) => ({ x: hostTensor('f32', [n, 784], x.slice(0, n * 784)) });
    const small = makeDataset(
      'few',
      few(mnist.train.x!.data as Float32Array, 1000),
      few(mnist.test.x!.data as Float32Array, 200),
    );
    const data = patchDataset(small, 'mnist-patches');
    expect(data.train.x!.shape[1]).toBe(D);
    expect(data.test.x!.shape[1]).toBe(D);
    const { values } = symmetricEigen(covariance(data.train.x!.data, D), D);
    const sorted = Array.from(values).sort((x, y) => y - x);
    // Centred patches have one null direction (the mean); the rest sit below 1, the top near it.
    expect(sorted[0]!).toBeLessThan(1);
    expect(sorted[0]!).toBeGreaterThan(0.9);
    expect(sorted[D - 2]!).toBeGreaterThan(0);
    expect(Math.abs(sorted[D - 1]!)).toBeLessThan(1e-6);
  });
});
