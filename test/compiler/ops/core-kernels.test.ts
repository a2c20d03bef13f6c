// Every core op's WGSL on the real device against its float64 reference: the
// cases of op-cases/core.ts, larger odd-sized shapes for the row kernels, edge
// values (NaN, ±inf) for the elementwise expressions, and Philox bits.
import { describe, expect, it } from 'vitest';
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import type { Attrs, DType, Node, TensorType, Value } from '../../../compiler/ir/types';
import { numel, typeToString } from '../../../compiler/ir/types';
import { emitElementwiseKernel } from '../../../compiler/codegen/elementwise';
import { PHILOX_WGSL } from '../../../compiler/codegen/wgsl/philox';
import '../../../compiler/ops/index';
import type { Tensor } from '../../../compiler/ops/registry';
import type { KernelSpec } from '../../../compiler/codegen/kernel-spec';
import { getOp } from '../../../compiler/ops/registry';
import { philox4x32_10, uniform01 } from '../../../runtime/philox';
import { runKernel, runKernels } from '../../helpers/kernel';
import type { OpCase } from '../../helpers/op-case';
import { cases } from '../op-cases/core';
import { caseInputs } from './case-data';

type Family = 'register' | 'shared';

const SEED = 12345;
const STEP = 3;

function nodeOf(op: string, inputs: readonly TensorType[], attrs: Attrs = {}): Node {
  const def = getOp(op);
  const full = normalizeAttrs(def, attrs);
  const outs = def.infer(inputs, full);
  const value = (type: TensorType, id: number): Value => ({ id, type, def: null });
  return {
    id: 0,
    op,
    inputs: inputs.map((t, i) => value(t, i)),
    outputs: outs.map((t, i) => value(t, 100 + i)),
    attrs: full,
  };
}

/** The op's dispatches, in order (scatter has two: copy, then write). */
function kernelsOf(node: Node, family: Family = 'register'): KernelSpec[] {
  const def = getOp(node.op);
  if (def.kind === 'elementwise') return [emitElementwiseKernel([node], node.inputs, node.outputs)];
  return def.kernel!(node, { limits: {}, family });
}

function kernelOf(node: Node, family: Family = 'register'): KernelSpec {
  const specs = kernelsOf(node, family);
  expect(specs).toHaveLength(1);
  return specs[0];
}

/** Rounds inputs to what the device stores, so both sides see the same numbers. */
function asStored(t: Tensor): Tensor {
  return t.type.dtype === 'f32' ? { type: t.type, data: Float64Array.from(t.data, Math.fround) } : t;
}

/** The device result against the reference rounded to f32 (so overflow to ±inf agrees). */
function close(got: number, reference: number, dtype: DType, tol: number): boolean {
  const want = dtype === 'f32' ? Math.fround(reference) : reference;
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  if (dtype !== 'f32') return got === want;
  return Math.abs(got - want) <= tol * (1 + Math.abs(want));
}

async function expectMatches(
  op: string,
  inputs: Tensor[],
  attrs: Attrs = {},
  tol = 2e-5,
  family: Family = 'register',
): Promise<void> {
  const node = nodeOf(
    op,
    inputs.map((t) => t.type),
    attrs,
  );
  const stored = inputs.map(asStored);
  const want = getOp(op).reference(stored, node.attrs, { seed: SEED, step: STEP });
  const specs = kernelsOf(node, family);
  const spec = specs[0];
  const got = await runKernels(
    specs,
    stored,
    want.map((t) => t.type),
    { guard: true, scalars: spec.usesScalars ? Uint32Array.from([SEED, STEP]) : undefined },
  );
  want.forEach((w, k) => {
    const bad: string[] = [];
    w.data.forEach((v, e) => {
      if (!close(got[k][e], v, w.type.dtype, tol)) bad.push(`[${e}] got ${got[k][e]} want ${v}`);
    });
    expect(bad.slice(0, 40), `${spec.name}: ${bad.length} mismatches`).toEqual([]);
  });
}

const title = (c: OpCase): string =>
  `${c.op}(${c.inputs.map(typeToString).join(', ')})${c.label ? ` — ${c.label}` : ''}`;

// A literal has no kernel: its data is uploaded into a constant buffer (test/compiler/lower/literal.test.ts).
const kernelCases = cases.filter((c) => !getOp(c.op).constData);

describe('core kernels match the reference on the device', () => {
  for (const c of kernelCases) {
    it(title(c), async () => {
      await expectMatches(c.op, caseInputs(c, 21), c.attrs);
    });
  }
});

