import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { f32, i32, infer, run1 } from './ref-helpers';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const x23 = f32([2, 3], [1, 5, 3, -4, 2, 2]);

describe('reduction shape rules', () => {
  it('drops or keeps the reduced axes', () => {
    expect(infer('sum', [t(2, 3, 4)], { axes: [1] })).toEqual([t(2, 4)]);
    expect(infer('mean', [t(2, 3, 4)], { axes: [0, -1], keepdims: true })).toEqual([t(1, 3, 1)]);
    expect(infer('max', [t(5)], { axes: [0] })).toEqual([t()]);
    expect(infer('argmax', [t(4, 10)], { axis: 1 })).toEqual([{ dtype: 'i32', shape: [4] }]);
    expect(infer('sum', [{ dtype: 'i32', shape: [3] }], { axes: [0] })).toEqual([{ dtype: 'i32', shape: [] }]);
    expect(infer('softmax', [t(4, 10)])).toEqual([t(4, 10)]);
  });
  it('rejects bad axes and dtypes', () => {
    expect(() => infer('sum', [t(2, 3)], { axes: [2] })).toThrow('sum: axis 2 is out of range for f32[2,3]');
    expect(() => infer('sum', [t(2, 3)], { axes: [1, -1] })).toThrow('sum: axes [1,-1] repeat an axis');
    expect(() => infer('mean', [{ dtype: 'i32', shape: [3] }], { axes: [0] })).toThrow(
      'mean: operand 1 is i32[3], expected dtype f32',
    );
    expect(() => infer('argmax', [t(3)], { axis: -2 })).toThrow('argmax: axis -2 is out of range for f32[3]');
    expect(() => infer('softmax', [t()], { axis: -1 })).toThrow('softmax: axis -1 is out of range for f32[]');
    expect(() => infer('logsumexp', [{ dtype: 'bool', shape: [3] }], { axes: [0] })).toThrow('expected dtype f32');
  });
});

describe('reduction reference', () => {
  it('sums, averages and finds extrema', () => {
    expect(run1('sum', [x23], { axes: [1] })).toEqual([9, 0]);
    expect(run1('sum', [x23], { axes: [0, 1] })).toEqual([9]);
    expect(run1('mean', [x23], { axes: [0] })).toEqual([-1.5, 3.5, 2.5]);
    expect(run1('max', [x23], { axes: [1] })).toEqual([5, 2]);
    expect(run1('min', [x23], { axes: [0] })).toEqual([-4, 2, 2]);
    expect(run1('max', [f32([3], [1, NaN, 2])], { axes: [0] })).toEqual([NaN]);
  });
  it('argmax takes the first maximum and treats NaN as largest', () => {
    expect(run1('argmax', [x23], { axis: 1 })).toEqual([1, 1]);
    expect(run1('argmax', [x23], { axis: 0 })).toEqual([0, 0, 0]);
    expect(run1('argmax', [f32([4], [1, NaN, 7, NaN])], { axis: 0 })).toEqual([1]);
  });
  it('logsumexp is stable', () => {
    const [a, b] = run1('logsumexp', [f32([2, 2], [1000, 1000, -Infinity, -Infinity])], { axes: [1] });
    expect(a).toBeCloseTo(1000 + Math.log(2), 12);
    expect(b).toBe(-Infinity);
  });
  it('softmax and log_softmax agree and survive large logits', () => {
    const p = run1('softmax', [f32([1, 3], [1000, 1001, 1002])], { axis: 1 });
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0] + e[1] + e[2];
    p.forEach((v, k) => expect(v).toBeCloseTo(e[k] / s, 15));
    const lp = run1('log_softmax', [f32([1, 3], [1000, 1001, 1002])], { axis: 1 });
    lp.forEach((v, k) => expect(v).toBeCloseTo(Math.log(e[k] / s), 12));
    const lo = 1 / (1 + Math.E);
    run1('softmax', [f32([2, 2], [0, 0, 1, 1])], { axis: 0 }).forEach((v, k) =>
      expect(v).toBeCloseTo([lo, lo, 1 - lo, 1 - lo][k], 15),
    );
  });
  it('integer sums wrap', () => {
    expect(run1('sum', [i32([2], [2147483647, 1])], { axes: [0] })).toEqual([-2147483648]);
  });
});
