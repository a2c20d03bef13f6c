// The runtime types that a generated module's declarations name besides the plan's
// (plan.ts). `dlc compile` copies the types of this file, plan.ts and Span into
// DIR/dlc-runtime.d.ts (compiler/codegen/module-types.ts), so that <model>.d.ts
// type-checks in a project without dlc installed: keep this file to types only.

export interface ModelOptions {
  /** A device to run on; default: the process's device (hardware first, then llvmpipe). */
  readonly device?: GPUDevice;
  /** Seed of the initializers and random ops (u32); default 0. */
  readonly seed?: number;
  /** Check every kernel's outputs for NaN/Inf and report the first with its .dl location (slow). */
  readonly checkNumerics?: boolean;
  /**
   * The kernel family to run. A module compiled with `--target adaptive` carries both and,
   * by default, picks 'register' on a CPU adapter (llvmpipe, SwiftShader) and 'shared' on a
   * GPU; any other module carries one family and refuses the other.
   */
  readonly family?: 'register' | 'shared';
}

export type NamedTensors = Record<string, Float32Array | Int32Array | Uint32Array>;
