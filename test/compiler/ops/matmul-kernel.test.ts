// The matmul kernels of both families on the real device (llvmpipe in CI), checked
// against the float64 reference within a float32 error bound, with guard regions
// catching any write outside the output and any output left unwritten.
import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import type { MatmulEpilogue, RegisterTile } from '../../../compiler/codegen/kernels/matmul';
import { emitMatmulKernel, matmulProblem } from '../../../compiler/codegen/kernels/matmul';
import { registerTileFor } from '../../../compiler/codegen/kernels/matmul-register';
import { isMatvec } from '../../../compiler/codegen/kernels/matvec';
import '../../../compiler/ops/index';
import { getOp } from '../../../compiler/ops/registry';
import { runKernel, testDevice } from '../../helpers/kernel';
import type { MatmulCase as Case } from '../../helpers/matmul-cases';
import { expectMatmulClose as expectClose, f32, label, plain, values, VARIANTS } from '../../helpers/matmul-cases';

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [64, 32, 48], // multiples of 4 and of the tiles: every vec4 path
  [36, 20, 44], // multiples of 4, not of the tiles
  [129, 65, 33],
  [128, 784, 512],
];

const CASES: Case[] = [
  ...SIZES.flatMap(([m, k, n]) => VARIANTS.map(([ta, tb]) => plain(m, k, n, ta, tb))),
  plain(5, 8, 4, false, false, [2, 3], []),
  plain(8, 12, 16, false, true, [3, 1], [4]),
  plain(9, 7, 6, true, false, [2], [2]),
  plain(12, 16, 20, true, true, [1, 2], [3, 1]),
];

async function check(c: Case, family: 'register' | 'shared', tile?: RegisterTile, textures = false): Promise<void> {
  const { limits } = await testDevice();
  const p = matmulProblem(c.a, c.b, c.ta, c.tb);
  const spec = emitMatmulKernel(p, { family, limits, textures }, { registerTile: tile });
  if (textures && !isMatvec(p)) {
    // Every operand fetched as vec4 is read through a texture: rows of a multiple of
    // 4 floats directly, others shifted, where the whole operand (and each batch
    // matrix) is a multiple of 4 floats.
    const fits = (t: TensorType, matrix: number) =>
      numel(t.shape) % 4 === 0 && (t.shape.length === 2 || matrix % 4 === 0);
    const rows = (tile ?? registerTileFor(p)).rows;
    const vec4A = (c.ta ? p.m % 4 === 0 : p.k % 4 === 0) || (fits(c.a, p.m * p.k) && (!c.ta || rows % 4 === 0));
    const vec4B = (c.tb ? p.k % 4 === 0 : p.n % 4 === 0) || fits(c.b, p.k * p.n);
    expect(spec.textureInputs?.map((t) => t.binding) ?? []).toEqual([
      ...(vec4A && numel(c.a.shape) % 4 === 0 ? [0] : []),
      ...(vec4B && numel(c.b.shape) % 4 === 0 ? [1] : []),
    ]);
  }
  const inputs = [values(numel(c.a.shape), 7), values(numel(c.b.shape), 11)];
  const [outType] = getOp('matmul').infer([c.a, c.b], { transpose_a: c.ta, transpose_b: c.tb });
  const [got] = await runKernel(
    spec,
    [
      { type: c.a, data: inputs[0] },
      { type: c.b, data: inputs[1] },
    ],
    [outType],
    { guard: true },
  );
  expectClose(c, got, inputs);
}

describe.each(['register', 'shared'] as const)('matmul kernel, %s family', (family) => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    await check(c, family);
  });
});

describe('matmul kernel, register family with operand textures', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    await check(c, 'register', undefined, true);
  });
  // Rows that are not a multiple of 4 floats, read as shifted texel pairs: the
  // 10-class layer's shapes (forward, weight gradient, backward data), a K % 4 tail
  // of 3, transposed A with M % 4 != 0, and batches of 4-aligned matrices.
  it.each(
    [
      plain(128, 512, 10, false, false),
      plain(512, 128, 10, true, false),
      plain(128, 10, 512, false, true),
      plain(34, 10, 6, false, true),
      plain(6, 10, 14, true, true),
      plain(10, 12, 8, true, false),
      plain(12, 7, 20, false, false),
      plain(6, 10, 6, false, false, [2], [2]),
      plain(6, 10, 6, true, true, [3], []),
    ].map((c) => [label(c), c] as const),
  )('shifted fetches: %s', async (_name, c) => {
    await check(c, 'register', undefined, true);
  });
  // Operands spanning several texture rows with a partial last row (A: 100·20/4 = 500 texels).
  it.each(
    [plain(100, 20, 44, false, false), plain(100, 20, 44, true, true), plain(260, 16, 12, true, false, [3], [])].map(
      (c) => [label(c), c] as const,
    ),
  )('multi-row texture: %s', async (_name, c) => {
    await check(c, 'register', undefined, true);
  });
});

describe('matmul kernel, other register tiles', () => {
  const tiles: RegisterTile[] = [
    { rows: 4, vec4Cols: 1, wgX: 8, wgY: 8 },
    { rows: 8, vec4Cols: 4, wgX: 4, wgY: 2 },
    { rows: 6, vec4Cols: 3, wgX: 8, wgY: 1 }, // rows not a multiple of 4: scalar A fetch
    { rows: 8, vec4Cols: 3, wgX: 8, wgY: 2, lanesAlongRows: true }, // blocks of rows side by side in the lanes
  ];
  const cases = [plain(37, 24, 52, true, false), plain(64, 12, 40, false, true), plain(33, 9, 17, true, true)];
  for (const tile of tiles) {
    it.each(cases.map((c) => [label(c), c] as const))(
      `${tile.rows}x${tile.vec4Cols * 4} wg ${tile.wgX}x${tile.wgY}${tile.lanesAlongRows ? ' lanes along rows' : ''}: %s`,
      async (_n, c) => {
        await check(c, 'register', tile);
      },
    );
  }
});

describe('matmul kernel epilogue', () => {
  // bias[col] then ReLU, fused into the store.
  const epilogue: MatmulEpilogue = {
    inputs: [{ name: 'bias', dtype: 'f32', layout: 'col' }],
    outputs: [{ name: 'c' }],
    values: (acc, valueOf) => ({ lets: [], stored: [`max(${acc} + ${valueOf('bias')}, 0.0)`] }),
  };
  it.each([
    ['register', plain(33, 20, 24, false, false)],
    ['register', plain(10, 7, 13, false, true)],
    ['shared', plain(33, 20, 24, true, false)],
  ] as const)('%s: bias + relu', async (family, c) => {
    const { limits } = await testDevice();
    const p = matmulProblem(c.a, c.b, c.ta, c.tb);
    const spec = emitMatmulKernel(p, { family, limits }, { epilogue });
    const inputs = [values(numel(c.a.shape), 3), values(numel(c.b.shape), 5)];
    const bias = values(p.n, 9);
    const [got] = await runKernel(
      spec,
      [
        { type: c.a, data: inputs[0] },
        { type: c.b, data: inputs[1] },
        { type: f32(p.n), data: bias },
      ],
      [f32(p.m, p.n)],
      { guard: true },
    );
    expectClose(c, got, inputs, (x, col) => Math.max(Math.fround(x + bias[col]), 0));
  });
});
