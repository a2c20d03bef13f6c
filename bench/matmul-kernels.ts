// The matmul microbenchmark for dlc's kernels: GFLOP/s of square products, for the
// kernel the compiler picks on this adapter and (with `explore`) for the other kernel
// shapes tried, which docs/performance.md records.
import type { MatmulProblem, RegisterTile } from '../compiler/codegen/kernels/matmul';
import { emitMatmulKernel } from '../compiler/codegen/kernels/matmul';
import type { KernelContext } from '../compiler/ops/registry';
import { timeKernel } from './kernel-timer';

export interface MatmulVariant {
  readonly label: string;
  readonly family: KernelContext['family'];
  readonly tile?: RegisterTile;
  readonly transA?: boolean;
  readonly transB?: boolean;
}

export interface MatmulResult {
  readonly variant: string;
  readonly size: number;
  /** From the fastest round (see KernelTiming.bestMs). */
  readonly gflops: number;
  readonly ms: number;
}

const tile = (rows: number, vec4Cols: number, wgX: number, wgY: number): MatmulVariant => ({
  label: `register ${rows}x${vec4Cols * 4} per invocation, wg ${wgX}x${wgY}`,
  family: 'register',
  tile: { rows, vec4Cols, wgX, wgY },
});

/** The kernel shapes tried on llvmpipe. */
export const EXPLORED_VARIANTS: readonly MatmulVariant[] = [
  tile(16, 2, 8, 4),
  tile(16, 2, 8, 1),
  tile(16, 2, 8, 8),
  tile(16, 2, 4, 8),
  tile(8, 2, 8, 4),
  tile(8, 4, 8, 4),
  tile(16, 1, 8, 4),
  tile(32, 1, 8, 4),
  tile(4, 4, 8, 4),
  tile(4, 1, 8, 8),
  { label: 'register 16x8, A transposed (tn)', family: 'register', transA: true },
  { label: 'register 16x8, B transposed (nt)', family: 'register', transB: true },
  { label: 'shared 64x64 tiles, wg 16x16, 4x4 per invocation', family: 'shared' },
];

export function squareProblem(size: number, transA = false, transB = false): MatmulProblem {
  return { batchA: [], batchB: [], m: size, n: size, k: size, transA, transB };
}

export async function timeMatmul(
  device: GPUDevice,
  limits: Readonly<Record<string, number>>,
  variant: MatmulVariant,
  size: number,
): Promise<MatmulResult> {
  const p = squareProblem(size, variant.transA, variant.transB);
  const spec = emitMatmulKernel(p, { family: variant.family, limits }, { registerTile: variant.tile });
  const words = size * size;
  // Fewer repetitions for the big size keep the whole run short on a CPU adapter.
  const { bestMs } = await timeKernel(device, spec, [words, words, words], { reps: size >= 1024 ? 2 : 4, rounds: 5 });
  return { variant: variant.label, size, ms: bestMs, gflops: (2 * size ** 3) / (bestMs * 1e6) };
}
