// Per-pixel standardisation: the `mnist-standardized` dataset and standardize.ts.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../runtime/data/load-node';
import {
  columnStats,
  MIN_DEVIATION,
  standardizedStats,
  standardizeDataset,
  unstandardize,
} from '../../runtime/data/standardize';
import { makeDataset } from '../../runtime/data/dataset';
import { hostTensor } from '../../runtime/data/tensor';

/** Per-column mean and (population) deviation of an [n, d] array. */
function moments(x: Float32Array, d: number): { mean: number[]; sd: number[] } {
  const n = x.length / d;
  const mean = Array.from({ length: d }, (_, c) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += x[r * d + c]!;
    return s / n;
  });
  const sd = mean.map((m, c) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += (x[r * d + c]! - m) ** 2;
    return Math.sqrt(s / n);
  });
  return { mean, sd };
}

describe('standardizeDataset', () => {
  const train = hostTensor('f32', [4, 3], Float32Array.from([0, 1, 5, 0, 3, 5, 0, 5, 5, 0.1, 7, 5]));
  const test = hostTensor('f32', [1, 3], Float32Array.from([0, 4, 6]));
  const y = hostTensor('i32', [4], Int32Array.from([0, 1, 2, 3]));
  const ds = standardizeDataset(
    makeDataset('toy', { x: train, y }, { x: test, y: hostTensor('i32', [1], Int32Array.from([1])) }),
    'toy-std',
  );

  it('gives train columns mean 0 and deviation 1, flooring near-constant columns', () => {
    const { mean, sd } = moments(ds.train.x!.data as Float32Array, 3);
    mean.forEach((m) => expect(m).toBeCloseTo(0, 6));
    expect(sd[1]).toBeCloseTo(1, 6);
    // column 0 deviates by 0.043 < MIN_DEVIATION: divided by the floor, so its deviation is 0.43, not 1
    expect(sd[0]).toBeCloseTo(0.0433 / MIN_DEVIATION, 3);
    expect(sd[2]).toBe(0); // constant column stays constant (at 0)
    expect(Array.from(ds.train.y!.data)).toEqual([0, 1, 2, 3]); // other fields untouched
  });

  it('moves the test split by the train statistics and maps back exactly', () => {
    const stats = standardizedStats(ds)!;
    expect(stats).toBeDefined();
    const t = ds.test.x!.data;
    expect(t[1]).toBeCloseTo((4 - 4) / Math.sqrt(5), 6);
    expect(t[2]).toBeCloseTo((6 - 5) / MIN_DEVIATION, 5);
    Array.from(unstandardize(t, stats)).forEach((v, i) => expect(v).toBeCloseTo(test.data[i]!, 5));
  });

  it('rejects a missing field', () => {
    expect(() => standardizeDataset(ds, 'bad', 'pixels')).toThrow(/no field 'pixels'/);
  });
});

describe('mnist-standardized', () => {
  it('is MNIST with each pixel at mean 0, deviation 1 over the train split (border pixels near 0)', () => {
    const mnist = loadDataset('mnist');
    const ds = loadDataset('mnist-standardized');
    expect(ds.name).toBe('mnist-standardized');
    expect(ds.train.x!.shape).toEqual([8000, 784]);
    expect(ds.test.x!.shape).toEqual([2000, 784]);
    expect(Array.from(ds.test.y!.data)).toEqual(Array.from(mnist.test.y!.data));
    const { mean, sd } = moments(ds.train.x!.data as Float32Array, 784);
    const raw = columnStats(mnist.train.x!, 'x', 0);
    let full = 0;
    for (let p = 0; p < 784; p++) {
      expect(Math.abs(mean[p]!)).toBeLessThan(1e-4);
      if (raw.scale[p]! >= MIN_DEVIATION) {
        expect(sd[p]).toBeCloseTo(1, 4);
        full++;
      } else expect(sd[p]).toBeLessThan(1);
    }
    expect(full).toBeGreaterThan(400); // most pixels of a digit vary
    // the test split is standardised with the train statistics: close to, not exactly, mean 0
    const testMoments = moments(ds.test.x!.data as Float32Array, 784);
    const centre = 14 * 28 + 14;
    expect(Math.abs(testMoments.mean[centre]!)).toBeLessThan(0.2);
    expect(Math.abs(testMoments.sd[centre]! - 1)).toBeLessThan(0.2);
  });
});
