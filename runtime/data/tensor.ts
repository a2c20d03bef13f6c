// Host-side tensors: a dtype, a row-major shape and a flat typed array. This is how
// datasets, .npy files and checkpoints hand numbers to the rest of the runtime.
import { DlcError } from '../errors';

export type HostDType = 'f32' | 'i32';

export interface HostTensorOf<D extends HostDType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: D extends 'f32' ? Float32Array : Int32Array;
}

export type HostTensor = HostTensorOf<'f32'> | HostTensorOf<'i32'>;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Makes a tensor after checking that the shape is made of non-negative integers and matches the data. */
export function hostTensor<D extends HostDType>(
  dtype: D,
  shape: readonly number[],
  data: D extends 'f32' ? Float32Array : Int32Array,
): HostTensorOf<D> {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new DlcError(`invalid tensor shape ${formatShape(shape)}`);
  }
  const n = elementCount(shape);
  if (n !== data.length) {
    throw new DlcError(`tensor of shape ${formatShape(shape)} needs ${n} elements, got ${data.length}`);
  }
  return { dtype, shape: [...shape], data };
}

/** The same data seen with another shape of the same element count (e.g. [N,784] → [N,1,28,28]). */
export function reshape<T extends HostTensor>(t: T, shape: readonly number[]): T {
  if (elementCount(shape) !== elementCount(t.shape)) {
    throw new DlcError(`cannot reshape ${formatShape(t.shape)} to ${formatShape(shape)}: element counts differ`);
  }
  return { ...t, shape: [...shape] };
}

/** Gathers rows (slices along the first axis) in the given order into a new tensor. */
export function gatherRows<T extends HostTensor>(t: T, rows: ArrayLike<number>): T {
  const rowSize = elementCount(t.shape.slice(1));
  const n = t.shape[0] ?? 0;
  const out = t.dtype === 'f32' ? new Float32Array(rows.length * rowSize) : new Int32Array(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r < 0 || r >= n) throw new RangeError(`row ${r} out of range [0, ${n})`);
    out.set(t.data.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return { ...t, shape: [rows.length, ...t.shape.slice(1)], data: out } as T;
}
