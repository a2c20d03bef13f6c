// Host-side initializers: deterministic per (seed, name), the right statistics, and
// orthogonal matrices that are orthonormal.
import { describe, expect, it } from 'vitest';
import { fans, initialize } from '../../runtime/init';
import { DlcError } from '../../runtime/errors';

const init = (name: string, args: Record<string, number> = {}) => ({ name, args });

function stats(a: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  const n = a.length;
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    sum += a[i];
    sq += a[i] * a[i];
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(sq / n - mean * mean), min, max };
}

describe('initializers', () => {
  it('fills constants', () => {
    expect(Array.from(initialize(init('zeros'), 'f32', [3], 0, 'a'))).toEqual([0, 0, 0]);
    expect(Array.from(initialize(init('ones'), 'i32', [2], 0, 'a'))).toEqual([1, 1]);
    expect(Array.from(initialize(init('constant', { value: 0.25 }), 'f32', [2], 0, 'a'))).toEqual([0.25, 0.25]);
  });

  it('is deterministic in (seed, name) and differs across either', () => {
    const a = initialize(init('normal', { mean: 0, std: 1 }), 'f32', [64], 5, 'fc1.W');
    expect(initialize(init('normal', { mean: 0, std: 1 }), 'f32', [64], 5, 'fc1.W')).toEqual(a);
    expect(initialize(init('normal', { mean: 0, std: 1 }), 'f32', [64], 6, 'fc1.W')).not.toEqual(a);
    expect(initialize(init('normal', { mean: 0, std: 1 }), 'f32', [64], 5, 'fc2.W')).not.toEqual(a);
  });

  it('draws with the asked statistics', () => {
    const n = stats(initialize(init('normal', { mean: 2, std: 0.5 }), 'f32', [100, 100], 1, 'w'));
    expect(n.mean).toBeCloseTo(2, 1);
    expect(n.std).toBeCloseTo(0.5, 1);
    const u = stats(initialize(init('uniform', { low: -3, high: -1 }), 'f32', [10000], 1, 'w'));
    expect(u.min).toBeGreaterThanOrEqual(-3);
    expect(u.max).toBeLessThan(-1);
    expect(u.mean).toBeCloseTo(-2, 1);
    const limit = Math.sqrt(6 / (300 + 100));
    const g = stats(initialize(init('glorot_uniform'), 'f32', [300, 100], 1, 'w'));
    expect(g.max).toBeLessThanOrEqual(limit);
    expect(g.min).toBeGreaterThanOrEqual(-limit);
    expect(g.std).toBeCloseTo(limit / Math.sqrt(3), 2);
    expect(stats(initialize(init('glorot_normal'), 'f32', [300, 100], 1, 'w')).std).toBeCloseTo(Math.sqrt(2 / 400), 2);
    // Convolution kernels [out, in, kh, kw]: fan-in is in * kh * kw.
    expect(fans([20, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 500 });
    expect(stats(initialize(init('he_normal'), 'f32', [20, 3, 5, 5], 1, 'w')).std).toBeCloseTo(Math.sqrt(2 / 75), 2);
  });

  for (const shape of [
    [6, 4],
    [4, 6],
    [5, 5],
  ]) {
    it(`orthogonal ${shape.join('x')} has orthonormal ${shape[0] >= shape[1] ? 'columns' : 'rows'}`, () => {
      const [r, c] = shape;
      const q = initialize(init('orthogonal', { gain: 2 }), 'f32', shape, 3, 'U');
      const vectors = r >= c ? c : r;
      const len = r >= c ? r : c;
      const at = (v: number, i: number): number => (r >= c ? q[i * c + v] : q[v * c + i]);
      for (let a = 0; a < vectors; a++) {
        for (let b = 0; b < vectors; b++) {
          let dot = 0;
          for (let i = 0; i < len; i++) dot += at(a, i) * at(b, i);
          expect(dot).toBeCloseTo(a === b ? 4 : 0, 4);
        }
      }
    });
  }

  it('names an unknown initializer', () => {
    expect(() => initialize(init('xavier'), 'f32', [2], 0, 'fc1.W')).toThrow(
      new DlcError("'fc1.W': unknown initializer 'xavier'"),
    );
  });
});
