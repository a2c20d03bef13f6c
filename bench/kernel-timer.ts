// Times one compute kernel on a device: `reps` dispatches recorded in one command
// buffer and submitted once, waited for with onSubmittedWorkDone; the median of
// several such rounds (and the fastest), divided by reps. Inputs are filled with
// small values. A kernel reading operand textures pays for their uploads before
// every dispatch, as it does in a plan.
import type { KernelSpec } from '../compiler/codegen/kernel-spec';
import { textureExtent } from '../compiler/codegen/wgsl/texture';
import { endPass, recordUpload } from '../runtime/executor/record';
import type { Recorder } from '../runtime/executor/record';
import type { TextureUpload } from '../runtime/executor/resources';

export interface KernelTiming {
  /** Median milliseconds per dispatch. */
  readonly ms: number;
  /** Fastest round's milliseconds per dispatch: the least disturbed by other load on a shared CPU. */
  readonly bestMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * `bindingWords[i]` is the number of 32-bit words of binding i (inputs then
 * outputs, as the spec declares them).
 */
export async function timeKernel(
  device: GPUDevice,
  spec: KernelSpec,
  bindingWords: readonly number[],
  opts: { reps?: number; rounds?: number } = {},
): Promise<KernelTiming> {
  const reps = opts.reps ?? 5;
  const rounds = opts.rounds ?? 5;
  const module = device.createShaderModule({ label: spec.name, code: spec.wgsl });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0)
    throw new Error(`${spec.name}: ${errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`).join('; ')}`);
  const pipeline = await device.createComputePipelineAsync({
    label: spec.name,
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
  });
  const buffers = bindingWords.map((words, i) => {
    const buffer = device.createBuffer({
      label: `${spec.name}.${i}`,
      size: Math.max(4, words * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    const view = new Float32Array(buffer.getMappedRange());
    for (let e = 0; e < view.length; e++) view[e] = ((e * 7919) % 17) / 17 - 0.5;
    buffer.unmap();
    return buffer;
  });
  const uploads: TextureUpload[] = (spec.textureInputs ?? []).map((t) => {
    const { width, height } = textureExtent(t.texels);
    const texture = device.createTexture({
      size: [width, height],
      format: 'rgba32float',
      usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.TEXTURE_BINDING,
    });
    return { src: { buffer: buffers[t.binding], offset: 0, size: t.texels * 16 }, texture, texels: t.texels };
  });
  const textureAt = new Map((spec.textureInputs ?? []).map((t, k) => [t.binding, uploads[k].texture]));
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => {
      const texture = textureAt.get(binding);
      return { binding, resource: texture ? texture.createView() : { buffer } };
    }),
  });
  const run = async (n: number): Promise<number> => {
    const rec: Recorder = { encoder: device.createCommandEncoder(), pass: null };
    for (let r = 0; r < n; r++) {
      for (const u of uploads) recordUpload(rec, u);
      rec.pass ??= rec.encoder.beginComputePass();
      rec.pass.setPipeline(pipeline);
      rec.pass.setBindGroup(0, bindGroup);
      rec.pass.dispatchWorkgroups(...spec.workgroups);
    }
    endPass(rec);
    const start = performance.now();
    device.queue.submit([rec.encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  };
  await run(1); // warm-up: the driver compiles the shader on first use
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push((await run(reps)) / reps);
  for (const b of buffers) b.destroy();
  for (const u of uploads) u.texture.destroy();
  return { ms: median(times), bestMs: Math.min(...times) };
}
