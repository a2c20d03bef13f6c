import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { f32, i32, infer, run1 } from './ref-helpers';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const ids = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });
const table = f32([3, 2], [1, 2, 3, 4, 5, 6]);

describe('indexing shape rules', () => {
  it('infers shapes', () => {
    expect(infer('gather', [t(1000, 64), ids(32, 20)])).toEqual([t(32, 20, 64)]);
    expect(infer('gather', [t(2, 5, 3), ids(4)], { axis: 1 })).toEqual([t(2, 4, 3)]);
    expect(infer('scatter_add', [t(1000, 64), ids(32, 20), t(32, 20, 64)])).toEqual([t(1000, 64)]);
    expect(infer('take_along_axis', [t(32, 4), ids(32)], { axis: 1 })).toEqual([t(32)]);
  });
  it('names the shapes in errors', () => {
    expect(() => infer('gather', [t(10, 4), t(3)])).toThrow('gather: operand 2 is f32[3], expected dtype i32 or u32');
    expect(() => infer('gather', [t(10, 4), ids(3)], { axis: 2 })).toThrow(
      'gather: axis 2 is out of range for f32[10,4]',
    );
    expect(() => infer('scatter_add', [t(10, 4), ids(3), t(3, 5)])).toThrow(
      'scatter_add: updates f32[3,5] must be f32[3,4] for target f32[10,4] and ids i32[3]',
    );
    expect(() => infer('scatter', [t(10, 4), ids(3), t(3, 5)])).toThrow(
      'scatter: updates f32[3,5] must be f32[3,4] for target f32[10,4] and ids i32[3]',
    );
    expect(() => infer('take_along_axis', [t(32, 4), ids(4)], { axis: 1 })).toThrow(
      'take_along_axis: indices i32[4] must have the shape of f32[32,4] without axis 1',
    );
  });
});

describe('indexing reference', () => {
  it('gathers rows, zero for out-of-range ids', () => {
    expect(run1('gather', [table, i32([3], [2, 0, 7])])).toEqual([5, 6, 1, 2, 0, 0]);
    expect(run1('gather', [table, i32([2], [1, 1])], { axis: 1 })).toEqual([2, 2, 4, 4, 6, 6]);
  });
  it('scatter_add accumulates repeats and ignores out-of-range ids', () => {
    const out = run1('scatter_add', [table, i32([3], [1, 1, -1]), f32([3, 2], [10, 20, 30, 40, 50, 60])]);
    expect(out).toEqual([1, 2, 43, 64, 5, 6]);
  });
  it('scatter overwrites rows, the last of repeated ids wins, out-of-range ids write nothing', () => {
    const out = run1('scatter', [table, i32([4], [1, 9, 1, 2]), f32([4, 2], [10, 20, 30, 40, 50, 60, 70, 80])]);
    expect(out).toEqual([1, 2, 50, 60, 70, 80]);
  });
  it('take_along_axis picks one element per row', () => {
    expect(run1('take_along_axis', [table, i32([3], [1, 0, 1])], { axis: 1 })).toEqual([2, 3, 6]);
    expect(run1('take_along_axis', [table, i32([2], [2, 0])], { axis: 0 })).toEqual([5, 2]);
  });
});
