import { describe, expect, it } from 'vitest';
import { acquireDevice, createBufferChecked, withErrorScopes } from '../../runtime/device';
import { assertDeviceAlive, watchDeviceLoss } from '../../runtime/device/checked';
import { missingLibraries } from '../../runtime/device/libraries';
import { runSelfTest } from '../../runtime/device/selftest';
import { DlcError } from '../../runtime/errors';

// CI and these machines have no GPU: there the device must be Dawn's GL ES on llvmpipe.
const hasLibVulkan = process.platform === 'linux' && missingLibraries('vulkan').length === 0;

describe('acquireDevice', () => {
  it('opens a device and says what it is', async () => {
    const acquired = await acquireDevice();
    expect(['vulkan', 'metal', 'd3d12', 'opengles']).toContain(acquired.backend);
    expect(acquired.description.length).toBeGreaterThan(0);
    if (!hasLibVulkan && process.platform === 'linux') {
      expect(acquired.backend).toBe('opengles');
      expect(acquired.description).toMatch(/llvmpipe/);
      expect(acquired.featureLevel).toBe('compatibility');
      expect(acquired.software).toBe(true);
    }
  });

  it('raises the compute limits above the compatibility defaults', async () => {
    const { limits, adapter } = await acquireDevice();
    expect(limits.maxComputeInvocationsPerWorkgroup).toBe(adapter.limits.maxComputeInvocationsPerWorkgroup);
    expect(limits.maxStorageBuffersPerShaderStage).toBe(adapter.limits.maxStorageBuffersPerShaderStage);
    expect(limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThan(128);
  });

  it('returns the same device on every call', async () => {
    const a = await acquireDevice();
    const b = await acquireDevice();
    const c = await acquireDevice({ backend: a.backend });
    expect(b).toBe(a);
    expect(c.device).toBe(a.device);
  });

  it('names the limit when the caller asks for more than the adapter offers', async () => {
    const { limits } = await acquireDevice();
    const asked = limits.maxComputeInvocationsPerWorkgroup! * 2;
    await expect(acquireDevice({ requiredLimits: { maxComputeInvocationsPerWorkgroup: asked } })).rejects.toThrow(
      new RegExp(
        `maxComputeInvocationsPerWorkgroup = ${asked} \\(the adapter offers ${limits.maxComputeInvocationsPerWorkgroup}\\)`,
      ),
    );
    await expect(acquireDevice({ requiredLimits: { maxComputeInvocationsPerWorkgroup: 64 } })).resolves.toBeDefined();
  });

  it('rejects an unknown backend with the known ones listed', async () => {
    const err = await acquireDevice({ backend: 'nosuch' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DlcError);
    expect((err as DlcError).message).toMatch(
      /unknown backend 'nosuch'.*known backends: auto, vulkan, metal, d3d12, opengles, browser/,
    );
    expect((err as DlcError).message).not.toContain('\n');
  });

  it.skipIf(hasLibVulkan || process.platform !== 'linux')(
    'says which libraries are missing when a backend cannot load',
    async () => {
      await expect(acquireDevice({ backend: 'vulkan' })).rejects.toThrow(
        /no WebGPU adapter found \(tried vulkan: missing libvulkan\.so\.1\)/,
      );
    },
  );

  it('passes its own self-test', async () => {
    const { device } = await acquireDevice();
    expect(await runSelfTest(device)).toBe('ok');
  });
});

describe('error helpers', () => {
  it('withErrorScopes attributes a validation error to its label', async () => {
    const { device } = await acquireDevice();
    const label = "kernel 'matmul_2x3x4' (node %7 at model.dl:3:5)";
    const run = withErrorScopes(device, label, () => {
      // A storage buffer without STORAGE usage bound as storage is a validation error.
      const module = device.createShaderModule({
        code: '@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n@compute @workgroup_size(1) fn main() { x[0] = 1.0; }',
      });
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST });
      device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer } }],
      });
    });
    await expect(run).rejects.toThrow(DlcError);
    await expect(run).rejects.toThrow(/^kernel 'matmul_2x3x4' \(node %7 at model\.dl:3:5\): WebGPU validation error: /);
  });

  it('withErrorScopes passes results through when nothing fails', async () => {
    const { device } = await acquireDevice();
    await expect(withErrorScopes(device, 'fine', () => 42)).resolves.toBe(42);
  });

  it('createBufferChecked reports the bytes asked for', async () => {
    const { device } = await acquireDevice();
    const size = device.limits.maxBufferSize + 4;
    await expect(
      createBufferChecked(device, { size, usage: GPUBufferUsage.STORAGE, label: 'activations' }),
    ).rejects.toThrow(new RegExp(`buffer 'activations': ${size} bytes .*exceeds the device's maxBufferSize`));
    const ok = await createBufferChecked(device, { size: 1024, usage: GPUBufferUsage.STORAGE, label: 'small' });
    expect(ok.size).toBe(1024);
    ok.destroy();
  });
});

describe('device loss', () => {
  // Dawn cannot be made to lose a real device on demand, so a stand-in carries the `lost` promise.
  function standIn(info: { reason: GPUDeviceLostReason; message: string }): GPUDevice {
    return { lost: Promise.resolve(info) } as unknown as GPUDevice;
  }

  it('reports the reason once the device is lost', async () => {
    const device = standIn({ reason: 'unknown', message: 'the driver reset' });
    let seen = '';
    watchDeviceLoss(device, (message) => (seen = message));
    await device.lost;
    await Promise.resolve();
    expect(seen).toBe('GPU device lost (unknown): the driver reset');
    expect(() => assertDeviceAlive(device)).toThrow(new DlcError('GPU device lost (unknown): the driver reset'));
    await expect(withErrorScopes(device, 'step', () => 1)).rejects.toThrow(/GPU device lost \(unknown\)/);
  });

  it('does not treat an intentional destroy() as a loss', async () => {
    const device = standIn({ reason: 'destroyed', message: '' });
    watchDeviceLoss(device);
    await device.lost;
    await Promise.resolve();
    expect(() => assertDeviceAlive(device)).not.toThrow();
  });
});
