import { describe, expect, it } from 'vitest';
import { f32, i32, infer, run, run1, tensor } from './ref-helpers';
import { getOp } from '../../../compiler/ops/registry';

describe('elementwise shape rules', () => {
  it('broadcasts numpy style', () => {
    expect(
      infer('add', [
        { dtype: 'f32', shape: [2, 3] },
        { dtype: 'f32', shape: [3] },
      ]),
    ).toEqual([{ dtype: 'f32', shape: [2, 3] }]);
    expect(
      infer('mul', [
        { dtype: 'f32', shape: [4, 1, 5] },
        { dtype: 'f32', shape: [1, 3, 1] },
      ])[0].shape,
    ).toEqual([4, 3, 5]);
    expect(
      infer('mul', [
        { dtype: 'f32', shape: [4, 1] },
        { dtype: 'f32', shape: [4, 10] },
      ])[0].shape,
    ).toEqual([4, 10]);
    expect(
      infer('add', [
        { dtype: 'f32', shape: [4, 10] },
        { dtype: 'f32', shape: [1] },
      ])[0].shape,
    ).toEqual([4, 10]);
    expect(
      infer('sub', [
        { dtype: 'i32', shape: [] },
        { dtype: 'i32', shape: [7] },
      ])[0].shape,
    ).toEqual([7]);
    expect(
      infer('where', [
        { dtype: 'bool', shape: [2, 1] },
        { dtype: 'f32', shape: [1, 3] },
        { dtype: 'f32', shape: [] },
      ]),
    ).toEqual([{ dtype: 'f32', shape: [2, 3] }]);
    expect(
      infer('lt', [
        { dtype: 'f32', shape: [2] },
        { dtype: 'f32', shape: [] },
      ])[0].dtype,
    ).toBe('bool');
  });
  it('rejects shapes that do not broadcast', () => {
    expect(() =>
      infer('add', [
        { dtype: 'f32', shape: [2, 3] },
        { dtype: 'f32', shape: [4] },
      ]),
    ).toThrow('add: shapes f32[2,3], f32[4] cannot be broadcast together (dimension 1 is 3 vs 4)');
  });
  it('refuses a size-1 axis stretched by a lower-rank operand (the [n,1] vs [n] trap)', () => {
    expect(() =>
      infer('sub', [
        { dtype: 'f32', shape: [4, 1] },
        { dtype: 'f32', shape: [4] },
      ]),
    ).toThrow(
      'sub: the size-1 axis 1 of f32[4,1] meets the 1-d operand f32[4], so broadcasting adds an axis (the result would be [4,4])',
    );
    // Either operand order, and any operand of a ternary op.
    expect(() =>
      infer('add', [
        { dtype: 'f32', shape: [3] },
        { dtype: 'f32', shape: [2, 1] },
      ]),
    ).toThrow('size-1 axis 1 of f32[2,1]');
    const where = [
      { dtype: 'bool', shape: [2, 1] },
      { dtype: 'f32', shape: [3] },
      { dtype: 'f32', shape: [] },
    ] as const;
    expect(() => infer('where', [...where])).toThrow('size-1 axis 1 of bool[2,1] meets the 1-d operand f32[3]');
  });
  it('rejects mixed and wrong dtypes', () => {
    expect(() =>
      infer('add', [
        { dtype: 'f32', shape: [2] },
        { dtype: 'i32', shape: [2] },
      ]),
    ).toThrow('add: operand dtypes differ: f32[2] and i32[2]');
    expect(() => infer('exp', [{ dtype: 'i32', shape: [2] }])).toThrow('exp: operand 1 is i32[2], expected dtype f32');
    expect(() =>
      infer('add', [
        { dtype: 'bool', shape: [2] },
        { dtype: 'bool', shape: [2] },
      ]),
    ).toThrow('expected dtype f32 or i32 or u32');
    expect(() =>
      infer('where', [
        { dtype: 'f32', shape: [2] },
        { dtype: 'f32', shape: [2] },
        { dtype: 'f32', shape: [2] },
      ]),
    ).toThrow('where: operand 1 is f32[2], expected dtype bool');
    expect(() =>
      infer('logical_and', [
        { dtype: 'f32', shape: [2] },
        { dtype: 'bool', shape: [2] },
      ]),
    ).toThrow('expected dtype bool');
    expect(() => infer('cast', [{ dtype: 'f32', shape: [2] }], { to: 'f64' })).toThrow(
      "cast: unknown target dtype 'f64'",
    );
  });
});

