// Shared helpers for the op families: numpy broadcasting, strides, dtype checks,
// and the small pieces of reference arithmetic (dtype wrap-around) every family uses.
import type { DType, TensorType } from '../ir/types';
import { numel, typeToString } from '../ir/types';
import type { Tensor } from './registry';
import { ShapeError } from './registry';

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * The numpy broadcast of several shapes: dimensions are aligned from the right and
 * each must be equal or 1. Throws a ShapeError naming the op and the shapes.
 */
export function broadcastShapes(op: string, types: readonly TensorType[]): number[] {
  const rank = Math.max(0, ...types.map((t) => t.shape.length));
  const out = new Array<number>(rank).fill(1);
  for (let k = 0; k < types.length; k++) {
    const shape = types[k].shape;
    for (let i = 0; i < shape.length; i++) {
      const o = rank - shape.length + i;
      const d = shape[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError(
          `${op}: shapes ${types.map(typeToString).join(', ')} cannot be broadcast together (dimension ${o} is ${out[o]} vs ${d})`,
          k,
        );
      }
    }
  }
  refuseInventedAxis(op, types, out);
  return out;
}

/**
 * Refuses the classic `[n,1]` vs `[n]` trap: operands of different ranks where a
 * size-1 axis of one meets a longer axis of a lower-rank operand. Right alignment
 * then stretches the size-1 axis into a new one (`f32[n,1] - f32[n]` is
 * `f32[n,n]`), which is almost never what the author meant, so it is an error with
 * a hint; a `reshape` makes the intent explicit. Bias-like operands
 * (`[n]` onto `[b,n]`), scalars, `[1]`, and same-rank size-1 axes stay legal.
 */
function refuseInventedAxis(op: string, types: readonly TensorType[], out: readonly number[]): void {
  const rank = out.length;
  for (let o = 0; o < rank; o++) {
    if (out[o] === 1) continue;
    // An operand of size 1 here, and one of lower rank that is longer here.
    const stretches = (t: TensorType) => (u: TensorType) =>
      u.shape.length < t.shape.length && (sizeAt(u, o, rank) ?? 1) > 1;
    const t = types.find((t) => sizeAt(t, o, rank) === 1 && types.some(stretches(t)));
    if (!t) continue;
    const other = types.findIndex(stretches(t));
    const u = types[other];
    const axis = o - (rank - t.shape.length);
    // The likely intents: u lines up one axis further left (when the size-1 axis is
    // t's last), or t's size-1 axis is spurious.
    const tDropped = t.shape.filter((_, i) => i !== axis);
    const lifted = [...u.shape, 1].join(',');
    const lift =
      axis === t.shape.length - 1 ? `the ${typeToString(u)} operand to [${lifted}] (reshape(_, [-1, 1])) or ` : '';
    throw new ShapeError(
      `${op}: the size-1 axis ${axis} of ${typeToString(t)} ` +
        `meets the ${u.shape.length}-d operand ${typeToString(u)}, ` +
        `so broadcasting adds an axis (the result would be [${out.join(',')}]); give both operands the same rank: ` +
        `reshape ${lift}the ${typeToString(t)} operand to [${tDropped.join(',')}]`,
      other,
    );
  }
}

/** The size of `t`'s axis aligned (from the right) with output axis `o`, if it has one. */
function sizeAt(t: TensorType, o: number, rank: number): number | undefined {
  const i = o - (rank - t.shape.length);
  return i < 0 ? undefined : t.shape[i];
}

/**
 * For each element of a tensor of shape `to`, the flat index of the element of a
 * tensor of shape `from` (broadcastable to `to`) that it reads.
 */
export function broadcastIndexMap(from: readonly number[], to: readonly number[]): Int32Array {
  const n = numel(to);
  const map = new Int32Array(n);
  const fromStrides = stridesOf(from);
  const offset = to.length - from.length;
  // Stride 0 along the axes that broadcasting stretched or added.
  const strides = to.map((_, i) => {
    const j = i - offset;
    return j < 0 || from[j] === 1 ? 0 : fromStrides[j];
  });
  const idx = new Array<number>(to.length).fill(0);
  let flat = 0;
  for (let e = 0; e < n; e++) {
    map[e] = flat;
    for (let i = to.length - 1; i >= 0; i--) {
      idx[i]++;
      flat += strides[i];
      if (idx[i] < to[i]) break;
      flat -= strides[i] * idx[i];
      idx[i] = 0;
    }
  }
  return map;
}

/** Rounds a float64 to the value a buffer of `dtype` would hold (ints wrap like WGSL). */
export function wrapTo(dtype: DType, x: number): number {
  switch (dtype) {
    case 'f32':
      return x;
    case 'i32':
      return x | 0;
    case 'u32':
      return x >>> 0;
    case 'bool':
      return x !== 0 ? 1 : 0;
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

export function makeTensor(type: TensorType, data?: Float64Array): Tensor {
  return { type, data: data ?? new Float64Array(numel(type.shape)) };
}

/** Throws unless every input has one of the allowed dtypes. */
export function requireDtypes(
  op: string,
  inputs: readonly TensorType[],
  allowed: readonly DType[],
  which?: readonly number[],
): void {
  const idx = which ?? inputs.map((_, i) => i);
  for (const i of idx) {
    if (!allowed.includes(inputs[i].dtype)) {
      throw new ShapeError(
        `${op}: operand ${i + 1} is ${typeToString(inputs[i])}, expected dtype ${allowed.join(' or ')}`,
        i,
      );
    }
  }
}

/** Throws unless the listed inputs share one dtype. */
export function requireSameDtype(op: string, inputs: readonly TensorType[], which?: readonly number[]): DType {
  const idx = which ?? inputs.map((_, i) => i);
  const first = inputs[idx[0]];
  for (const i of idx) {
    if (inputs[i].dtype !== first.dtype) {
      throw new ShapeError(`${op}: operand dtypes differ: ${idx.map((j) => typeToString(inputs[j])).join(' and ')}`, i);
    }
  }
  return first.dtype;
}

/** Normalizes a possibly negative axis against a rank; throws a ShapeError when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number, type: TensorType): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for ${typeToString(type)}`, 0);
  }
  return a;
}

/** A WGSL literal of `value` in `dtype` (bool as true/false). */
export function wgslLiteral(value: number, dtype: DType): string {
  switch (dtype) {
    case 'f32': {
      if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a WGSL literal`);
      const s = String(Math.fround(value));
      return /[.e]/.test(s) ? `f32(${s})` : `${s}.0`;
    }
    case 'i32':
      return value === -2147483648 ? 'i32(-2147483648)' : `${value | 0}i`;
    case 'u32':
      return `${value >>> 0}u`;
    case 'bool':
      return value !== 0 ? 'true' : 'false';
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

/** The WGSL scalar type of an IR dtype inside expressions. */
export function wgslScalarType(dtype: DType): string {
  return dtype === 'bool' ? 'bool' : dtype;
}

/** The WGSL element type of an IR dtype inside a storage buffer (bool is stored as u32). */
export function wgslStorageType(dtype: DType): string {
  return dtype === 'bool' ? 'u32' : dtype;
}
