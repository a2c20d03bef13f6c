import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { boxMuller, philoxWords, uniform01 } from '../../../runtime/philox';
import { f32, infer, run1 } from './ref-helpers';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const ctx = { seed: 42, step: 7 };

describe('random op rules', () => {
  it('infers shapes', () => {
    expect(infer('uniform', [], { shape: [3, 4], stream: 0 })).toEqual([t(3, 4)]);
    expect(infer('categorical', [t(32, 100)], { stream: 0 })).toEqual([{ dtype: 'i32', shape: [32] }]);
    expect(infer('dropout', [t(8, 8)], { p: 0.5, stream: 0 })).toEqual([t(8, 8)]);
    expect(infer('categorical', [t(100)], { stream: 0, samples: [4, 5] })).toEqual([{ dtype: 'i32', shape: [4, 5] }]);
  });
  it('rejects bad probabilities and shapes', () => {
    expect(() => infer('dropout', [t(8)], { p: 1, stream: 0 })).toThrow('dropout: probability 1 must be in [0, 1)');
    expect(() => infer('salt_and_pepper', [t(8)], { p: -0.1, stream: 0 })).toThrow(
      'salt_and_pepper: probability -0.1 must be in [0, 1)',
    );
    expect(() => infer('normal', [], { shape: [0], stream: 0 })).toThrow('normal: invalid shape [0]');
    expect(() => infer('categorical', [t()], { stream: 0 })).toThrow(
      'categorical: probabilities f32[] need a class axis',
    );
    expect(() => infer('categorical', [t(2, 3)], { stream: 0, samples: [4] })).toThrow(
      'categorical: with a shape, p is one table of probabilities, not f32[2,3]',
    );
    expect(() => infer('bernoulli', [{ dtype: 'i32', shape: [2] }], { stream: 0 })).toThrow(
      'bernoulli: operand 1 is i32[2], expected dtype f32',
    );
  });
});

describe('random op reference', () => {
  it('draws element e from philoxWords(seed, stream, step, e)', () => {
    const u = run1('uniform', [], { shape: [5], low: -1, high: 3, stream: 4 }, ctx);
    expect(u).toEqual([0, 1, 2, 3, 4].map((e) => -1 + 4 * uniform01(philoxWords(42, 4, 7, e)[0])));
    const z = run1('normal', [], { shape: [3], mean: 1, std: 2, stream: 5 }, ctx);
    expect(z).toEqual(
      [0, 1, 2].map((e) => {
        const w = philoxWords(42, 5, 7, e);
        return 1 + 2 * boxMuller(w[0], w[1]);
      }),
    );
  });
  it('streams and steps give different draws; the same key gives the same', () => {
    const a = run1('uniform', [], { shape: [8], stream: 1 }, ctx);
    expect(run1('uniform', [], { shape: [8], stream: 1 }, ctx)).toEqual(a);
    expect(run1('uniform', [], { shape: [8], stream: 2 }, ctx)).not.toEqual(a);
    expect(run1('uniform', [], { shape: [8], stream: 1 }, { seed: 42, step: 8 })).not.toEqual(a);
  });
  it('dropout zeroes with probability p and scales the rest by 1/(1-p)', () => {
    const n = 4000;
    const out = run1('dropout', [f32([n], new Array(n).fill(2))], { p: 0.25, stream: 3 }, ctx);
    const kept = out.filter((v) => v !== 0);
    kept.forEach((v) => expect(v).toBeCloseTo(2 / 0.75, 14));
    expect(kept.length / n).toBeGreaterThan(0.72);
    expect(kept.length / n).toBeLessThan(0.78);
  });
  it('bernoulli, salt_and_pepper and categorical follow their probabilities', () => {
    const n = 4000;
    const b = run1('bernoulli', [f32([n], new Array(n).fill(0.3))], { stream: 1 }, ctx);
    expect(b.every((v) => v === 0 || v === 1)).toBe(true);
    expect(b.reduce((s, v) => s + v, 0) / n).toBeCloseTo(0.3, 1);
    const sp = run1('salt_and_pepper', [f32([n], new Array(n).fill(0.5))], { p: 0.2, stream: 2 }, ctx);
    expect(sp.filter((v) => v !== 0.5).length / n).toBeCloseTo(0.2, 1);
    const rows = 3000;
    const c = run1(
      'categorical',
      [
        f32(
          [rows, 3],
          Array.from({ length: rows * 3 }, (_, e) => [1, 0, 3][e % 3]),
        ),
      ],
      { stream: 9 },
      ctx,
    );
    expect(c.includes(1)).toBe(false);
    expect(c.filter((v) => v === 2).length / rows).toBeCloseTo(0.75, 1);
    // With samples, every element is drawn from the one table.
    const s = run1('categorical', [f32([3], [1, 0, 3])], { stream: 9, samples: [60, 50] }, ctx);
    expect(s.length).toBe(rows);
    expect(s.includes(1)).toBe(false);
    expect(s.filter((v) => v === 2).length / rows).toBeCloseTo(0.75, 1);
  });
});