const f32 = (shape: number[], f: (e: number) => number): Tensor => ({
  type: { dtype: 'f32', shape },
  data: Float64Array.from({ length: numel(shape) }, (_, e) => f(e)),
});
const ints = (shape: number[], f: (e: number) => number): Tensor => ({
  type: { dtype: 'i32', shape },
  data: Float64Array.from({ length: numel(shape) }, (_, e) => f(e)),
});
const wave = (e: number): number => Math.sin(e * 1.37) * 3 + Math.cos(e * 0.11);

for (const family of ['shared', 'register'] as const) {
  describe(`row kernels on odd sizes (${family} family)`, () => {
    const check = (op: string, inputs: Tensor[], attrs: Attrs = {}, tol = 2e-5): Promise<void> =>
      expectMatches(op, inputs, attrs, tol, family);
    const shapes: [number[], number[]][] = [
      [[3, 131], [1]],
      [[130, 7], [0]],
      [[5, 67, 3], [1]],
      [
        [2, 3, 65],
        [0, 2],
      ],
      [[1], [0]],
      [[200, 9], [1]],
      [[3, 300], [0]],
    ];
    for (const [shape, axes] of shapes) {
      for (const op of ['sum', 'mean', 'max', 'min', 'logsumexp']) {
        it(`${op} of f32[${shape}] over [${axes}]`, async () => {
          await check(op, [f32(shape, wave)], { axes, keepdims: false });
        });
      }
      it(`argmax, softmax, log_softmax of f32[${shape}] along ${axes[0]}`, async () => {
        await check('argmax', [f32(shape, wave)], { axis: axes[0] });
        await check('softmax', [f32(shape, wave)], { axis: axes[0] });
        await check('log_softmax', [f32(shape, wave)], { axis: axes[0] });
      });
    }
    it('more rows than one dispatch dimension holds', async () => {
      await check('sum', [f32([40000, 3], wave)], { axes: [1] });
      await check('softmax', [f32([33000, 2], wave)], { axis: 1 });
    });
    it('the register family walks many rows serially, the shared family with a workgroup tree', () => {
      const node = nodeOf('sum', [{ dtype: 'f32', shape: [200, 9] }], { axes: [1] });
      expect(kernelOf(node, 'register').wgsl).toContain('let lid = 0u;');
      expect(kernelOf(node, 'shared').wgsl).toContain('workgroupBarrier()');
      expect(kernelOf(nodeOf('sum', [{ dtype: 'f32', shape: [3, 9] }], { axes: [1] }), 'register').wgsl).toContain(
        'workgroupBarrier()',
      );
    });
    it('every core op has a kernel or a WGSL expression', () => {
      for (const c of kernelCases) expect(Boolean(getOp(c.op).kernel || getOp(c.op).wgsl), c.op).toBe(true);
    });
    it('integer sums and maxima are exact', async () => {
      await check('sum', [ints([7, 129], (e) => (e * 7919) % 1000)], { axes: [1] });
      await check('max', [ints([129, 3], (e) => ((e * 7919) % 1000) - 500)], { axes: [0] });
    });
    it('cross_entropy and ranking_hinge over many classes, with large logits and a bad label', async () => {
      const logits = f32([5, 1000], (e) => wave(e) * (e < 1000 ? 30 : 1));
      const labels = ints([5], (r) => (r === 4 ? 1000 : (r * 377) % 1000));
      await check('cross_entropy', [logits, labels]);
      await check('ranking_hinge', [f32([5, 77], wave), ints([5], (r) => (r === 3 ? -1 : r * 11))], { margin: 0.2 });
    });
    it('reductions and softmax propagate NaN and handle ±inf', async () => {
      const edge = [1, NaN, 2, -Infinity, -Infinity, -Infinity, Infinity, 0, 1, 3, 4, 5];
      const x = f32([4, 3], (e) => edge[e]);
      for (const op of ['sum', 'max', 'min', 'logsumexp']) await check(op, [x], { axes: [1] });
      await check('argmax', [x], { axis: 1 });
      await check('softmax', [f32([2, 3], (e) => [1000, 0, -1000, -Infinity, 0, 1][e])], { axis: 1 });
    });
  });
}

