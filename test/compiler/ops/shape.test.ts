import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { f32, i32, infer, run1 } from './ref-helpers';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const x23 = f32([2, 3], [1, 2, 3, 4, 5, 6]);

describe('shape op rules', () => {
  it('infers shapes', () => {
    expect(infer('reshape', [t(2, 3, 4)], { shape: [6, -1] })).toEqual([t(6, 4)]);
    expect(infer('transpose', [t(2, 3, 4)], { perm: [2, 0, 1] })).toEqual([t(4, 2, 3)]);
    expect(infer('broadcast_to', [t(3, 1)], { shape: [2, 3, 5] })).toEqual([t(2, 3, 5)]);
    expect(infer('concat', [t(2, 3), t(2, 5)], { axis: -1 })).toEqual([t(2, 8)]);
    expect(infer('slice', [t(5, 4)], { starts: [1, 0], ends: [5, 3], strides: [2, 1] })).toEqual([t(2, 3)]);
    expect(infer('pad', [t(2, 3)], { lo: [1, 0], hi: [0, 2], interior: [1, 0] })).toEqual([t(4, 5)]);
    expect(infer('one_hot', [{ dtype: 'i32', shape: [4] }], { depth: 3 })).toEqual([t(4, 3)]);
  });
  it('names the shapes in every error', () => {
    expect(() => infer('reshape', [t(2, 3)], { shape: [4, -1] })).toThrow(
      'reshape: cannot reshape f32[2,3] (6 elements) to [4,-1]',
    );
    expect(() => infer('reshape', [t(2, 3)], { shape: [-1, -1] })).toThrow('reshape: at most one dimension may be -1');
    expect(() => infer('reshape', [t(2, 3)], { shape: [0, 6] })).toThrow('reshape: dimensions must be positive or -1');
    expect(() => infer('broadcast_to', [t(2, 1)], { shape: [2, 0] })).toThrow(
      'broadcast_to: dimensions must be positive, got [2,0]',
    );
    expect(() => infer('transpose', [t(2, 3)], { perm: [0, 0] })).toThrow(
      'transpose: perm [0,0] is not a permutation of the 2 axes of f32[2,3]',
    );
    expect(() => infer('broadcast_to', [t(2, 3)], { shape: [3, 3] })).toThrow(
      'broadcast_to: cannot broadcast f32[2,3] to [3,3]',
    );
    expect(() => infer('concat', [t(2, 3), t(3, 3)], { axis: 1 })).toThrow(
      'concat: operand 2 is f32[3,3], which does not match f32[2,3] except along axis 1',
    );
    expect(() => infer('concat', [t(2, 3), { dtype: 'i32', shape: [2, 3] }], { axis: 0 })).toThrow(
      'operand 2 is i32[2,3]',
    );
    expect(() => infer('slice', [t(5)], { starts: [3], ends: [2] })).toThrow(
      'slice: [3:2:1] is empty or out of range for axis 0 of f32[5]',
    );
    expect(() => infer('slice', [t(5, 2)], { starts: [0], ends: [2] })).toThrow(
      'slice: starts, ends and strides need 2 entries for f32[5,2]',
    );
    expect(() => infer('pad', [t(2)], { lo: [-1], hi: [0] })).toThrow('pad: padding amounts must be non-negative');
    expect(() => infer('one_hot', [t(4)], { depth: 3 })).toThrow(
      'one_hot: operand 1 is f32[4], expected dtype i32 or u32',
    );
    expect(() => infer('one_hot', [{ dtype: 'i32', shape: [4] }], { depth: 0 })).toThrow(
      'one_hot: depth must be positive, got 0',
    );
  });
});

describe('shape op reference', () => {
  it('moves elements', () => {
    expect(run1('reshape', [x23], { shape: [3, 2] })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run1('transpose', [x23], { perm: [1, 0] })).toEqual([1, 4, 2, 5, 3, 6]);
    expect(run1('broadcast_to', [f32([2, 1], [7, 8])], { shape: [2, 3] })).toEqual([7, 7, 7, 8, 8, 8]);
    expect(run1('concat', [x23, f32([2, 1], [9, 10])], { axis: 1 })).toEqual([1, 2, 3, 9, 4, 5, 6, 10]);
    expect(run1('concat', [x23, f32([1, 3], [7, 8, 9])], { axis: 0 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(run1('slice', [x23], { starts: [0, 0], ends: [2, 3], strides: [1, 2] })).toEqual([1, 3, 4, 6]);
    expect(run1('pad', [f32([2], [1, 2])], { lo: [1], hi: [2], interior: [1] })).toEqual([0, 1, 0, 2, 0, 0]);
    expect(run1('one_hot', [i32([3], [2, 0, 5])], { depth: 3 })).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0]);
  });
});
