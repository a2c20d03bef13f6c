// Elementwise kernels generated from the ops' wgsl expressions: broadcasting index
// math (stretched, added and scalar axes), bool results stored as u32, casts, and
// the generated source's shape constants; run on the device against the reference.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { TensorType, Value } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import { broadcastIndex, emitElementwiseKernel } from '../../../compiler/codegen/elementwise';
import { DEFAULT_LIMITS, generatePlan } from '../../../compiler/codegen/generate-plan';
import { execute, tensor } from '../../../compiler/reference/execute';
import { Model } from '../../../runtime/model';

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
  const program = {
    model: 'ew',
    hyper: {},
    persistent: [],
    scalars: [],
    entries: [{ name: 'f', kind: 'infer' as const, graph }],
  };
  const model = await Model.create(generatePlan(program, { family: 'register', limits: DEFAULT_LIMITS }));
  const feeds = Object.fromEntries(types.map((t, k) => [`x${k}`, data(t, k)]));
  const got = (await model.run('f', feeds)).out;
  const want = execute(graph, Object.fromEntries(types.map((t, k) => [`x${k}`, tensor(t, feeds[`x${k}`])])), {
    precision: 'f32',
  }).results.out;
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

  it('stretched axes on both sides: [3,1] + [1,4]', () =>
    check([f32(3, 1), f32(1, 4)], (b, [a, c]) => b.op('add', [a, c])));
  it('added leading axes and odd sizes: [7] * [2,5,7] - scalar', () =>
    check([f32(7), f32(2, 5, 7), f32()], (b, [a, c, s]) => b.op('sub', [b.op('mul', [a, c]), s])));
  it('a size-1 middle axis: [4,1,5] / [4,3,5]', () =>
    check([f32(4, 1, 5), f32(4, 3, 5)], (b, [a, c]) => b.op('div', [a, c])));
  it('comparison to bool (stored as u32), where over a bool input', () =>
    check([f32(3, 4), f32(4), { dtype: 'bool', shape: [3, 4] }], (b, [a, c, m]) =>
      b.op('where', [b.op('logical_and', [b.op('gt', [a, c]), m]), a, c]),
    ));
  it('casts between f32, i32 and bool', () =>
    check([f32(9), { dtype: 'i32', shape: [9] }], (b, [a, n]) =>
      b.op('add', [
        b.op('cast', [b.op('cast', [a], { to: 'i32' })], { to: 'f32' }),
        b.op('cast', [b.op('cast', [n], { to: 'bool' })], { to: 'f32' }),
      ]),
    ));
  it('more elements than one dispatch row holds (2-D grid)', () =>
    check([f32(2, 1100, 999)], (b, [a]) => b.op('relu', [a])));
});

// Outputs whose last axis is a multiple of 4 take the vec4 form (elementwise-vec4.ts).
describe('elementwise kernels, vec4 form', () => {
  const i32 = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });
  const bool = (...shape: number[]): TensorType => ({ dtype: 'bool', shape });
  it('is chosen by the shape of the output', () => {
    const b = new GraphBuilder('f');
    const x = b.arg('input', 'x', f32(6, 8));
    const y = b.arg('input', 'y', f32(8));
    const wide = b.op('add', [x, y]).def!;
    const spec = emitElementwiseKernel([wide], [x, y], wide.outputs);
    expect(spec.wgsl).toContain('array<vec4<f32>>');
    expect(spec.workgroups).toEqual([1, 1, 1]);
    const odd = b.arg('input', 'w', f32(8, 3));
    const narrow = b.op('neg', [odd]).def!;
    expect(emitElementwiseKernel([narrow], [odd], narrow.outputs).wgsl).not.toContain('vec4');
  });
  it('same shape, a bias row and a column: [6,8] + [8] - [6,1]', () =>
    check([f32(6, 8), f32(8), f32(6, 1)], (b, [a, c, d]) => b.op('sub', [b.op('add', [a, c]), d])));
  it('a scalar operand and added leading axes: [3,5,12] * [] + [5,12]', () =>
    check([f32(3, 5, 12), f32(), f32(5, 12)], (b, [a, s, c]) => b.op('add', [b.op('mul', [a, s]), c])));
  it('bool in and out, where: [4,4]', () =>
    check([f32(4, 4), f32(4), bool(4, 4)], (b, [a, c, m]) =>
      b.op('where', [b.op('logical_or', [b.op('lt', [a, c]), m]), a, c]),
    ));
  it('integers and casts: [2,8] i32 + [2,1] i32 → f32', () =>
    check([i32(2, 8), i32(2, 1)], (b, [a, c]) => b.op('cast', [b.op('add', [a, c])], { to: 'f32' })));
  it('a bool stored through a cast: [16] gt → bool', () => check([f32(16), f32()], (b, [a, s]) => b.op('gt', [a, s])));
  it('more quads than one dispatch row holds (2-D grid)', () =>
    check([f32(3, 1400, 2000)], (b, [a]) => b.op('relu', [a])));
});