describe('movement and indexing kernels on odd sizes', () => {
  it('transpose, slice, pad, concat, broadcast_to', async () => {
    const x = f32([3, 5, 7], wave);
    await expectMatches('transpose', [x], { perm: [1, 2, 0] });
    await expectMatches('slice', [x], { starts: [1, 0, 2], ends: [3, 5, 7], strides: [1, 2, 3] });
    await expectMatches('pad', [x], { lo: [0, 2, 1], hi: [1, 0, 3], interior: [2, 0, 1] });
    await expectMatches('concat', [x, f32([3, 1, 7], wave), f32([3, 4, 7], wave)], { axis: 1 });
    await expectMatches('broadcast_to', [f32([5, 1], wave)], { shape: [3, 5, 9] });
  });
  it('transpose of the last two axes by 4×4 blocks (sides of a multiple of 4)', async () => {
    await expectMatches('transpose', [f32([12, 20], wave)], { perm: [1, 0] });
    await expectMatches('transpose', [f32([3, 8, 4], wave)], { perm: [0, 2, 1] });
    await expectMatches('transpose', [ints([4, 8], (e) => e * 3 - 7)], { perm: [1, 0] });
    // A block whose sides are not both multiples of 4 keeps the flat form.
    await expectMatches('transpose', [f32([8, 6], wave)], { perm: [1, 0] });
  });
  it('broadcast_to in the vec4 form (rows of a multiple of 4)', async () => {
    await expectMatches('broadcast_to', [f32([5, 1], wave)], { shape: [3, 5, 8] });
    await expectMatches('broadcast_to', [f32([12], wave)], { shape: [2, 3, 12] });
    await expectMatches('broadcast_to', [f32([1], wave)], { shape: [4] });
    await expectMatches('broadcast_to', [ints([2, 1, 4], (e) => e - 3)], { shape: [2, 3, 4] });
  });
  it('gather, scatter_add, scatter and take_along_axis with repeated and out-of-range ids', async () => {
    const table = f32([11, 9], wave);
    const ids = ints([4, 5], (e) => [3, 3, 10, 0, 11, -1, 7][e % 7]);
    await expectMatches('gather', [table, ids], { axis: 0 });
    await expectMatches('scatter_add', [table, ids, f32([4, 5, 9], wave)], { axis: 0 });
    await expectMatches('scatter', [table, ids, f32([4, 5, 9], wave)], { axis: 0 });
    await expectMatches('scatter', [ints([11, 3], (e) => e), ids, ints([4, 5, 3], (e) => -e)], { axis: 0 });
    await expectMatches('take_along_axis', [f32([13, 6], wave), ints([13], (e) => (e * 5) % 7)], { axis: 1 });
    await expectMatches('one_hot', [ints([9], (e) => (e % 5) - 1)], { depth: 4 });
  });
});

describe('elementwise expressions at edge values', () => {
  const edges = [0, -0, 1, -1, 0.5, -2.5, 30, -30, 100, -100, 1e30, -1e30, Infinity, -Infinity, NaN];
  const x = f32([edges.length], (e) => edges[e]);
  const unaryOps = [
    'neg',
    'exp',
    'log',
    'sqrt',
    'abs',
    'sign',
    'square',
    'reciprocal',
    'sigmoid',
    'tanh',
    'relu',
    'softplus',
    'softsign',
  ];
  for (const op of unaryOps) {
    it(op, async () => {
      await expectMatches(op, [x]);
    });
  }
  it('binary ops over every pair of edge values', async () => {
    const n = edges.length;
    const a = f32([n, n], (e) => edges[Math.floor(e / n)]);
    const b = f32([n, n], (e) => edges[e % n]);
    for (const op of ['add', 'sub', 'mul', 'div', 'minimum', 'maximum', 'pow', 'lt', 'eq', 'ne', 'ge'])
      await expectMatches(op, [a, b]);
    await expectMatches('binary_cross_entropy', [a, f32([n, n], (e) => (e % 3) / 2)]);
    for (const op of ['squared_error', 'hinge']) await expectMatches(op, [a, b]);
    await expectMatches('huber', [a], { delta: 0.7 });
  });
  it('casts saturate like WGSL', async () => {
    for (const to of ['i32', 'u32', 'bool']) await expectMatches('cast', [x], { to });
    await expectMatches('cast', [ints([5], (e) => [-1, 0, 7, -2147483648, 2147483647][e])], { to: 'u32' });
  });
  it('integer division and negation follow WGSL', async () => {
    const a = ints([6], (e) => [7, -7, 5, -2147483648, 3, 0][e]);
    const b = ints([6], (e) => [2, 2, 0, -1, -1, 0][e]);
    await expectMatches('div', [a, b]);
    await expectMatches('relu', [a]);
    await expectMatches('abs', [b]);
    for (const op of ['sign', 'neg', 'square']) await expectMatches(op, [a]);
    for (const op of ['minimum', 'maximum', 'sub', 'mul', 'lt']) await expectMatches(op, [a, b]);
    const u = (vals: number[]): Tensor => ({
      type: { dtype: 'u32', shape: [vals.length] },
      data: Float64Array.from(vals),
    });
    await expectMatches('sub', [u([1, 5, 0]), u([2, 3, 0])]);
    await expectMatches('div', [u([7, 4294967295, 3]), u([2, 16, 0])]);
    await expectMatches('cast', [u([4294967295, 7])], { to: 'f32' });
    await expectMatches('cast', [u([4294967295, 7])], { to: 'i32' });
  });
  it('constants, including infinities', async () => {
    await expectMatches('constant', [], { value: -2.5, dtype: 'f32', shape: [3] });
    await expectMatches('constant', [], { value: 7, dtype: 'i32', shape: [2, 2] });
  });
});

