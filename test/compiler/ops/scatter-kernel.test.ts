// scatter_add's tiled kernel on the device against the reference: several row and
// column tiles (small workgroup budgets force them), more ids than one staged
// chunk, repeats, out-of-range and negative ids, u32 ids, integer targets, and an
// inner axis. Sums must match exactly where the order matters (f32 adds in j order).
import { describe, expect, it } from 'vitest';
import { emitScatterAddKernel, scatterTile, type ScatterTiling } from '../../../compiler/codegen/kernels/gather';
import type { DType, TensorType } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import '../../../compiler/ops/index';
import { gatherSource } from '../../../compiler/ops/index-ops';
import type { Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';
import { runKernel } from '../../helpers/kernel';

const fill = (type: TensorType, f: (e: number) => number): Tensor => ({
  type,
  data: Float64Array.from({ length: numel(type.shape) }, (_, e) => (type.dtype === 'f32' ? Math.fround(f(e)) : f(e))),
});

async function check(
  dtype: DType,
  shape: number[],
  idsType: TensorType,
  id: (j: number) => number,
  axis: number,
  tiling: ScatterTiling = {},
): Promise<void> {
  const target = fill({ dtype, shape }, (e) => (dtype === 'f32' ? Math.sin(e * 0.7) : (e % 13) - 6));
  const ids = fill(idsType, id);
  const updShape = [...shape.slice(0, axis), ...idsType.shape, ...shape.slice(axis + 1)];
  // f32 updates of mixed magnitude, so a different summation order would change the bits.
  const updates = fill({ dtype, shape: updShape }, (e) =>
    dtype === 'f32' ? Math.cos(e * 1.3) * 10 ** ((e % 5) - 2) : (e % 7) - 3,
  );
  const [want] = getOp('scatter_add').reference([target, ids, updates], { axis }, { seed: 0, step: 0 });
  const want32 = dtype === 'f32' ? referenceInF32(target, ids, updates, axis) : [...want.data];
  const spec = emitScatterAddKernel(target.type, idsType, axis, tiling);
  const [got] = await runKernel(spec, [target, ids, updates], [target.type], { guard: true });
  expect([...got]).toEqual(want32);
}

/** The reference's sum order with every add rounded to f32, as the kernel adds. */
function referenceInF32(target: Tensor, ids: Tensor, updates: Tensor, axis: number): number[] {
  const out = Array.from(target.data);
  const source = gatherSource(target.type.shape, axis, ids.data);
  for (let u = 0; u < updates.data.length; u++) {
    const at = source(u);
    if (at >= 0) out[at] = Math.fround(out[at] + updates.data[u]);
  }
  return out;
}

const i32 = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });

describe('scatter_add tiled kernel', () => {
  it('sizes tiles to the workgroup budget', () => {
    expect(scatterTile(10000, 64)).toEqual({ rows: 59, cols: 64 });
    expect(scatterTile(5, 64)).toEqual({ rows: 5, cols: 64 });
    expect(scatterTile(3, 5000)).toEqual({ rows: 1, cols: 3834 });
    expect(scatterTile(100, 7, { storageBytes: 2048 })).toEqual({ rows: 35, cols: 7 });
    expect(scatterTile(100, 7, { storageBytes: 512 })).toEqual({ rows: 9, cols: 7 });
    expect(scatterTile(96, 64, { minRowTiles: 128 })).toEqual({ rows: 1, cols: 64 });
    expect(scatterTile(1000, 64, { minRowTiles: 128 })).toEqual({ rows: 8, cols: 64 });
    expect(scatterTile(10000, 64, { minRowTiles: 128 })).toEqual({ rows: 59, cols: 64 });
  });
  it('embedding gradient: many row tiles, ids over several chunks, repeats and out-of-range ids', async () => {
    await check(
      'f32',
      [96, 16],
      i32(5, 41),
      (j) => (j % 17 === 0 ? 96 + (j % 3) : j % 11 === 0 ? -1 : (j * 37) % 96),
      0,
      { storageBytes: 1024 },
    );
    await check('f32', [96, 16], i32(5, 41), (j) => (j % 7 === 0 ? 5 : (j * 37) % 96), 0, { storageBytes: 2048 });
  });
  it('column tiles and an inner axis', async () => {
    await check('f32', [2, 9, 150], i32(70), (j) => (j * 5) % 9, 1, { storageBytes: 1024 });
    await check('f32', [3, 40], i32(130), (j) => j % 3, 0, { storageBytes: 600 });
  });
  it('the default budget, u32 ids and integer targets', async () => {
    await check('f32', [500, 24], { dtype: 'u32', shape: [300] }, (j) => (j * 131) % 520, 0);
    await check('f32', [500, 24], i32(300), (j) => (j * 131) % 520, 0, { minRowTiles: 128 });
    await check('i32', [7, 5], i32(90), (j) => (j * 3) % 8, 0, { storageBytes: 512 });
  });
});
