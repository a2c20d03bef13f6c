// The compiled execution plan as plain data: what the code generator produces, what
// a generated module embeds (it is JSON-serialisable), and what the executor runs.
// It holds no compiler objects: the runtime reads it without importing the compiler.
import type { Span } from './errors';

export type PlanDType = 'f32' | 'i32' | 'u32' | 'bool';

/** How a persistent buffer starts: an initializer name and its numeric arguments. */
export interface PlanInit {
  readonly name: string;
  readonly args: Readonly<Record<string, number>>;
  /** `load`: the starting elements, read from a file when the model was compiled. */
  readonly data?: readonly number[];
}

/**
 * What a buffer holds:
 * - param / state / slot: persistent tensors, one per name, living across calls;
 * - scalar: one runtime scalar (a learning rate) as a 4-byte f32 tensor, bound like any input;
 * - scalars: the packed `scalars: array<u32>` buffer (0 seed, 1 step, then the named scalars);
 * - input: data uploaded per entry call;
 * - temp: an intermediate of one entry (its carried loop values and stacked emits included);
 * - const: filled once at creation from `data` (loop index tables);
 * - view: no tensor of its own but the arena holding its `members` (params and slots
 *   placed together), bound whole by the fused optimizer update (compiler/codegen/update-arena.ts).
 */
export type BufferKind = 'param' | 'state' | 'slot' | 'scalar' | 'scalars' | 'input' | 'temp' | 'const' | 'view';

/** A buffer placed inside a view's arena, at `offset` bytes from its start. */
export interface ViewMember {
  readonly buffer: number;
  readonly offset: number;
}

export interface PlanBuffer {
  readonly id: number;
  /** `fc1.W`, `step.x`, `step.%12` (entry-qualified for per-entry buffers). */
  readonly name: string;
  readonly kind: BufferKind;
  readonly dtype: PlanDType;
  readonly shape: readonly number[];
  /** Bytes of the tensor (4 per element, at least 4). */
  readonly bytes: number;
  /** The entry owning an input/temp buffer. */
  readonly entry?: string;
  /** Persistent buffers: how they start. */
  readonly init?: PlanInit;
  /** Const buffers: their elements. */
  readonly data?: readonly number[];
  /** View buffers: the persistent buffers laid out in it (its bytes cover them all). */
  readonly members?: readonly ViewMember[];
}

/**
 * Where a buffer lives. Every buffer is a slice of one arena (one GPUBuffer); the
 * memory planner may place several buffers in one arena. Until it exists each
 * buffer has an arena of its own at offset 0.
 */
/**
 * Offsets of slices within an arena are multiples of this (WebGPU's
 * minStorageBufferOffsetAlignment). A dispatch may not read and write slices of the
 * same arena: WebGPU forbids one GPUBuffer bound read-only and writable in one
 * dispatch (and Dawn rejects `read` bindings laid out as writable), so the memory
 * planner must put a kernel's outputs in a different arena from its inputs.
 */
export const SLICE_ALIGNMENT = 256;

export interface BufferSlice {
  readonly arena: number;
  readonly offset: number;
  readonly size: number;
}

export interface PlanArena {
  readonly name: string;
  readonly bytes: number;
}

/** Which IR node (or fused group) a kernel evaluates, for error messages. */
export interface KernelOrigin {
  readonly nodes: readonly { readonly id: number; readonly op: string }[];
  readonly span?: Span;
}

export interface PlanKernel {
  readonly id: number;
  /** `step/%12 matmul_128x784x512 @ mnist_mlp.dl:9:14`: names the IR node and span. */
  readonly label: string;
  readonly name: string;
  readonly wgsl: string;
  readonly workgroups: readonly [number, number, number];
  /** Binds the packed scalars buffer after its outputs. */
  readonly usesScalars: boolean;
  readonly origin: KernelOrigin;
}

export interface DispatchStep {
  readonly kind: 'dispatch';
  readonly kernel: number;
  /** Buffer ids in binding order (inputs, outputs, then the scalars buffer where used). */
  readonly bindings: readonly number[];
  /** Bindings that the kernel writes (its outputs), checked by the numerics guard. */
  readonly writes: readonly number[];
  /** Inputs the kernel reads through a texture: each is uploaded from its buffer right before the dispatch unless `upload` is false. */
  readonly textures?: readonly TextureBinding[];
}

/**
 * Operand textures (see compiler/codegen/wgsl/texture.ts): an rgba32float texture
 * holding a buffer's bytes in order, TEXTURE_ROW_TEXELS texels (4 floats each) per
 * row, so that a kernel can fetch vec4 i at (i % width, i / width). On CPU adapters
 * a texture fetch is a vector gather where a storage-buffer load whose address
 * differs across SIMD lanes is a per-lane scalar loop.
 */
export interface PlanTexture {
  readonly id: number;
  readonly width: number;
  readonly height: number;
}

/** Texels in one row of an operand texture: 4 KiB, a multiple of the 256 bytes copyBufferToTexture asks of each row. */
export const TEXTURE_ROW_TEXELS = 256;

/** Binding `binding` of a dispatch (an input buffer) is read as texture `texture`, holding the buffer's first `texels` vec4s. */
export interface TextureBinding {
  readonly binding: number;
  readonly texture: number;
  readonly texels: number;
  /**
   * False where the texture already holds the buffer's current bytes: an earlier
   * step of the same entry call uploaded them, and since then nothing wrote the
   * buffer nor uploaded into the texture (compiler/codegen/textures-plan.ts).
   * Absent: upload.
   */
  readonly upload?: boolean;
}