describe('elementwise reference', () => {
  it('adds with broadcasting', () => {
    expect(run1('add', [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [10, 20, 30])])).toEqual([11, 22, 33, 14, 25, 36]);
    expect(run1('sub', [f32([2, 1], [1, 2]), f32([1, 3], [1, 2, 3])])).toEqual([0, -1, -2, 1, 0, -1]);
  });
  it('integer arithmetic wraps and truncates like WGSL', () => {
    expect(run1('div', [i32([4], [7, -7, 5, 3]), i32([4], [2, 2, 0, -1])])).toEqual([3, -3, 5, -3]);
    expect(run1('mul', [i32([1], [65536]), i32([1], [65536])])).toEqual([0]);
    expect(run1('add', [i32([1], [2147483647]), i32([1], [1])])).toEqual([-2147483648]);
  });
  it('pow follows the sign rules', () => {
    const out = run1('pow', [f32([4], [-2, -2, 2, 0]), f32([4], [3, 0.5, 0.5, 0])]);
    expect(out[0]).toBe(-8);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(Math.SQRT2, 15);
    expect(out[3]).toBe(1);
  });
  it('activations are stable at the extremes', () => {
    expect(run1('sigmoid', [f32([3], [-1000, 0, 1000])])).toEqual([0, 0.5, 1]);
    const sp = run1('softplus', [f32([3], [-1000, 0, 1000])]);
    expect(sp).toEqual([0, Math.log(2), 1000]);
    expect(run1('softplus', [f32([1], [-30])])[0]).toBeCloseTo(Math.exp(-30), 25);
    expect(run1('relu', [f32([3], [-1, 2, NaN])])).toEqual([0, 2, NaN]);
    expect(run1('tanh', [f32([2], [-50, 0.5])])).toEqual([-1, Math.tanh(0.5)]);
  });
  it('min and max propagate NaN', () => {
    expect(run1('minimum', [f32([3], [1, NaN, 5]), f32([3], [2, 0, NaN])])).toEqual([1, NaN, NaN]);
    expect(run1('maximum', [f32([2], [1, -Infinity]), f32([2], [2, -5])])).toEqual([2, -5]);
  });
  it('casts saturate, truncate and map NaN to 0', () => {
    expect(run1('cast', [f32([5], [1.9, -1.9, 1e10, NaN, -1e10])], { to: 'i32' })).toEqual([
      1, -1, 2147483520, 0, -2147483648,
    ]);
    expect(run1('cast', [f32([3], [-3, 2.5, 0])], { to: 'u32' })).toEqual([0, 2, 0]);
    expect(run1('cast', [f32([3], [-3, 0, NaN])], { to: 'bool' })).toEqual([1, 0, 1]);
    expect(run1('cast', [i32([1], [-1])], { to: 'u32' })).toEqual([4294967295]);
    expect(run1('cast', [tensor('bool', [2], [1, 0])], { to: 'f32' })).toEqual([1, 0]);
  });
  it('compares and combines booleans', () => {
    expect(run1('lt', [f32([3], [1, 2, 3]), f32([], [2])])).toEqual([1, 0, 0]);
    expect(run1('ne', [f32([2], [NaN, 1]), f32([2], [NaN, 1])])).toEqual([1, 0]);
    expect(run1('logical_and', [tensor('bool', [4], [0, 0, 1, 1]), tensor('bool', [4], [0, 1, 0, 1])])).toEqual([
      0, 0, 0, 1,
    ]);
    expect(run1('logical_or', [tensor('bool', [4], [0, 0, 1, 1]), tensor('bool', [4], [0, 1, 0, 1])])).toEqual([
      0, 1, 1, 1,
    ]);
    expect(run1('logical_not', [tensor('bool', [2], [0, 1])])).toEqual([1, 0]);
  });
  it('where selects with broadcasting', () => {
    const [out] = run('where', [tensor('bool', [2, 1], [1, 0]), f32([1, 2], [1, 2]), f32([], [9])]);
    expect(out.type.shape).toEqual([2, 2]);
    expect([...out.data]).toEqual([1, 2, 9, 9]);
  });
  it('gives a WGSL expression for every elementwise op', () => {
    for (const name of ['add', 'exp', 'sigmoid', 'softplus', 'pow', 'cast', 'where', 'logical_not']) {
      expect(getOp(name).wgsl).toBeTypeOf('function');
    }
    expect(
      getOp('add').wgsl!(['a', 'b'], {}, [
        { dtype: 'f32', shape: [] },
        { dtype: 'f32', shape: [] },
      ]),
    ).toBe('(a + b)');
  });
});
