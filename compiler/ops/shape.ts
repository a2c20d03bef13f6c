// Shape ops: reshape (flatten is a reshape), transpose, broadcast_to, concat,
// slice, pad (the gradient of slice) and one_hot. Each gradient is another shape op.
import type { TensorType } from '../ir/types';
import { numel, typeToString } from '../ir/types';
import {
  emitBroadcastKernel,
  emitConcatKernel,
  emitCopyKernel,
  emitOneHotKernel,
  emitPadKernel,
  emitSliceKernel,
  emitTransposeKernel,
} from '../codegen/kernels/shape';
import { broadcastIndexMap, makeTensor, normalizeAxis, requireDtypes, stridesOf } from './broadcast';
import type { Tensor } from './registry';
import { defineOp, ShapeError } from './registry';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';

/**
 * Calls `f(flat, index)` for every element of `shape` in row-major order, where
 * `index = base + Σ coords[k]·steps[k]`: the element's position in another buffer
 * that the ops below read from (transpose, slice) or write to (pad).
 */
function forEachAffineIndex(
  shape: readonly number[],
  base: number,
  steps: readonly number[],
  f: (flat: number, index: number) => void,
): void {
  const n = numel(shape);
  const c = new Array<number>(shape.length).fill(0);
  for (let e = 0; e < n; e++) {
    let index = base;
    for (let k = 0; k < c.length; k++) index += c[k] * steps[k];
    f(e, index);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++c[k] < shape[k]) break;
      c[k] = 0;
    }
  }
}

/**
 * The three per-axis int attributes `names` of a pad or slice on `x`, the third
 * (`[]` allowed) filled with `fill` on every axis; each must have one entry per axis.
 */
function perAxisAttrs(
  op: string,
  x: TensorType,
  attrs: Record<string, unknown>,
  names: readonly [string, string, string],
  fill: number,
): [number[], number[], number[]] {
  const rank = x.shape.length;
  const [a, b] = [attrs[names[0]] as number[], attrs[names[1]] as number[]];
  const given = attrs[names[2]] as number[];
  const c = given.length === 0 ? x.shape.map(() => fill) : given;
  if (a.length !== rank || b.length !== rank || c.length !== rank) {
    throw new ShapeError(
      `${op}: ${names[0]}, ${names[1]} and ${names[2]} need ${rank} entries for ${typeToString(x)}`,
      0,
    );
  }
  return [a, b, c];
}

// --- reshape -------------------------------------------------------------------

export function inferReshape(x: TensorType, target: readonly number[]): number[] {
  const holes = target.filter((d) => d === -1).length;
  if (holes > 1) throw new ShapeError(`reshape: at most one dimension may be -1, got [${target.join(',')}]`, 0);
  if (target.some((d) => d !== -1 && (!Number.isInteger(d) || d <= 0))) {
    throw new ShapeError(`reshape: dimensions must be positive or -1, got [${target.join(',')}]`, 0);
  }
  const known = numel(target.filter((d) => d !== -1));
  const total = numel(x.shape);
  const shape = target.map((d) => (d === -1 ? total / known : d));
  if (numel(shape) !== total || shape.some((d) => !Number.isInteger(d))) {
    throw new ShapeError(`reshape: cannot reshape ${typeToString(x)} (${total} elements) to [${target.join(',')}]`, 0);
  }
  return shape;
}

defineOp({
  name: 'reshape',
  kind: 'movement',
  doc: 'Same elements, new shape (one dimension may be -1): `%1: f32[4,6] = reshape %0 [shape=[4,-1]]`',
  arity: 1,
  attrs: { shape: { type: 'ints', doc: 'the new shape; -1 once for the inferred dimension' } },
  infer([x], attrs) {
    return [{ dtype: x.dtype, shape: inferReshape(x, attrs.shape as number[]) }];
  },
  grad: (b, node, [g]) => [
    g && node.inputs[0].type.dtype === 'f32' ? b.op('reshape', [g], { shape: node.inputs[0].type.shape }) : null,
  ],
  reference([x], attrs) {
    return [
      {
        type: { dtype: x.type.dtype, shape: inferReshape(x.type, attrs.shape as number[]) },
        data: Float64Array.from(x.data),
      },
    ];
  },
  kernel(node) {
    const out = node.outputs[0].type;
    return [emitCopyKernel(`reshape_${tag(node.inputs[0].type.shape)}_to_${tag(out.shape)}`, out.dtype, out.shape)];
  },
});

