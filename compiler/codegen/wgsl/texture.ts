// Operand textures: a kernel input read through `texture_2d<f32>` (rgba32float)
// instead of a storage buffer. On llvmpipe a storage-buffer load whose address
// differs across the 8 SIMD lanes is a per-lane loop of scalar loads with a bounds
// check each, while a texel fetch is one 16-byte load per lane and a transpose into
// lanes; the register-tiled matmul reads its operands this way 1.2–1.5× faster
// than from buffers with the same block (docs/performance.md). The texture holds the buffer's bytes in order,
// TEXTURE_ROW_TEXELS texels per row, so vec4 i of the buffer sits at
// (i % TEXTURE_ROW_TEXELS, i / TEXTURE_ROW_TEXELS): the kernel indexes it exactly as
// it would index an `array<vec4<f32>>`, and the upload is one copyBufferToTexture
// of whole 4 KiB rows plus one for the last, partial row.
import type { KernelContext } from '../kernel-spec';
import { TEXTURE_ROW_TEXELS } from '../../../runtime/plan';

export { TEXTURE_ROW_TEXELS } from '../../../runtime/plan';

/** WebGPU's default maxTextureDimension2D, assumed where the limits do not say more. */
export const DEFAULT_MAX_TEXTURE_DIMENSION = 8192;

/** The texture extent holding `texels` vec4s. */
export function textureExtent(texels: number): { width: number; height: number } {
  return { width: Math.min(texels, TEXTURE_ROW_TEXELS), height: Math.max(1, Math.ceil(texels / TEXTURE_ROW_TEXELS)) };
}

/** Whether an operand of `elements` f32s may be read through a texture under `ctx`. */
export function textureOperandFits(ctx: Pick<KernelContext, 'textures' | 'limits'>, elements: number): boolean {
  if (ctx.textures !== true || elements % 4 !== 0 || elements === 0) return false;
  const maxSide = ctx.limits.maxTextureDimension2D ?? DEFAULT_MAX_TEXTURE_DIMENSION;
  return textureExtent(elements / 4).height <= maxSide;
}

/**
 * The declaration of texture operand `name` at `binding` and its fetch function
 * `load_<name>(i: u32) -> vec4<f32>`, vec4 i of the uploaded buffer.
 */
export function textureOperand(name: string, binding: number): string[] {
  const shift = Math.log2(TEXTURE_ROW_TEXELS);
  return [
    `@group(0) @binding(${binding}) var ${name}: texture_2d<f32>;`,
    `fn load_${name}(i: u32) -> vec4<f32> { return textureLoad(${name}, vec2<u32>(i & ${TEXTURE_ROW_TEXELS - 1}u, i >> ${shift}u), 0); }`,
  ];
}
