// Times one compute kernel on a device: `reps` dispatches recorded in one compute
// pass and submitted once, waited for with onSubmittedWorkDone; the median of
// several such rounds (and the fastest), divided by reps. Inputs are filled with
// small values.
import type { KernelSpec } from '../compiler/ops/registry';

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
  if (errors.length > 0) throw new Error(`${spec.name}: ${errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`).join('; ')}`);
  const pipeline = await device.createComputePipelineAsync({ label: spec.name, layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buffers = bindingWords.map((words, i) => {
    const buffer = device.createBuffer({ label: `${spec.name}.${i}`, size: Math.max(4, words * 4), usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    const view = new Float32Array(buffer.getMappedRange());
    for (let e = 0; e < view.length; e++) view[e] = ((e * 7919) % 17) / 17 - 0.5;
    buffer.unmap();
    return buffer;
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const run = async (n: number): Promise<number> => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    for (let r = 0; r < n; r++) pass.dispatchWorkgroups(...spec.workgroups);
    pass.end();
    const start = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  };
  await run(1); // warm-up: the driver compiles the shader on first use
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push((await run(reps)) / reps);
  for (const b of buffers) b.destroy();
  return { ms: median(times), bestMs: Math.min(...times) };
}
