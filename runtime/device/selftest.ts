// A small compute kernel whose result is known, run to prove the device really
// executes WGSL (used by `dlc devices`). Returns "ok" or what went wrong.
import { DlcError } from '../errors';
import { withErrorScopes } from './checked';

const N = 4096;

const WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> total: array<atomic<u32>>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= ${N}u) { return; }
  y[i] = 2.0 * x[i] + 1.0;
  atomicAdd(&total[0], u32(x[i]));
}`;

export async function runSelfTest(device: GPUDevice): Promise<string> {
  try {
    return await withErrorScopes(device, 'self-test kernel', async () => {
      const x = Float32Array.from({ length: N }, (_, i) => i % 100);
      const input = device.createBuffer({
        size: x.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(input, 0, x);
      const output = device.createBuffer({
        size: x.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const total = device.createBuffer({
        size: 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(total, 0, new Uint32Array([0]));
      const readback = device.createBuffer({
        size: x.byteLength + 4,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });

      const module = device.createShaderModule({ label: 'dlc self-test', code: WGSL });
      const pipeline = device.createComputePipeline({
        label: 'dlc self-test',
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
      });
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [input, output, total].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(Math.ceil(N / 64));
      pass.end();
      encoder.copyBufferToBuffer(output, 0, readback, 0, x.byteLength);
      encoder.copyBufferToBuffer(total, 0, readback, x.byteLength, 4);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const mapped = readback.getMappedRange();
      const y = new Float32Array(mapped, 0, N);
      const sum = new Uint32Array(mapped, x.byteLength, 1)[0]!;
      let verdict = 'ok';
      const bad = x.findIndex((v, i) => y[i] !== 2 * v + 1);
      const expectedSum = x.reduce((s, v) => s + v, 0);
      if (bad >= 0) verdict = `wrong result: y[${bad}] = ${y[bad]}, expected ${2 * x[bad]! + 1}`;
      else if (sum !== expectedSum) verdict = `wrong atomic sum: ${sum}, expected ${expectedSum}`;
      readback.unmap();
      for (const b of [input, output, total, readback]) b.destroy();
      return verdict;
    });
  } catch (err) {
    if (err instanceof DlcError) return err.message;
    throw err;
  }
}
