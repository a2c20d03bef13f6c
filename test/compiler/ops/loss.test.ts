import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { f32, i32, infer, run1 } from './ref-helpers';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const labels = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });

describe('loss shape rules', () => {
  it('row losses drop the class axis; elementwise losses broadcast', () => {
    expect(infer('cross_entropy', [t(128, 10), labels(128)])).toEqual([t(128)]);
    expect(infer('cross_entropy', [t(4, 7, 10), labels(4, 7)])).toEqual([t(4, 7)]);
    expect(infer('ranking_hinge', [t(4, 10), labels(4)])).toEqual([t(4)]);
    expect(infer('binary_cross_entropy', [t(4, 784), t(4, 784)])).toEqual([t(4, 784)]);
    expect(infer('squared_error', [t(4, 3), t(3)])).toEqual([t(4, 3)]);
    expect(infer('huber', [t(32)])).toEqual([t(32)]);
  });
  it('names the shapes in errors', () => {
    expect(() => infer('cross_entropy', [t(128, 10), labels(64)])).toThrow(
      'cross_entropy: labels i32[64] must have the shape of scores f32[128,10] without its last axis',
    );
    expect(() => infer('cross_entropy', [t(4, 10), t(4)])).toThrow(
      'cross_entropy: operand 2 is f32[4], expected dtype i32 or u32',
    );
    expect(() => infer('ranking_hinge', [labels(4, 10), labels(4)])).toThrow(
      'ranking_hinge: operand 1 is i32[4,10], expected dtype f32',
    );
    expect(() => infer('squared_error', [t(4, 3), t(4)])).toThrow(
      'squared_error: shapes f32[4,3], f32[4] cannot be broadcast together',
    );
    expect(() => infer('hinge', [t(4), labels(4)])).toThrow('hinge: operand 2 is i32[4], expected dtype f32');
  });
});

describe('loss reference', () => {
  it('cross_entropy is logsumexp minus the labelled logit, NaN for a bad label', () => {
    const [a, b, c] = run1('cross_entropy', [f32([3, 3], [1, 2, 3, 0, 0, 0, 1000, 0, 0]), i32([3], [2, 1, 3])]);
    expect(a).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 14);
    expect(b).toBeCloseTo(Math.log(3), 14);
    expect(c).toBeNaN();
    expect(run1('cross_entropy', [f32([1, 2], [1000, 0]), i32([1], [1])])[0]).toBeCloseTo(1000, 10);
  });
  it('binary_cross_entropy takes logits and is stable', () => {
    const [a, b, c] = run1('binary_cross_entropy', [f32([3], [0, 100, -100]), f32([3], [1, 1, 1])]);
    expect(a).toBeCloseTo(Math.log(2), 15);
    expect(b).toBeCloseTo(Math.exp(-100), 50);
    expect(c).toBeCloseTo(100, 12);
  });
  it('squared_error, huber and hinge', () => {
    expect(run1('squared_error', [f32([2], [3, -1]), f32([2], [1, 1])])).toEqual([4, 4]);
    expect(run1('huber', [f32([4], [0.5, -0.5, 3, -3])], { delta: 1 })).toEqual([0.125, 0.125, 2.5, 2.5]);
    expect(run1('hinge', [f32([3], [2, 0.5, -1]), f32([3], [1, 1, 1])])).toEqual([0, 0.5, 2]);
  });
  it('ranking_hinge sums the margin violations of the other classes', () => {
    // label 0 scores 1; others 0.95 (violates margin 0.1 by 0.05) and 0 (no violation).
    const [v] = run1('ranking_hinge', [f32([1, 3], [1, 0.95, 0]), i32([1], [0])], { margin: 0.1 });
    expect(v).toBeCloseTo(0.05, 15);
  });
});
