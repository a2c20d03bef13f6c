// The interface between an op's kernel emitter (compiler/ops, compiler/codegen/kernels)
// and the code generator: what one compute shader is, and what an emitter may ask.
/**
 * One compute shader for one node (or fused group). Binding convention, all in
 * @group(0): bindings 0..n-1 are the node's inputs (read-only storage), then its
 * outputs (read_write storage), then, when `usesScalars` is set, one read-only
 * storage buffer `scalars: array<u32>` holding the runtime scalars (index 0: seed,
 * 1: step, then the plan's named scalars such as learning rates, f32 bit-cast).
 * Buffers hold tightly packed elements: f32 as f32, i32 as i32, u32 and bool as u32.
 * Shapes are baked into the source as constants. The entry point is `main`.
 */
export interface KernelSpec {
  /** Readable name: `matmul_128x784x512`, `fused_add_relu`. */
  readonly name: string;
  readonly wgsl: string;
  readonly workgroups: readonly [number, number, number];
  readonly usesScalars?: boolean;
  /**
   * Inputs the kernel declares as `texture_2d<f32>` operand textures instead of
   * storage buffers (compiler/codegen/wgsl/texture.ts): the plan uploads each from
   * its buffer right before the dispatch. Only where KernelContext.textures allows.
   */
  readonly textureInputs?: readonly { readonly binding: number; readonly texels: number }[];
}

/** What a kernel emitter may ask of the code generator. */
export interface KernelContext {
  /** The device's limits that shape kernels (workgroup size, storage buffers per stage). */
  readonly limits: Readonly<Record<string, number>>;
  /** Kernel family preference: 'register' for CPU-like adapters (llvmpipe), 'shared' for GPUs. */
  readonly family: 'register' | 'shared';
  /** Whether kernels may read operands through textures (KernelSpec.textureInputs); on by default for the register family. */
  readonly textures?: boolean;
}