// --- transpose -----------------------------------------------------------------

function checkPerm(x: TensorType, perm: readonly number[]): void {
  const ok = perm.length === x.shape.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
  if (!ok)
    throw new ShapeError(
      `transpose: perm [${perm.join(',')}] is not a permutation of the ${x.shape.length} axes of ${typeToString(x)}`,
      0,
    );
}

defineOp({
  name: 'transpose',
  kind: 'movement',
  doc: 'Permute axes, output axis k is input axis perm[k]: `%1: f32[3,2] = transpose %0 [perm=[1,0]]`',
  arity: 1,
  attrs: { perm: { type: 'ints', doc: 'output axis k takes input axis perm[k]' } },
  infer([x], attrs) {
    const perm = attrs.perm as number[];
    checkPerm(x, perm);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  grad(b, node, [g]) {
    if (!g || node.inputs[0].type.dtype !== 'f32') return [null];
    const perm = node.attrs.perm as number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, k) => (inverse[p] = k));
    return [b.op('transpose', [g], { perm: inverse })];
  },
  reference([x], attrs) {
    const perm = attrs.perm as number[];
    checkPerm(x.type, perm);
    const outShape = perm.map((p) => x.type.shape[p]);
    const inStrides = stridesOf(x.type.shape);
    const out = makeTensor({ dtype: x.type.dtype, shape: outShape });
    forEachAffineIndex(
      outShape,
      0,
      perm.map((p) => inStrides[p]),
      (e, src) => (out.data[e] = x.data[src]),
    );
    return [out];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    return [emitTransposeKernel(x.dtype, x.shape, node.attrs.perm as number[])];
  },
});

// --- broadcast_to ---------------------------------------------------------------

function checkBroadcastTo(x: TensorType, shape: readonly number[]): void {
  // A size-1 axis stretches to any size, 0 included, so a 0 must be refused here.
  if (shape.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ShapeError(`broadcast_to: dimensions must be positive, got [${shape.join(',')}]`, 0);
  const offset = shape.length - x.shape.length;
  const ok = offset >= 0 && x.shape.every((d, k) => d === 1 || d === shape[k + offset]);
  if (!ok) throw new ShapeError(`broadcast_to: cannot broadcast ${typeToString(x)} to [${shape.join(',')}]`, 0);
}

defineOp({
  name: 'broadcast_to',
  kind: 'movement',
  doc: 'Repeat along stretched or added leading axes: `%1: f32[4,3] = broadcast_to %0 [shape=[4,3]]`',
  arity: 1,
  attrs: { shape: { type: 'ints', doc: 'the target shape' } },
  infer([x], attrs) {
    const shape = attrs.shape as number[];
    checkBroadcastTo(x, shape);
    return [{ dtype: x.dtype, shape: [...shape] }];
  },
  grad: (b, node, [g]) => [g && node.inputs[0].type.dtype === 'f32' ? b.unbroadcast(g, node.inputs[0].type) : null],
  reference([x], attrs) {
    const shape = attrs.shape as number[];
    checkBroadcastTo(x.type, shape);
    const map = broadcastIndexMap(x.type.shape, shape);
    const out = makeTensor({ dtype: x.type.dtype, shape: [...shape] });
    for (let e = 0; e < map.length; e++) out.data[e] = x.data[map[e]];
    return [out];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    return [emitBroadcastKernel(x.dtype, x.shape, node.outputs[0].type.shape)];
  },
});

// --- concat ------------------------------------------------------------------------

function inferConcat(inputs: readonly TensorType[], axisAttr: number): { axis: number; shape: number[] } {
  const first = inputs[0];
  const axis = normalizeAxis('concat', axisAttr, first.shape.length, first);
  inputs.forEach((t, k) => {
    const same =
      t.dtype === first.dtype &&
      t.shape.length === first.shape.length &&
      t.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (!same) {
      throw new ShapeError(
        `concat: operand ${k + 1} is ${typeToString(t)}, which does not match ${typeToString(first)} except along axis ${axis}`,
        k,
      );
    }
  });
  const shape = [...first.shape];
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis], 0);
  return { axis, shape };
}

