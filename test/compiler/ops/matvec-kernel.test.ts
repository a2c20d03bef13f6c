// The matrix-vector kernel (compiler/codegen/kernels/matvec.ts) that register-family
// matmuls with n == 1 or m == 1 get, on the real device: every transpose variant,
// both ways of reading the matrix with and without vec4 alignment, batches with
// broadcasting, and a fused epilogue indexed by row or column, against the float64
// reference within the float32 summation bound; guard regions catch stray writes.
import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import type { MatmulEpilogue } from '../../../compiler/codegen/kernels/matmul';
import { emitMatmulKernel, matmulProblem } from '../../../compiler/codegen/kernels/matmul';
import { isMatvec } from '../../../compiler/codegen/kernels/matvec';
import '../../../compiler/ops/index';
import { getOp } from '../../../compiler/ops/registry';
import { runKernel, testDevice } from '../../helpers/kernel';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

/** Deterministic values in [-1, 1), exact in float32. */
function values(n: number, seed: number): Float64Array {
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

interface Case {
  readonly a: TensorType;
  readonly b: TensorType;
  readonly ta: boolean;
  readonly tb: boolean;
}

function plain(m: number, k: number, n: number, ta: boolean, tb: boolean, batchA: number[] = [], batchB: number[] = []): Case {
  return { a: f32(...batchA, ...(ta ? [k, m] : [m, k])), b: f32(...batchB, ...(tb ? [n, k] : [k, n])), ta, tb };
}

const VARIANTS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

// (m, k, n) with n == 1 or m == 1: K % 4 == 0 or not, output length % 4 == 0 or not,
// odd lengths (the last invocation's clamped rows), rbm's 128×784 and 784×128 shapes.
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 12, 1],
  [5, 3, 1],
  [12, 8, 1],
  [13, 20, 1],
  [1, 7, 9],
  [1, 16, 36],
  [1, 24, 11],
  [128, 784, 1],
  [784, 128, 1],
  [1, 500, 784],
];

const CASES: Case[] = [
  ...SIZES.flatMap(([m, k, n]) => VARIANTS.map(([ta, tb]) => plain(m, k, n, ta, tb))),
  plain(12, 8, 1, false, false, [2, 3], []),
  plain(9, 12, 1, true, false, [3, 1], [4]),
  plain(1, 8, 20, false, true, [2], [2]),
  plain(1, 5, 7, true, false, [1, 2], [3, 1]),
];

const label = (c: Case): string => `${c.ta ? 't' : 'n'}${c.tb ? 't' : 'n'} [${c.a.shape}] @ [${c.b.shape}]`;

/** |gpu - exact| ≤ 2·K·2⁻²⁴·Σ|a||b| + 2⁻²³·|exact|: the float32 summation bound. */
function expectClose(c: Case, got: Float64Array, inputs: Float64Array[]): void {
  const op = getOp('matmul');
  const attrs = { transpose_a: c.ta, transpose_b: c.tb };
  const run = (f: (x: number) => number) =>
    op.reference([{ type: c.a, data: inputs[0].map(f) }, { type: c.b, data: inputs[1].map(f) }], attrs, { seed: 0, step: 0 })[0].data;
  const exact = run((x) => x);
  const mag = run(Math.abs);
  const { k } = matmulProblem(c.a, c.b, c.ta, c.tb);
  expect(got.length).toBe(exact.length);
  for (let i = 0; i < got.length; i++) {
    const want = exact[i];
    const bound = 2 * k * 2 ** -24 * mag[i] + 2 ** -23 * Math.abs(want) + 1e-30;
    if (!(Math.abs(got[i] - want) <= bound)) throw new Error(`element ${i}: got ${got[i]}, want ${want} (bound ${bound.toExponential(2)})`);
  }
}

async function run(c: Case, epilogue?: MatmulEpilogue, extra: { type: TensorType; data: Float64Array }[] = []): Promise<{ got: Float64Array; inputs: Float64Array[] }> {
  const { limits } = await testDevice();
  const p = matmulProblem(c.a, c.b, c.ta, c.tb);
  expect(isMatvec(p)).toBe(true);
  const spec = emitMatmulKernel(p, { family: 'register', limits }, { epilogue });
  expect(spec.name).toMatch(/_matvec$/);
  const inputs = [values(numel(c.a.shape), 7), values(numel(c.b.shape), 11)];
  const [outType] = getOp('matmul').infer([c.a, c.b], { transpose_a: c.ta, transpose_b: c.tb });
  const [got] = await runKernel(spec, [{ type: c.a, data: inputs[0] }, { type: c.b, data: inputs[1] }, ...extra], [outType], { guard: true });
  return { got, inputs };
}

describe('matvec kernel (register family, n == 1 or m == 1)', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const { got, inputs } = await run(c);
    expectClose(c, got, inputs);
  });

  it('is not used for other shapes or the shared family', async () => {
    const { limits } = await testDevice();
    expect(isMatvec(matmulProblem(f32(2, 3), f32(3, 2), false, false))).toBe(false);
    expect(emitMatmulKernel(matmulProblem(f32(8, 4), f32(4, 1), false, false), { family: 'shared', limits }).name).toMatch(/_shared$/);
  });

  // sigmoid(acc + bias[i]) with bias indexed by the output's row (n == 1) or column (m == 1).
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  it.each([plain(13, 20, 1, false, false), plain(16, 9, 1, true, true), plain(1, 12, 20, true, false), plain(1, 8, 7, false, true)].map((c) => [label(c), c] as const))(
    'bias + sigmoid epilogue: %s',
    async (_name, c) => {
      const p = matmulProblem(c.a, c.b, c.ta, c.tb);
      const byRow = p.n === 1;
      const epilogue: MatmulEpilogue = {
        bindings: [{ name: 'bias', dtype: 'f32' }],
        expr: (acc, row, col) => `1.0 / (1.0 + exp(-(${acc} + bias[${byRow ? row : col}])))`,
      };
      const bias = values(byRow ? p.m : p.n, 9);
      const { got, inputs } = await run(c, epilogue, [{ type: f32(bias.length), data: bias }]);
      // sigmoid adds a few float32 roundings of its own: compare against it with a relative slack.
      const exact = getOp('matmul').reference([{ type: c.a, data: inputs[0] }, { type: c.b, data: inputs[1] }], { transpose_a: c.ta, transpose_b: c.tb }, { seed: 0, step: 0 })[0].data;
      exact.forEach((x, i) => expect(Math.abs(got[i] - sigmoid(x + bias[i]))).toBeLessThan(1e-5));
    },
  );
});
