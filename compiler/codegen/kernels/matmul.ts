// The matmul kernel generator: C = op(A)·op(B) for all four transpose variants,
// batched with broadcasting, shape constants baked in, with an optional fused
// epilogue. The family follows the adapter: 'register' (register tiling, no
// workgroup memory) for llvmpipe-like CPUs, 'shared' (workgroup-memory tiles) for GPUs.
import type { TensorType } from '../../ir/types';
import type { KernelContext, KernelSpec } from '../kernel-spec';
import type { MatmulEpilogue } from './matmul-epilogue';
import type { MatmulProblem } from './matmul-problem';
import { emitRegisterMatmul, operandTextures, registerTileFor } from './matmul-register';
import type { RegisterTile } from './matmul-register';
import { emitSharedMatmul, sharedWorkgroupSide } from './matmul-shared';
import { emitMatvec, isMatvec } from './matvec';

export type { EpilogueLayout, EpilogueOperand, EpilogueOutput, MatmulEpilogue } from './matmul-epilogue';
export type { MatmulProblem } from './matmul-problem';
export type { RegisterTile } from './matmul-register';
export { DEFAULT_REGISTER_TILE } from './matmul-register';

/** The problem a `matmul` node with these operand types and transpose flags poses. */
export function matmulProblem(a: TensorType, b: TensorType, transA: boolean, transB: boolean): MatmulProblem {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [a0, a1] = [a.shape[ra - 2], a.shape[ra - 1]];
  const [b0, b1] = [b.shape[rb - 2], b.shape[rb - 1]];
  return {
    batchA: a.shape.slice(0, ra - 2),
    batchB: b.shape.slice(0, rb - 2),
    m: transA ? a1 : a0,
    k: transA ? a0 : a1,
    n: transB ? b0 : b1,
    transA,
    transB,
  };
}

export interface MatmulKernelOptions {
  readonly epilogue?: MatmulEpilogue;
  /** Overrides the register family's block shape (used by the kernel-shape benchmark). */
  readonly registerTile?: RegisterTile;
}

/** One compute shader for the problem, in the family the context asks for. */
export function emitMatmulKernel(
  p: MatmulProblem,
  ctx: Pick<KernelContext, 'family' | 'limits' | 'textures'>,
  options: MatmulKernelOptions = {},
): KernelSpec {
  // n == 1 or m == 1: one output per invocation instead of a mostly idle register block (kernels/matvec.ts).
  if (ctx.family === 'register' && !options.registerTile && isMatvec(p)) return emitMatvec(p, options.epilogue);
  switch (ctx.family) {
    case 'register': {
      const tile = options.registerTile ?? registerTileFor(p);
      return emitRegisterMatmul(p, tile, options.epilogue, operandTextures(p, tile, ctx));
    }
    case 'shared':
      return emitSharedMatmul(
        p,
        sharedWorkgroupSide(ctx.limits.maxComputeInvocationsPerWorkgroup ?? 256),
        options.epilogue,
      );
    default:
      throw new Error(`unknown kernel family ${ctx.family satisfies never}`);
  }
}
