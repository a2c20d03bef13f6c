// What a fused pattern's emitter returns: the kernel, and which of the fused
// node's inputs and outputs its bindings take, in binding order (inputs first,
// then outputs, as the registry's convention has them).
import type { KernelSpec } from './kernel-spec';

export interface FusedKernel {
  readonly spec: KernelSpec;
  /** Indices into the fused node's inputs, in binding order. */
  readonly inputs: readonly number[];
  /** Indices into the fused node's outputs, in binding order (after the inputs). */
  readonly outputs: readonly number[];
  /**
   * A view bound as the first output binding (before `outputs`), holding the node's
   * outputs `outputs`, written in place over its members (update-arena.ts).
   */
  readonly view?: { readonly buffer: number; readonly outputs: readonly number[] };
}
