// Elementwise kernels generated from the ops' wgsl expressions: broadcasting index
// math (stretched, added and scalar axes), bool results stored as u32, casts, and
// the generated source's shape constants; run on the device against the reference.
import { describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import '../../compiler/ops/control';
import { GraphBuilder } from '../../compiler/ir/builder';
import type { TensorType, Value } from '../../compiler/ir/types';
import { numel } from '../../compiler/ir/types';
import { broadcastIndex } from '../../compiler/codegen/elementwise';
import { DEFAULT_LIMITS, generatePlan } from '../../compiler/codegen/plan';
import { execute, tensor } from '../../compiler/reference/execute';
import { Model } from '../../runtime/model';

function data(t: TensorType, salt: number): Float32Array | Int32Array | Uint8Array {
  const n = numel(t.shape);
  const f = (i: number): number => Math.sin(i * 2.3 + salt) * 3;
  if (t.dtype === 'f32') return Float32Array.from({ length: n }, (_, i) => f(i));
  if (t.dtype === 'bool') return Uint8Array.from({ length: n }, (_, i) => (f(i) > 0 ? 1 : 0));
  return Int32Array.from({ length: n }, (_, i) => Math.round(f(i)));
}

/** Builds `out = body(inputs)` over inputs of the given types, runs it on the device and on the reference. */
async function check(types: readonly TensorType[], body: (b: GraphBuilder, xs: Value[]) => Value): Promise<void> {
  const b = new GraphBuilder('f');
  const xs = types.map((t, k) => b.arg('input', `x${k}`, t));
  const graph = b.finish({ out: body(b, xs) });
  const program = { model: 'ew', hyper: {}, persistent: [], scalars: [], entries: [{ name: 'f', kind: 'infer' as const, graph }] };
  const model = await Model.create(generatePlan(program, { family: 'register', limits: DEFAULT_LIMITS }));
  const feeds = Object.fromEntries(types.map((t, k) => [`x${k}`, data(t, k)]));
  const got = (await model.run('f', feeds)).out;
  const want = execute(graph, Object.fromEntries(types.map((t, k) => [`x${k}`, tensor(t, feeds[`x${k}`])])), { precision: 'f32' }).results.out;
  const values = typeof got === 'number' ? [got] : Array.from(got);
  expect(values.length).toBe(want.data.length);
  const bad = values.findIndex((v, i) => !(Math.abs(v - want.data[i]) <= 1e-5 * (1 + Math.abs(want.data[i]))));
  if (bad >= 0) throw new Error(`element ${bad}: got ${values[bad]}, expected ${want.data[bad]}`);
  model.destroy();
}

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

describe('elementwise kernels', () => {
  it('broadcast index expressions', () => {
    expect(broadcastIndex([2, 3], [2, 3])).toBe('i');
    expect(broadcastIndex([], [2, 3])).toBe('0u');
    expect(broadcastIndex([1, 1], [2, 3])).toBe('0u');
    expect(broadcastIndex([3], [2, 3])).toBe('(i % 3u)');
    expect(broadcastIndex([2, 1], [2, 3])).toBe('(i / 3u)');
    expect(broadcastIndex([4, 1, 5], [4, 3, 5])).toBe('(i / 15u) * 5u + (i % 5u)');
  });

  it('stretched axes on both sides: [3,1] + [1,4]', () => check([f32(3, 1), f32(1, 4)], (b, [a, c]) => b.op('add', [a, c])));
  it('added leading axes and odd sizes: [7] * [2,5,7] - scalar', () =>
    check([f32(7), f32(2, 5, 7), f32()], (b, [a, c, s]) => b.op('sub', [b.op('mul', [a, c]), s])));
  it('a size-1 middle axis: [4,1,5] / [4,3,5]', () => check([f32(4, 1, 5), f32(4, 3, 5)], (b, [a, c]) => b.op('div', [a, c])));
  it('comparison to bool (stored as u32), where over a bool input', () =>
    check([f32(3, 4), f32(4), { dtype: 'bool', shape: [3, 4] }], (b, [a, c, m]) =>
      b.op('where', [b.op('logical_and', [b.op('gt', [a, c]), m]), a, c]),
    ));
  it('casts between f32, i32 and bool', () =>
    check([f32(9), { dtype: 'i32', shape: [9] }], (b, [a, n]) => b.op('add', [b.op('cast', [b.op('cast', [a], { to: 'i32' })], { to: 'f32' }), b.op('cast', [b.op('cast', [n], { to: 'bool' })], { to: 'f32' })])));
  it('more elements than one dispatch row holds (2-D grid)', () => check([f32(2, 1100, 1000)], (b, [a]) => b.op('relu', [a])));
});