defineOp({
  name: 'concat',
  kind: 'movement',
  doc: 'Join along an axis: `%2: f32[4,5] = concat %0, %1 [axis=1]`',
  arity: [1, Infinity],
  attrs: { axis: { type: 'int', doc: 'the axis to join along' } },
  infer(inputs, attrs) {
    const { shape } = inferConcat(inputs, attrs.axis as number);
    return [{ dtype: inputs[0].dtype, shape }];
  },
  grad(b, node, [g]) {
    if (!g || node.inputs[0].type.dtype !== 'f32') return node.inputs.map(() => null);
    const { axis } = inferConcat(
      node.inputs.map((v) => v.type),
      node.attrs.axis as number,
    );
    let offset = 0;
    return node.inputs.map((v) => {
      const starts = v.type.shape.map((_, k) => (k === axis ? offset : 0));
      const ends = v.type.shape.map((d, k) => (k === axis ? offset + d : g.type.shape[k]));
      offset += v.type.shape[axis];
      return b.op('slice', [g], { starts, ends, strides: v.type.shape.map(() => 1) });
    });
  },
  reference(inputs, attrs) {
    const { axis, shape } = inferConcat(
      inputs.map((t) => t.type),
      attrs.axis as number,
    );
    const out = makeTensor({ dtype: inputs[0].type.dtype, shape });
    const inner = numel(shape.slice(axis + 1));
    const outer = numel(shape.slice(0, axis));
    let offset = 0;
    for (const t of inputs) {
      const d = t.type.shape[axis];
      for (let a = 0; a < outer; a++) {
        for (let j = 0; j < d * inner; j++)
          out.data[a * shape[axis] * inner + offset * inner + j] = t.data[a * d * inner + j];
      }
      offset += d;
    }
    return [out];
  },
  kernel(node) {
    const types = node.inputs.map((v) => v.type);
    const { axis, shape } = inferConcat(types, node.attrs.axis as number);
    return [
      emitConcatKernel(
        types[0].dtype,
        types.map((t) => t.shape),
        axis,
        shape,
      ),
    ];
  },
});

// --- slice -----------------------------------------------------------------------

interface SliceSpec {
  starts: number[];
  strides: number[];
  shape: number[];
}

function inferSlice(x: TensorType, attrs: Record<string, unknown>): SliceSpec {
  const [starts, ends, strides] = perAxisAttrs('slice', x, attrs, ['starts', 'ends', 'strides'], 1);
  const shape = x.shape.map((d, k) => {
    const [s, e, st] = [starts[k], ends[k], strides[k]];
    if (st < 1 || s < 0 || e > d || s >= e) {
      throw new ShapeError(`slice: [${s}:${e}:${st}] is empty or out of range for axis ${k} of ${typeToString(x)}`, 0);
    }
    return Math.ceil((e - s) / st);
  });
  return { starts, strides, shape };
}

defineOp({
  name: 'slice',
  kind: 'movement',
  doc: 'Elements starts[k] ≤ i < ends[k] stepping strides[k] on each axis: `%1: f32[2,3] = slice %0 [ends=[4,3], starts=[2,0], strides=[1,1]]`',
  arity: 1,
  attrs: {
    starts: { type: 'ints', doc: 'first index per axis' },
    ends: { type: 'ints', doc: 'one past the last index per axis' },
    strides: { type: 'ints', default: [], doc: 'step per axis; [] means all 1' },
  },
  infer([x], attrs) {
    return [{ dtype: x.dtype, shape: inferSlice(x, attrs).shape }];
  },
  // The adjoint of a strided slice pads with zeros around and between the picked elements.
  grad(b, node, [g]) {
    const x = node.inputs[0].type;
    if (!g || x.dtype !== 'f32') return [null];
    const { starts, strides, shape } = inferSlice(x, node.attrs);
    const hi = x.shape.map((d, k) => d - (starts[k] + (shape[k] - 1) * strides[k] + 1));
    return [b.op('pad', [g], { lo: starts, hi, interior: strides.map((s) => s - 1) })];
  },
  reference([x], attrs) {
    const { starts, strides, shape } = inferSlice(x.type, attrs);
    const inStrides = stridesOf(x.type.shape);
    const out = makeTensor({ dtype: x.type.dtype, shape });
    const base = starts.reduce((sum, s, k) => sum + s * inStrides[k], 0);
    forEachAffineIndex(
      shape,
      base,
      strides.map((st, k) => st * inStrides[k]),
      (e, src) => (out.data[e] = x.data[src]),
    );
    return [out];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    const { starts, strides, shape } = inferSlice(x, node.attrs);
    return [emitSliceKernel(x.dtype, x.shape, starts, strides, shape)];
  },
});