describe('Philox on the device', () => {
  it('produces the reference bits for many counters and keys', async () => {
    const n = 257;
    const words = (e: number): number[] => [
      e * 0x9e3779b9,
      e ^ 0xdeadbeef,
      e * 31,
      ~e,
      (e * 7) ^ 0x12345678,
      e * 0x85ebca6b,
    ];
    const input = Uint32Array.from({ length: n * 6 }, (_, k) => words(Math.floor(k / 6))[k % 6] >>> 0);
    const spec: KernelSpec = {
      name: 'philox_bits',
      workgroups: [Math.ceil(n / 64), 1, 1],
      wgsl: `@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
${PHILOX_WGSL}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= ${n}u) { return; }
  let r = philox4x32_10(vec4<u32>(x[6u * i], x[6u * i + 1u], x[6u * i + 2u], x[6u * i + 3u]), vec2<u32>(x[6u * i + 4u], x[6u * i + 5u]));
  y[4u * i] = r.x; y[4u * i + 1u] = r.y; y[4u * i + 2u] = r.z; y[4u * i + 3u] = r.w;
}`,
    };
    const [got] = await runKernel(
      spec,
      [{ type: { dtype: 'u32', shape: [n * 6] }, data: input }],
      [{ dtype: 'u32', shape: [n * 4] }],
    );
    const want: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = Array.from(input.subarray(6 * i, 6 * i + 6));
      want.push(...philox4x32_10([w[0], w[1], w[2], w[3]], [w[4], w[5]]));
    }
    expect([...got]).toEqual(want);
  });
  it('random ops draw the reference numbers exactly', async () => {
    const shape = [7, 33];
    const p = f32(shape, (e) => ((e * 37) % 100) / 100);
    const node = nodeOf('uniform', [], { shape, stream: 9 });
    const want = getOp('uniform').reference([], node.attrs, { seed: SEED, step: STEP })[0];
    const [got] = await runKernel(kernelOf(node), [], [node.outputs[0].type], {
      scalars: Uint32Array.from([SEED, STEP]),
    });
    expect([...got]).toEqual([...want.data]);
    expect([...want.data].every((u) => u === uniform01(Math.round(u * 2 ** 24) * 256))).toBe(true);
    await expectMatches('bernoulli', [p], { stream: 2 }, 0);
    await expectMatches('categorical', [f32([40, 13], (e) => ((e * 53) % 17) / 17)], { stream: 4 }, 0);
    await expectMatches('dropout', [f32(shape, wave)], { p: 0.4, stream: 5 });
    await expectMatches('salt_and_pepper', [f32(shape, wave)], { p: 0.4, stream: 6 }, 0);
    await expectMatches('normal', [], { shape, mean: 1, std: 2, stream: 7 }, 1e-4);
    await expectMatches('gaussian_noise', [f32(shape, wave)], { std: 0.5, stream: 8 }, 1e-4);
  });
  it('the iteration input keys Philox counter word 2, bit for bit', async () => {
    const shape = [5, 19];
    const node = nodeOf('uniform', [{ dtype: 'u32', shape: [] }], { shape, stream: 9 });
    const plain = getOp('uniform').reference([], node.attrs, { seed: SEED, step: STEP })[0];
    for (const [dtype, value] of [
      ['u32', 0x9e3779b9],
      ['i32', -7],
      ['i32', 0],
    ] as const) {
      const it: Tensor = { type: { dtype, shape: [] }, data: Float64Array.from([value]) };
      const typed = nodeOf('uniform', [it.type], { shape, stream: 9 });
      const want = getOp('uniform').reference([it], typed.attrs, { seed: SEED, step: STEP })[0];
      const [got] = await runKernel(kernelOf(typed), [it], [typed.outputs[0].type], {
        scalars: Uint32Array.from([SEED, STEP]),
      });
      expect([...got], `${dtype} ${value}`).toEqual([...want.data]);
      if (value === 0) expect([...got]).toEqual([...plain.data]);
      else expect([...got]).not.toEqual([...plain.data]);
    }
    const it = (n: number): Tensor => ({ type: { dtype: 'i32', shape: [] }, data: Float64Array.from([n]) });
    await expectMatches('categorical', [f32([40, 13], (e) => ((e * 53) % 17) / 17), it(3)], { stream: 4 }, 0);
    await expectMatches('dropout', [f32(shape, wave), it(11)], { p: 0.4, stream: 5 });
    await expectMatches('salt_and_pepper', [f32(shape, wave), it(12)], { p: 0.4, stream: 6 }, 0);
  });
});
