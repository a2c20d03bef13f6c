// Numbers about a plan: dispatches per call (loop bodies counted per iteration) and
// the device limits its kernels need (largest workgroup, most storage bindings).
import type { PlanEntry, PlanKernel, PlanTexture, Step } from '../../runtime/plan';
import { DEFAULT_MAX_TEXTURE_DIMENSION } from './wgsl/texture';

export function countDispatches(steps: readonly Step[]): number {
  let n = 0;
  for (const step of steps) {
    switch (step.kind) {
      case 'dispatch':
        n += 1;
        break;
      case 'copy':
        break;
      case 'loop':
        n += step.count * countDispatches(step.body);
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${String(never)}`);
      }
    }
  }
  return n;
}

/** Every dispatch step of a step list, loop bodies included (each once). */
export function dispatchSteps(steps: readonly Step[]): Extract<Step, { kind: 'dispatch' }>[] {
  const out: Extract<Step, { kind: 'dispatch' }>[] = [];
  for (const step of steps) {
    if (step.kind === 'dispatch') out.push(step);
    else if (step.kind === 'loop') out.push(...dispatchSteps(step.body));
  }
  return out;
}

const WORKGROUP_SIZE = /@workgroup_size\(\s*([^)]*)\)/;

/** The workgroup size a kernel declares (x, y, z), from its source. */
export function workgroupSize(wgsl: string): [number, number, number] {
  const m = WORKGROUP_SIZE.exec(wgsl);
  if (!m) return [1, 1, 1];
  const dims = m[1].split(',').map((s) => Number.parseInt(s.trim().replace(/u$/, ''), 10));
  return [dims[0] || 1, dims[1] || 1, dims[2] || 1];
}

export function collectLimits(
  kernels: readonly PlanKernel[],
  entries: readonly PlanEntry[],
  textures: readonly PlanTexture[] = [],
): Record<string, number> {
  let invocations = 1;
  let sizeX = 1;
  let sizeY = 1;
  for (const k of kernels) {
    const [x, y, z] = workgroupSize(k.wgsl);
    invocations = Math.max(invocations, x * y * z);
    sizeX = Math.max(sizeX, x);
    sizeY = Math.max(sizeY, y);
  }
  let bindings = 1;
  for (const e of entries)
    for (const d of dispatchSteps(e.steps))
      bindings = Math.max(bindings, d.bindings.length - (d.textures?.length ?? 0));
  const limits: Record<string, number> = {
    maxComputeInvocationsPerWorkgroup: invocations,
    maxComputeWorkgroupSizeX: sizeX,
    maxComputeWorkgroupSizeY: sizeY,
    maxStorageBuffersPerShaderStage: bindings,
  };
  // Operand textures: rows of TEXTURE_ROW_TEXELS, so only their height can pass WebGPU's default.
  const side = Math.max(0, ...textures.map((t) => Math.max(t.width, t.height)));
  if (side > DEFAULT_MAX_TEXTURE_DIMENSION) limits.maxTextureDimension2D = side;
  return limits;
}