// --- pad ---------------------------------------------------------------------------

function inferPad(
  x: TensorType,
  attrs: Record<string, unknown>,
): { lo: number[]; hi: number[]; interior: number[]; shape: number[] } {
  const [lo, hi, interior] = perAxisAttrs('pad', x, attrs, ['lo', 'hi', 'interior'], 0);
  if ([...lo, ...hi, ...interior].some((v) => v < 0))
    throw new ShapeError('pad: padding amounts must be non-negative', 0);
  const shape = x.shape.map((d, k) => lo[k] + d + (d - 1) * interior[k] + hi[k]);
  return { lo, hi, interior, shape };
}

defineOp({
  name: 'pad',
  kind: 'movement',
  doc: 'Zero padding: lo before, hi after and interior between elements per axis: `%1: f32[5] = pad %0 [hi=[1], interior=[1], lo=[1]]`',
  arity: 1,
  attrs: {
    lo: { type: 'ints', doc: 'zeros before each axis' },
    hi: { type: 'ints', doc: 'zeros after each axis' },
    interior: { type: 'ints', default: [], doc: 'zeros between neighbours per axis; [] means none' },
  },
  infer([x], attrs) {
    return [{ dtype: x.dtype, shape: inferPad(x, attrs).shape }];
  },
  grad(b, node, [g]) {
    const x = node.inputs[0].type;
    if (!g || x.dtype !== 'f32') return [null];
    const { lo, interior } = inferPad(x, node.attrs);
    const ends = x.shape.map((d, k) => lo[k] + (d - 1) * (interior[k] + 1) + 1);
    return [b.op('slice', [g], { starts: lo, ends, strides: interior.map((i) => i + 1) })];
  },
  reference([x], attrs) {
    const { lo, interior, shape } = inferPad(x.type, attrs);
    const out = makeTensor({ dtype: x.type.dtype, shape });
    const outStrides = stridesOf(shape);
    const base = lo.reduce((sum, l, k) => sum + l * outStrides[k], 0);
    forEachAffineIndex(
      x.type.shape,
      base,
      interior.map((i, k) => (i + 1) * outStrides[k]),
      (e, dst) => (out.data[dst] = x.data[e]),
    );
    return [out];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    const { lo, interior, shape } = inferPad(x, node.attrs);
    return [emitPadKernel(x.dtype, x.shape, lo, interior, shape)];
  },
});

// --- one_hot ---------------------------------------------------------------------

defineOp({
  name: 'one_hot',
  kind: 'movement',
  doc: 'f32 indicator along a new last axis (out-of-range indices give all zeros): `%1: f32[4,10] = one_hot %0 [depth=10]`',
  arity: 1,
  attrs: { depth: { type: 'int', doc: 'number of classes' } },
  infer([x], attrs) {
    requireDtypes('one_hot', [x], ['i32', 'u32']);
    const depth = attrs.depth as number;
    if (depth < 1) throw new ShapeError(`one_hot: depth must be positive, got ${depth}`, 0);
    return [{ dtype: 'f32', shape: [...x.shape, depth] }];
  },
  grad: () => [null],
  reference([x], attrs): Tensor[] {
    const depth = attrs.depth as number;
    const out = makeTensor({ dtype: 'f32', shape: [...x.type.shape, depth] });
    for (let e = 0; e < x.data.length; e++) {
      const j = x.data[e];
      if (j >= 0 && j < depth) out.data[e * depth + j] = 1;
    }
    return [out];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    return [emitOneHotKernel(x.dtype, x.shape, node.attrs.depth as number)];
  },
});