/**
 * A buffer-to-buffer copy. Its source and destination must lie in different arenas:
 * WebGPU forbids copyBufferToBuffer within one GPUBuffer (the memory planner must
 * keep copy pairs apart, or turn such a copy into a copy kernel).
 */
export interface CopyStep {
  readonly kind: 'copy';
  readonly src: number;
  readonly dst: number;
  /** Byte offsets; in a loop body, `*PerIter` bytes are added per iteration index t. */
  readonly srcOffset: number;
  readonly dstOffset: number;
  readonly srcOffsetPerIter?: number;
  readonly dstOffsetPerIter?: number;
  readonly bytes: number;
  /** The .dl code the copy comes from (an assign, a loop's carried value). */
  readonly span?: Span;
}

/**
 * A loop recorded into the same command buffer: `count` iterations of `body`, with
 * iteration index t (0..count-1, or count-1..0 when `reverse`); copy steps inside
 * the body address per-iteration offsets from t. The body's carried values are
 * written back by copy steps at the end of the body.
 */
export interface LoopStep {
  readonly kind: 'loop';
  readonly count: number;
  readonly reverse: boolean;
  readonly body: readonly Step[];
  /** The IR node of the loop, for labels. */
  readonly label: string;
  readonly span?: Span;
}

export type Step = DispatchStep | CopyStep | LoopStep;

export interface PlanTensorRef {
  readonly name: string;
  readonly dtype: PlanDType;
  readonly shape: readonly number[];
  readonly buffer: number;
}

/**
 * The batch rows of an entry (compiler/ir/batch-rows.ts): a call may give 1..size rows
 * of `inputs`; it runs as the zero-padded full batch and `outputs` come back with the
 * rows given. Other outputs come back whole.
 */
export interface PlanBatch {
  readonly size: number;
  /** Inputs declared `[batch, …]`. */
  readonly inputs: readonly string[];
  /** Outputs computed row by row (row axis 0). */
  readonly outputs: readonly string[];
  /** Why a call must give all `size` rows, and where in the .dl source; absent: fewer rows are accepted. */
  readonly fixed?: { readonly reason: string; readonly span?: Span };
}

/**
 * An integer input used as indices (compiler/ir/index-ranges.ts): its values must lie in
 * [0, size). A call with a value outside is refused, naming the use (runtime/executor/index-check.ts).
 */
export interface PlanIndexRange {
  readonly input: string;
  readonly size: number;
  /** What an index picks: "a row of 'emb'". */
  readonly use: string;
  /** Where the use is in the .dl source. */
  readonly span?: Span;
}

export interface PlanEntry {
  readonly name: string;
  readonly kind: 'infer' | 'train' | 'sample' | 'update';
  /** Where the entry point is defined in the .dl source. */
  readonly span?: Span;
  readonly inputs: readonly PlanTensorRef[];
  readonly outputs: readonly PlanTensorRef[];
  readonly steps: readonly Step[];
  /** Present where some inputs are declared `[batch, …]`. */
  readonly batch?: PlanBatch;
  /** Present where integer inputs are used as indices. */
  readonly indexRanges?: readonly PlanIndexRange[];
  /** Summary numbers reported by `dlc compile`. */
  readonly stats: {
    readonly kernels: number;
    readonly kernelsUnfused: number;
    readonly dispatches: number;
    readonly peakBytes: number;
    /** Bytes of the operand textures the entry's kernels read (beside peakBytes, which counts buffers). */
    readonly textureBytes?: number;
    readonly naiveBytes: number;
    /** Fusions a device limit split, one line each (`fused_mul_add: maxStorageBuffersPerShaderStage (8)`). */
    readonly fusionSplits?: readonly string[];
    /** Dispatches with each param's optimizer update in kernels of its own; present where updates were fused. */
    readonly dispatchesUnfusedUpdates?: number;
  };
}

export interface PlanScalar {
  readonly name: string;
  readonly value: number;
  /** Its own 4-byte buffer, bound to kernels that read it as a tensor. */
  readonly buffer: number;
  /**
   * Its word in the packed scalars buffer (f32 bits), kept equal to its own buffer: kernels
   * that read many scalars (the fused optimizer update) read them there, in one binding.
   */
  readonly word: number;
}

/** Kernel family: 'register' for CPU adapters (llvmpipe, SwiftShader), 'shared' (workgroup memory) for GPUs. */
export type KernelFamily = 'register' | 'shared';

export interface Plan {
  readonly version: 1;
  readonly model: string;
  /** The kernel family the plan's kernels were generated for (absent in plans from before it was recorded). */
  readonly family?: KernelFamily;
  readonly buffers: readonly PlanBuffer[];
  readonly arenas: readonly PlanArena[];
  /** Indexed by buffer id. */
  readonly layout: readonly BufferSlice[];
  readonly kernels: readonly PlanKernel[];
  /** Operand textures, shared by the dispatches that upload into them (absent: none). */
  readonly textures?: readonly PlanTexture[];
  /** Id of the packed scalars buffer. */
  readonly scalarsBuffer: number;
  readonly scalars: readonly PlanScalar[];
  readonly entries: readonly PlanEntry[];
  /** Device limits the kernels were generated for (workgroup sizes, storage buffers). */
  readonly requiredLimits: Readonly<Record<string, number>>;
}

/**
 * The packed scalars buffer starts with two words, the seed and the step counter (random
 * kernels read them), followed by each named scalar's f32 bits (PlanScalar.word).
 */
export const SEED_INDEX = 0;
export const STEP_INDEX = 1;
export const SCALAR_WORDS = 2;

export function isPersistentKind(kind: BufferKind): kind is 'param' | 'state' | 'slot' {
  return kind === 'param' || kind === 'state' || kind === 'slot';
}
