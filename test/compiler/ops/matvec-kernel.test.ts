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
import type { MatmulCase as Case } from '../../helpers/matmul-cases';
import { expectMatmulClose as expectClose, f32, label, plain, values, VARIANTS } from '../../helpers/matmul-cases';

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

async function run(
  c: Case,
  epilogue?: MatmulEpilogue,
  extra: { type: TensorType; data: Float64Array }[] = [],
): Promise<{ got: Float64Array; inputs: Float64Array[] }> {
  const { limits } = await testDevice();
  const p = matmulProblem(c.a, c.b, c.ta, c.tb);
  expect(isMatvec(p)).toBe(true);
  const spec = emitMatmulKernel(p, { family: 'register', limits }, { epilogue });
  expect(spec.name).toMatch(/_matvec$/);
  const inputs = [values(numel(c.a.shape), 7), values(numel(c.b.shape), 11)];
  const [outType] = getOp('matmul').infer([c.a, c.b], { transpose_a: c.ta, transpose_b: c.tb });
  const [got] = await runKernel(
    spec,
    [{ type: c.a, data: inputs[0] }, { type: c.b, data: inputs[1] }, ...extra],
    [outType],
    { guard: true },
  );
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
    expect(
      emitMatmulKernel(matmulProblem(f32(8, 4), f32(4, 1), false, false), { family: 'shared', limits }).name,
    ).toMatch(/_shared$/);
  });

  // sigmoid(acc + bias[i]) with bias indexed by the output's row (n == 1) or column (m == 1).
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  it.each(
    [
      plain(13, 20, 1, false, false),
      plain(16, 9, 1, true, true),
      plain(1, 12, 20, true, false),
      plain(1, 8, 7, false, true),
    ].map((c) => [label(c), c] as const),
  )('bias + sigmoid epilogue: %s', async (_name, c) => {
    const p = matmulProblem(c.a, c.b, c.ta, c.tb);
    const byRow = p.n === 1;
    const epilogue: MatmulEpilogue = {
      inputs: [{ name: 'bias', dtype: 'f32', layout: byRow ? 'row' : 'col' }],
      outputs: [{ name: 'c' }],
      values: (acc, valueOf) => ({ lets: [], stored: [`1.0 / (1.0 + exp(-(${acc} + ${valueOf('bias')})))`] }),
    };
    const bias = values(byRow ? p.m : p.n, 9);
    const { got, inputs } = await run(c, epilogue, [{ type: f32(bias.length), data: bias }]);
    // sigmoid adds a few float32 roundings of its own: compare against it with a relative slack.
    const exact = getOp('matmul').reference(
      [
        { type: c.a, data: inputs[0] },
        { type: c.b, data: inputs[1] },
      ],
      { transpose_a: c.ta, transpose_b: c.tb },
      { seed: 0, step: 0 },
    )[0].data;
    exact.forEach((x, i) => expect(Math.abs(got[i] - sigmoid(x + bias[i]))).toBeLessThan(1e-5));
  });
});
