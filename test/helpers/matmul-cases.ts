// Matmul test cases shared by the kernel tests (register/shared matmul, matvec):
// operands stored as the transpose flags say, deterministic float32-exact inputs,
// and the check against the float64 reference within the float32 summation bound.
import { expect } from 'vitest';
import type { TensorType } from '../../compiler/ir/types';
import { matmulProblem } from '../../compiler/codegen/kernels/matmul';
import '../../compiler/ops/index';
import { getOp } from '../../compiler/ops/registry';

export const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

/** A deterministic pseudo-random stream in [-1, 1), exact in float32. */
export function values(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = Math.fround(((s >>> 0) / 2 ** 32) * 2 - 1);
  }
  return out;
}

export interface MatmulCase {
  readonly a: TensorType;
  readonly b: TensorType;
  readonly ta: boolean;
  readonly tb: boolean;
}

/** A (M×K)·(K×N) case with the operands stored as the transpose flags say. */
export function plain(
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  batchA: number[] = [],
  batchB: number[] = [],
): MatmulCase {
  return { a: f32(...batchA, ...(ta ? [k, m] : [m, k])), b: f32(...batchB, ...(tb ? [n, k] : [k, n])), ta, tb };
}

export const VARIANTS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

export function label(c: MatmulCase): string {
  return `${c.ta ? 't' : 'n'}${c.tb ? 't' : 'n'} [${c.a.shape}] @ [${c.b.shape}]`;
}

/**
 * |gpu - exact| ≤ 2·K·2⁻²⁴·Σ|a||b| + 2⁻²³·|exact| elementwise: the float32 summation
 * bound (inputs are exact float32 values, so only the K rounding steps of the sum
 * count) plus one rounding for an epilogue (`epilogueRef`, applied to the exact product).
 */
export function expectMatmulClose(
  c: MatmulCase,
  got: Float64Array,
  inputs: Float64Array[],
  epilogueRef?: (x: number, col: number) => number,
): void {
  const op = getOp('matmul');
  const attrs = { transpose_a: c.ta, transpose_b: c.tb };
  const product = (f: (x: number) => number): Float64Array =>
    op.reference(
      [
        { type: c.a, data: inputs[0].map(f) },
        { type: c.b, data: inputs[1].map(f) },
      ],
      attrs,
      { seed: 0, step: 0 },
    )[0].data as Float64Array;
  const exact = product((x) => x);
  const mag = product(Math.abs);
  const { k, n } = matmulProblem(c.a, c.b, c.ta, c.tb);
  expect(got.length).toBe(exact.length);
  for (let i = 0; i < got.length; i++) {
    const want = epilogueRef ? epilogueRef(exact[i], i % n) : exact[i];
    const err = Math.abs(got[i] - want);
    const bound = 2 * k * 2 ** -24 * mag[i] + 2 ** -23 * Math.abs(want) + 1e-30;
    if (!(err <= bound))
      throw new Error(
        `element ${i}: got ${got[i]}, want ${want} (error ${err.toExponential(2)} > bound ${bound.toExponential(2)})`,
      );
  }
}
