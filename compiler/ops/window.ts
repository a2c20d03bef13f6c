// Shared by the convolution, pooling and normalisation ops: reading the [h, w] pair
// attributes, sliding-window output sizes, NCHW shape checks and gaussian windows.
// Every op here works on NCHW tensors; a window of size k with stride s and padding
// p over a length n gives floor((n + 2p - k) / s) + 1 positions.
import type { Attrs, AttrValue, TensorType } from '../ir/types';
import type { AttrSpec } from './registry';
import { ShapeError } from './registry';

export type Pair = readonly [number, number];

export function shapeText(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

/** A [h, w] attribute (a single int means the same for both), or `fallback` when absent. */
export function pairAttr(op: string, attrs: Attrs, key: string, fallback?: Pair): Pair {
  const v: AttrValue | undefined = attrs[key];
  if (v === undefined || (Array.isArray(v) && v.length === 0)) {
    if (fallback) return fallback;
    throw new ShapeError(`${op}: attribute '${key}' is required`);
  }
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]];
  if (Array.isArray(v) && v.length === 1) return [v[0], v[0]];
  throw new ShapeError(`${op}: attribute '${key}' must be [h, w], got ${JSON.stringify(v)}`);
}

export function intAttr(attrs: Attrs, key: string, fallback: number): number {
  const v = attrs[key];
  return typeof v === 'number' ? v : fallback;
}

export function numAttr(attrs: Attrs, key: string, fallback: number): number {
  const v = attrs[key];
  return typeof v === 'number' ? v : fallback;
}

/** Requires f32 and rank 4 (NCHW); returns the shape. */
export function requireNCHW(
  op: string,
  t: TensorType,
  what: string,
  operand: number,
): [number, number, number, number] {
  if (t.dtype !== 'f32') throw new ShapeError(`${op}: ${what} is ${shapeText(t)}, expected f32`, operand);
  if (t.shape.length !== 4)
    throw new ShapeError(`${op}: ${what} has shape ${shapeText(t)}, expected rank 4 (NCHW)`, operand);
  return [t.shape[0], t.shape[1], t.shape[2], t.shape[3]];
}

export function requirePositive(op: string, key: string, p: Pair): void {
  if (!(p[0] >= 1 && p[1] >= 1)) throw new ShapeError(`${op}: ${key} must be positive, got [${p.join(',')}]`);
}

export function requireNonNegative(op: string, key: string, p: Pair): void {
  if (!(p[0] >= 0 && p[1] >= 0)) throw new ShapeError(`${op}: ${key} must be non-negative, got [${p.join(',')}]`);
}

/** Window positions along one axis, or a ShapeError when the window does not fit. */
export function windowCount(
  op: string,
  what: string,
  n: number,
  k: number,
  s: number,
  p: number,
  axis: 'height' | 'width',
): number {
  const span = n + 2 * p;
  if (span < k) throw new ShapeError(`${op}: ${what} ${axis} ${n} with padding ${p} is smaller than the window (${k})`);
  return Math.floor((span - k) / s) + 1;
}

/** Output spatial size of a window (kernel `k`) sliding with stride and padding over [h, w]. */
export function windowOut(op: string, what: string, hw: Pair, k: Pair, s: Pair, p: Pair): Pair {
  return [
    windowCount(op, what, hw[0], k[0], s[0], p[0], 'height'),
    windowCount(op, what, hw[1], k[1], s[1], p[1], 'width'),
  ];
}

/** The size `n` that a transposed window produces from `m` positions: (m-1)·s − 2p + k + extra. */
export function transposedSize(m: number, k: number, s: number, p: number, extra: number): number {
  return (m - 1) * s - 2 * p + k + extra;
}

/** Normalised 2-D gaussian weights over a kh×kw window centred on it, row-major, summing to 1. */
export function gaussianWindow(size: Pair, sigma: number): Float64Array {
  const [kh, kw] = size;
  const w = new Float64Array(kh * kw);
  const ch = (kh - 1) / 2;
  const cw = (kw - 1) / 2;
  let total = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const v = Math.exp(-((i - ch) ** 2 + (j - cw) ** 2) / (2 * sigma * sigma));
      w[i * kw + j] = v;
      total += v;
    }
  }
  for (let i = 0; i < w.length; i++) w[i] /= total;
  return w;
}

/** The attribute specs shared by the window ops. */
export const WINDOW_ATTRS: Readonly<Record<string, AttrSpec>> = {
  size: { type: 'ints', doc: 'window [kh, kw]' },
  stride: { type: 'ints', default: [], doc: 'step between windows [sh, sw]; [] means the window size' },
  padding: { type: 'ints', default: [0, 0], doc: 'rows/columns added on each side [ph, pw]' },
};
