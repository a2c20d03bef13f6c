// The matmul microbenchmark for dlc's kernels: GFLOP/s of square products and of
// the mlp step's products, for the kernel the compiler picks on this adapter and
// (with `explore`) for the other kernel shapes tried, which docs/performance.md
// records. Kernels reading operand textures pay for the uploads, as in a plan.
import type { MatmulProblem, RegisterTile } from '../compiler/codegen/kernels/matmul';
import { emitMatmulKernel } from '../compiler/codegen/kernels/matmul';
import type { KernelContext } from '../compiler/codegen/kernel-spec';
import { timeKernel } from './kernel-timer';

export interface MatmulVariant {
  readonly label: string;
  readonly family: KernelContext['family'];
  readonly tile?: RegisterTile;
  /** Operands through textures (compiler/codegen/wgsl/texture.ts); default: the compiler's choice for the family. */
  readonly textures?: boolean;
}

/** A product to time: C[m,n] = op(A)·op(B). */
export interface MatmulShape {
  readonly label: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
}

export interface MatmulResult {
  readonly variant: string;
  readonly shape: string;
  /** From the fastest round (see KernelTiming.bestMs). */
  readonly gflops: number;
  readonly ms: number;
}

export const square = (size: number): MatmulShape => ({ label: `${size}²`, m: size, k: size, n: size });

/** The five big products of the mlp step (forward, the backward data product, the weight gradients). */
export const MLP_SHAPES: readonly MatmulShape[] = [
  { label: 'X·W1 128×784×512', m: 128, k: 784, n: 512 },
  { label: 'H·W2 128×512×512', m: 128, k: 512, n: 512 },
  { label: 'G·W2ᵀ 128×512×512', m: 128, k: 512, n: 512, transB: true },
  { label: 'Xᵀ·G 784×128×512', m: 784, k: 128, n: 512, transA: true },
  { label: 'Hᵀ·G 512×128×512', m: 512, k: 128, n: 512, transA: true },
];

const tile = (rows: number, vec4Cols: number, wgX: number, wgY: number, textures: boolean): MatmulVariant => ({
  label: `register ${rows}x${vec4Cols * 4}, wg ${wgX}x${wgY}, ${textures ? 'textures' : 'buffers'}`,
  family: 'register',
  tile: { rows, vec4Cols, wgX, wgY },
  textures,
});

/** The kernel shapes tried on llvmpipe. */
export const EXPLORED_VARIANTS: readonly MatmulVariant[] = [
  tile(16, 4, 8, 4, true),
  tile(16, 2, 8, 4, true),
  tile(16, 4, 8, 2, true),
  tile(16, 4, 8, 8, true),
  tile(12, 4, 8, 4, true),
  tile(32, 2, 8, 4, true),
  tile(8, 4, 8, 4, true),
  tile(8, 8, 8, 4, true),
  tile(16, 2, 8, 4, false),
  tile(16, 4, 8, 4, false),
  tile(8, 4, 8, 4, false),
  { label: 'shared 64x64 tiles, wg 16x16, 4x4 per invocation', family: 'shared' },
];

function problemOf(s: MatmulShape): MatmulProblem {
  return { batchA: [], batchB: [], m: s.m, n: s.n, k: s.k, transA: s.transA === true, transB: s.transB === true };
}

export async function timeMatmul(
  device: GPUDevice,
  limits: Readonly<Record<string, number>>,
  variant: MatmulVariant,
  shape: MatmulShape,
): Promise<MatmulResult> {
  const p = problemOf(shape);
  const textures = variant.textures ?? variant.family === 'register';
  const spec = emitMatmulKernel(p, { family: variant.family, limits, textures }, { registerTile: variant.tile });
  const flops = 2 * shape.m * shape.n * shape.k;
  // Fewer repetitions for big products keep the whole run short on a CPU adapter.
  const { bestMs } = await timeKernel(device, spec, [shape.m * shape.k, shape.k * shape.n, shape.m * shape.n], {
    reps: flops >= 2e9 ? 2 : 4,
    rounds: 5,
  });
  return { variant: variant.label, shape: shape.label, ms: bestMs, gflops: flops / (bestMs * 1e6) };
}
