// Reductions over axes: sum mean max min logsumexp (attrs axes, keepdims) and
// argmax (attr axis). Each reduces its axes in one row kernel (workgroup tree).
import type { Attrs, DType, TensorType, Value } from '../ir/types';
import { numel, typeToString } from '../ir/types';
import { emitReduceKernel, type ReduceCombine } from '../codegen/kernels/reduce';
import { makeTensor, requireDtypes } from './broadcast';
import type { GradBuilder } from './registry';
import { defineOp, ShapeError } from './registry';

/** Normalized, sorted, distinct axes; throws a ShapeError naming the shape. */
export function normalizeAxes(op: string, axes: readonly number[], type: TensorType): number[] {
  const rank = type.shape.length;
  const out = axes.map((a) => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw new ShapeError(`${op}: axis ${a} is out of range for ${typeToString(type)}`, 0);
    return n;
  });
  const sorted = [...new Set(out)].sort((a, b) => a - b);
  if (sorted.length !== out.length) throw new ShapeError(`${op}: axes [${axes.join(',')}] repeat an axis`, 0);
  return sorted;
}

/** The shape after reducing `axes` (kept as 1 with keepdims). */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, k) => {
    if (!axes.includes(k)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** For each input element, the flat index of the output element it reduces into. */
export function reduceIndexMap(shape: readonly number[], axes: readonly number[]): Int32Array {
  const n = numel(shape);
  const map = new Int32Array(n);
  const outShape = reducedShape(shape, axes, true);
  const idx = new Array<number>(shape.length).fill(0);
  for (let e = 0; e < n; e++) {
    let flat = 0;
    for (let k = 0; k < shape.length; k++) flat = flat * outShape[k] + (axes.includes(k) ? 0 : idx[k]);
    map[e] = flat;
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return map;
}

/** Broadcasts a reduced gradient (or value) back over the input's shape: reshape to keepdims, then broadcast_to. */
export function expandReduced(b: GradBuilder, v: Value, inType: TensorType, axes: readonly number[]): Value {
  const keep = reducedShape(inType.shape, axes, true);
  const shaped = b.op('reshape', [v], { shape: keep });
  return b.op('broadcast_to', [shaped], { shape: inType.shape });
}

const axesAttr = { axes: { type: 'ints' as const, doc: 'axes to reduce (negative counts from the end)' } };
const keepAttr = { keepdims: { type: 'bool' as const, default: false, doc: 'keep reduced axes as size 1' } };

interface ReduceSpec {
  name: ReduceCombine;
  doc: string;
  dtypes: readonly DType[];
  /** Output dtype from the input dtype. */
  out(dtype: DType): DType;
  init: number;
  step(acc: number, x: number): number;
  finish?(acc: number, count: number): number;
  grad?(b: GradBuilder, g: Value, x: Value, out: Value, axes: number[]): Value;
}

function defineReduce(spec: ReduceSpec): void {
  const axesOf = (inputs: readonly TensorType[], attrs: Attrs): number[] => {
    requireDtypes(spec.name, inputs, spec.dtypes);
    return normalizeAxes(spec.name, attrs.axes as number[], inputs[0]);
  };
  defineOp({
    name: spec.name,
    kind: 'reduction',
    doc: spec.doc,
    arity: 1,
    attrs: { ...axesAttr, ...keepAttr },
    infer(inputs, attrs) {
      const axes = axesOf(inputs, attrs);
      return [
        { dtype: spec.out(inputs[0].dtype), shape: reducedShape(inputs[0].shape, axes, attrs.keepdims === true) },
      ];
    },
    grad: spec.grad
      ? (b, node, [g]) => {
          if (!g || node.inputs[0].type.dtype !== 'f32') return [null];
          const x = node.inputs[0];
          const axes = normalizeAxes(spec.name, node.attrs.axes as number[], x.type);
          return [spec.grad!(b, g, x, node.outputs[0], axes)];
        }
      : undefined,
    reference([x], attrs) {
      const axes = axesOf([x.type], attrs);
      const type = { dtype: spec.out(x.type.dtype), shape: reducedShape(x.type.shape, axes, attrs.keepdims === true) };
      const out = makeTensor(type);
      out.data.fill(spec.init);
      const map = reduceIndexMap(x.type.shape, axes);
      for (let e = 0; e < x.data.length; e++) out.data[map[e]] = spec.step(out.data[map[e]], x.data[e]);
      const count = numel(axes.map((a) => x.type.shape[a]));
      if (spec.finish) for (let o = 0; o < out.data.length; o++) out.data[o] = spec.finish(out.data[o], count);
      if (type.dtype === 'i32') for (let o = 0; o < out.data.length; o++) out.data[o] |= 0;
      if (type.dtype === 'u32') for (let o = 0; o < out.data.length; o++) out.data[o] >>>= 0;
      return [out];
    },
    kernel(node, ctx) {
      const x = node.inputs[0].type;
      const axes = normalizeAxes(spec.name, node.attrs.axes as number[], x);
      return [
        emitReduceKernel(
          `${spec.name}_${x.shape.join('x') || 'scalar'}_axes${axes.join('_')}`,
          spec.name,
          x,
          axes,
          node.outputs[0].type.dtype,
          ctx.family,
        ),
      ];
    },
  });
}

/** max/min gradient: the reduced gradient shared equally among the elements equal to the extremum. */
function extremumGrad(b: GradBuilder, g: Value, x: Value, out: Value, axes: number[]): Value {
  const hit = b.op('cast', [b.op('eq', [x, expandReduced(b, out, x.type, axes)])], { to: 'f32' });
  const ties = b.op('sum', [hit], { axes, keepdims: true });
  const share = b.op('div', [hit, b.op('broadcast_to', [ties], { shape: x.type.shape })]);
  return b.op('mul', [share, expandReduced(b, g, x.type, axes)]);
}

defineReduce({
  name: 'sum',
  doc: 'Sum over axes: `%1: f32[4] = sum %0 [axes=[1], keepdims=false]`',
  dtypes: ['f32', 'i32', 'u32'],
  out: (d) => d,
  init: 0,
  step: (acc, x) => acc + x,
  grad: (b, g, x, _out, axes) => expandReduced(b, g, x.type, axes),
});

defineReduce({
  name: 'mean',
  doc: 'Mean over axes: `%1: f32[4] = mean %0 [axes=[1], keepdims=false]`',
  dtypes: ['f32'],
  out: (d) => d,
  init: 0,
  step: (acc, x) => acc + x,
  finish: (acc, n) => acc / n,
  grad: (b, g, x, _out, axes) => {
    const n = numel(axes.map((a) => x.type.shape[a]));
    return b.op('div', [expandReduced(b, g, x.type, axes), b.constant(n, { dtype: 'f32', shape: [] })]);
  },
});

defineReduce({
  name: 'max',
  doc: 'Maximum over axes, NaN if any is NaN: `%1: f32[4] = max %0 [axes=[1], keepdims=false]`',
  dtypes: ['f32', 'i32', 'u32'],
  out: (d) => d,
  init: -Infinity,
  step: (acc, x) => Math.max(acc, x),
  grad: extremumGrad,
});

defineReduce({
  name: 'min',
  doc: 'Minimum over axes, NaN if any is NaN: `%1: f32[4] = min %0 [axes=[1], keepdims=false]`',
  dtypes: ['f32', 'i32', 'u32'],
  out: (d) => d,
  init: Infinity,
  step: (acc, x) => Math.min(acc, x),
  grad: extremumGrad,
});

/** log Σ exp(x) computed stably around the maximum. */
export function logSumExp(values: ArrayLike<number>, start: number, count: number, stride: number): number {
  let m = -Infinity;
  for (let j = 0; j < count; j++) m = Math.max(m, values[start + j * stride]);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let j = 0; j < count; j++) s += Math.exp(values[start + j * stride] - m);
  return m + Math.log(s);
}

defineOp({
  name: 'logsumexp',
  kind: 'reduction',
  doc: 'log Σ exp over axes, stable around the maximum: `%1: f32[4] = logsumexp %0 [axes=[1], keepdims=false]`',
  arity: 1,
  attrs: { ...axesAttr, ...keepAttr },
  infer(inputs, attrs) {
    requireDtypes('logsumexp', inputs, ['f32']);
    const axes = normalizeAxes('logsumexp', attrs.axes as number[], inputs[0]);
    return [{ dtype: 'f32', shape: reducedShape(inputs[0].shape, axes, attrs.keepdims === true) }];
  },
  // d lse = g · exp(x - lse)
  grad(b, node, [g]) {
    if (!g) return [null];
    const x = node.inputs[0];
    const axes = normalizeAxes('logsumexp', node.attrs.axes as number[], x.type);
    const p = b.op('exp', [b.op('sub', [x, expandReduced(b, node.outputs[0], x.type, axes)])]);
    return [b.op('mul', [p, expandReduced(b, g, x.type, axes)])];
  },
  reference([x], attrs) {
    const axes = normalizeAxes('logsumexp', attrs.axes as number[], x.type);
    const shape = reducedShape(x.type.shape, axes, attrs.keepdims === true);
    const out = makeTensor({ dtype: 'f32', shape });
    const map = reduceIndexMap(x.type.shape, axes);
    const groups: number[][] = Array.from({ length: out.data.length }, () => []);
    for (let e = 0; e < x.data.length; e++) groups[map[e]].push(x.data[e]);
    groups.forEach((vals, o) => (out.data[o] = logSumExp(vals, 0, vals.length, 1)));
    return [out];
  },
  kernel(node, ctx) {
    const x = node.inputs[0].type;
    const axes = normalizeAxes('logsumexp', node.attrs.axes as number[], x);
    return [
      emitReduceKernel(
        `logsumexp_${x.shape.join('x') || 'scalar'}_axes${axes.join('_')}`,
        'logsumexp',
        x,
        axes,
        'f32',
        ctx.family,
      ),
    ];
  },
});

defineOp({
  name: 'argmax',
  kind: 'reduction',
  doc: 'Index of the largest value along an axis (first on ties, NaN counts as largest): `%1: i32[4] = argmax %0 [axis=1, keepdims=false]`',
  arity: 1,
  attrs: { axis: { type: 'int', doc: 'axis to search' }, ...keepAttr },
  infer(inputs, attrs) {
    requireDtypes('argmax', inputs, ['f32', 'i32', 'u32']);
    const [axis] = normalizeAxes('argmax', [attrs.axis as number], inputs[0]);
    return [{ dtype: 'i32', shape: reducedShape(inputs[0].shape, [axis], attrs.keepdims === true) }];
  },
  reference([x], attrs) {
    const [axis] = normalizeAxes('argmax', [attrs.axis as number], x.type);
    const shape = reducedShape(x.type.shape, [axis], attrs.keepdims === true);
    const out = makeTensor({ dtype: 'i32', shape });
    const best = new Float64Array(out.data.length).fill(NaN);
    const seen = new Uint8Array(out.data.length);
    const map = reduceIndexMap(x.type.shape, [axis]);
    const inner = numel(x.type.shape.slice(axis + 1));
    const n = x.type.shape[axis];
    for (let e = 0; e < x.data.length; e++) {
      const o = map[e];
      const j = Math.floor(e / inner) % n;
      const v = x.data[e];
      // Elements arrive in increasing j per row, so a strict test keeps the first on ties.
      const better = !seen[o] || (!Number.isNaN(best[o]) && (Number.isNaN(v) || v > best[o]));
      if (better) {
        best[o] = v;
        out.data[o] = j;
        seen[o] = 1;
      }
    }
    return [out];
  },
  kernel(node, ctx) {
    const x = node.inputs[0].type;
    const [axis] = normalizeAxes('argmax', [node.attrs.axis as number], x);
    return [
      emitReduceKernel(`argmax_${x.shape.join('x') || 'scalar'}_axis${axis}`, 'argmax', x, [axis], 'i32', ctx.family),
    ];
  },
});
