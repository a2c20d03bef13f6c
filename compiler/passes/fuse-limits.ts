// The device limits fusion must respect, read from the pass context (the limits
// of the device the plan is generated for; portable WebGPU defaults otherwise).
import type { PassContext } from './context';

/** WebGPU's default maxStorageBuffersPerShaderStage, used when no limits are given. */
export const DEFAULT_STORAGE_BUFFERS = 8;

/** Storage buffers one kernel may bind. */
export function storageBufferLimit(ctx: PassContext): number {
  return ctx.limits?.maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS;
}
