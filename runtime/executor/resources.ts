// The GPU objects of a plan, made once when a model is created: one GPUBuffer per
// arena, a pipeline per kernel (all compiled concurrently with
// createComputePipelineAsync, identical sources compiled once) with an explicit
// bind-group layout from the binding convention, and one bind group per dispatch
// step. Steps are then "prepared": plan indices replaced by the objects they name.
import { DlcError } from '../errors';
import { createBufferChecked, withErrorScopes } from '../device';
import type { DispatchStep, Plan, PlanKernel, Step } from '../plan';

export interface Bound {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/** A buffer copied into an operand texture before a dispatch (TEXTURE_ROW_TEXELS texels a row). */
export interface TextureUpload {
  readonly src: Bound;
  readonly texture: GPUTexture;
  readonly texels: number;
}

export type PreparedStep =
  | {
      readonly kind: 'dispatch';
      readonly step: DispatchStep;
      readonly kernel: PlanKernel;
      readonly pipeline: GPUComputePipeline;
      readonly bindGroup: GPUBindGroup;
      /** The arena of each binding, in binding order. */
      readonly buffers: readonly GPUBuffer[];
      /**
       * Operand textures to fill before the dispatch: those whose TextureBinding does
       * not say `upload: false` (the texture then still holds the buffer's bytes from
       * an earlier upload in the same entry call; compiler/codegen/textures-plan.ts).
       */
      readonly uploads: readonly TextureUpload[];
    }
  | { readonly kind: 'copy'; readonly src: Bound; readonly dst: Bound; readonly step: Extract<Step, { kind: 'copy' }> }
  | { readonly kind: 'loop'; readonly step: Extract<Step, { kind: 'loop' }>; readonly body: readonly PreparedStep[] };

// GPUBufferUsage / GPUMapMode values from the WebGPU spec (the globals are not
// installed everywhere a generated module may be imported).
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
export const MAP_READ_MODE = 0x1;
const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

export async function createArenas(device: GPUDevice, plan: Plan): Promise<GPUBuffer[]> {
  return Promise.all(
    plan.arenas.map((arena) =>
      createBufferChecked(device, {
        size: Math.max(4, Math.ceil(arena.bytes / 4) * 4),
        usage: STORAGE_USAGE,
        label: `${plan.model}:${arena.name}`,
      }),
    ),
  );
}

// GPUTextureUsage values from the WebGPU spec.
const TEXTURE_USAGE = { COPY_DST: 0x2, TEXTURE_BINDING: 0x4 } as const;

/** The plan's operand textures (rgba32float, filled by uploads before the dispatches that read them). */
export function createTextures(device: GPUDevice, plan: Plan): GPUTexture[] {
  return (plan.textures ?? []).map((t) =>
    device.createTexture({
      size: [t.width, t.height],
      format: 'rgba32float',
      usage: TEXTURE_USAGE.COPY_DST | TEXTURE_USAGE.TEXTURE_BINDING,
      label: `${plan.model}:texture ${t.id} (${t.width}x${t.height})`,
    }),
  );
}

export function boundOf(plan: Plan, arenas: readonly GPUBuffer[], buffer: number): Bound {
  const slice = plan.layout[buffer];
  return { buffer: arenas[slice.arena], offset: slice.offset, size: slice.size };
}

/** A dispatch's binding pattern: how many bindings, how many of them written (with the kernel, it fixes the layout). */
function layoutKey(step: DispatchStep): string {
  const textures = step.textures?.map((t) => t.binding).join(',') ?? '';
  return `${step.bindings.length - step.writes.length}r${step.writes.length}w${step.bindings.length}${textures ? `t${textures}` : ''}`;
}

interface Compiled {
  readonly pipelines: Map<string, GPUComputePipeline>;
  readonly compileMs: number;
}

/**
 * Compiles every (kernel, binding pattern) pair in the plan concurrently. A compile
 * failure is a DlcError naming the kernel's label (its IR node and .dl span).
 */
export async function compilePipelines(
  device: GPUDevice,
  plan: Plan,
  steps: readonly DispatchStep[],
): Promise<Compiled> {
  const started = performance.now();
  const modules = new Map<string, GPUShaderModule>();
  const pending = new Map<string, Promise<GPUComputePipeline>>();
  const pipelines = new Map<string, GPUComputePipeline>();
  const jobs: Promise<void>[] = [];
  for (const step of steps) {
    const kernel = plan.kernels[step.kernel];
    const key = `${step.kernel}:${layoutKey(step)}`;
    if (pending.has(key)) continue;
    // Identical sources with identical layouts share one pipeline.
    const shareKey = `${layoutKey(step)}\n${kernel.wgsl}`;
    let shared = pending.get(shareKey);
    if (!shared) {
      let module = modules.get(kernel.wgsl);
      if (!module) {
        module = device.createShaderModule({ code: kernel.wgsl, label: kernel.label });
        modules.set(kernel.wgsl, module);
      }
      shared = createPipeline(device, kernel, module, step);
      pending.set(shareKey, shared);
    }
    pending.set(key, shared);
    jobs.push(shared.then((p) => void pipelines.set(key, p)));
  }
  await Promise.all(jobs);
  return { pipelines, compileMs: performance.now() - started };
}

function bindGroupLayout(device: GPUDevice, kernel: PlanKernel, step: DispatchStep): GPUBindGroupLayout {
  // The registry's convention: inputs (read-only), outputs (read_write), then the
  // scalars buffer (read-only) where the kernel uses it.
  // Inputs uploaded into operand textures are bound as unfilterable-float textures.
  const firstWrite = step.bindings.length - step.writes.length - (kernel.usesScalars ? 1 : 0);
  const textured = new Set(step.textures?.map((t) => t.binding));
  const entries: GPUBindGroupLayoutEntry[] = step.bindings.map((_, k) => ({
    binding: k,
    visibility: 0x4, // GPUShaderStage.COMPUTE
    ...(textured.has(k)
      ? { texture: { sampleType: 'unfilterable-float', viewDimension: '2d' } }
      : { buffer: { type: k >= firstWrite && k < firstWrite + step.writes.length ? 'storage' : 'read-only-storage' } }),
  }));
  return device.createBindGroupLayout({ entries, label: kernel.label });
}

async function createPipeline(
  device: GPUDevice,
  kernel: PlanKernel,
  module: GPUShaderModule,
  step: DispatchStep,
): Promise<GPUComputePipeline> {
  const layout = device.createPipelineLayout({
    bindGroupLayouts: [bindGroupLayout(device, kernel, step)],
    label: kernel.label,
  });
  try {
    return await device.createComputePipelineAsync({
      layout,
      compute: { module, entryPoint: 'main' },
      label: kernel.label,
    });
  } catch (err) {
    const info = await module.getCompilationInfo().catch(() => undefined);
    const first = info?.messages.find((m) => m.type === 'error');
    const detail = first
      ? `WGSL line ${first.lineNum}:${first.linePos}: ${first.message}`
      : err instanceof Error
        ? err.message
        : String(err);
    throw new DlcError(`kernel ${kernel.label}: pipeline creation failed: ${detail.replace(/\s*\n\s*/g, ' | ')}`);
  }
}

export function pipelineKey(step: DispatchStep): string {
  return `${step.kernel}:${layoutKey(step)}`;
}

/** Replaces plan indices by GPU objects; makes each dispatch's bind group once. */
export async function prepareSteps(
  device: GPUDevice,
  plan: Plan,
  arenas: readonly GPUBuffer[],
  pipelines: ReadonlyMap<string, GPUComputePipeline>,
  steps: readonly Step[],
  textures: readonly GPUTexture[] = [],
): Promise<PreparedStep[]> {
  const out: PreparedStep[] = [];
  for (const step of steps) {
    switch (step.kind) {
      case 'dispatch': {
        const kernel = plan.kernels[step.kernel];
        const pipeline = pipelines.get(pipelineKey(step));
        if (!pipeline) throw new Error(`no pipeline for kernel ${kernel.label}`);
        const textureOf = new Map(step.textures?.map((t) => [t.binding, textures[t.texture]]));
        const bindGroup = await withErrorScopes(device, `kernel ${kernel.label}: bind group`, () =>
          device.createBindGroup({
            layout: pipeline.getBindGroupLayout(0),
            entries: step.bindings.map((b, k) => {
              const texture = textureOf.get(k);
              if (texture) return { binding: k, resource: texture.createView() };
              const bound = boundOf(plan, arenas, b);
              return { binding: k, resource: { buffer: bound.buffer, offset: bound.offset, size: bound.size } };
            }),
            label: kernel.label,
          }),
        );
        const uploads = (step.textures ?? [])
          .filter((t) => t.upload !== false)
          .map((t) => {
            const texture = textures[t.texture];
            if (!texture) throw new DlcError(`kernel ${kernel.label}: the plan has no texture ${t.texture}`);
            return { src: boundOf(plan, arenas, step.bindings[t.binding]), texture, texels: t.texels };
          });
        out.push({
          kind: 'dispatch',
          step,
          kernel,
          pipeline,
          bindGroup,
          buffers: step.bindings.map((b) => boundOf(plan, arenas, b).buffer),
          uploads,
        });
        break;
      }
      case 'copy':
        out.push({ kind: 'copy', step, src: boundOf(plan, arenas, step.src), dst: boundOf(plan, arenas, step.dst) });
        break;
      case 'loop':
        out.push({
          kind: 'loop',
          step,
          body: await prepareSteps(device, plan, arenas, pipelines, step.body, textures),
        });
        break;
      default: {
        const never: never = step;
        throw new DlcError(`unknown plan step ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}
