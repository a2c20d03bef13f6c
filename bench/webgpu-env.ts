// Gives the JavaScript peers (TF.js, jax-js) a browser-like WebGPU environment in
// Node: the WebGPU globals (GPUBufferUsage...) and a `navigator` with `gpu` and a
// `userAgent`, backed by a Dawn instance on the same backend and adapter dlc uses.
// The peers' requestAdapter calls are forced to the compatibility feature level
// when dlc's device is (Dawn's OpenGL ES backend on llvmpipe offers nothing else).
export interface PeerGpu {
  readonly gpu: GPU;
  /** The adapter the peers get, in words. */
  readonly description: string;
}

// Dawn tears instances down under live devices unless they stay referenced.
const keepAlive: unknown[] = [];

export async function installPeerWebGpu(backend: string, featureLevel: 'core' | 'compatibility'): Promise<PeerGpu> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const dawn = create([`backend=${backend}`]);
  keepAlive.push(dawn);
  const gpu = {
    requestAdapter: async (options?: GPURequestAdapterOptions) => {
      // High performance, as runtime/device.ts asks for hardware backends: the discrete GPU, not a CPU rasteriser beside it.
      const adapter = await dawn.requestAdapter({
        ...options,
        featureLevel,
        ...(featureLevel === 'core' ? { powerPreference: 'high-performance' as const } : {}),
      });
      if (adapter) keepAlive.push(adapter);
      return adapter;
    },
    getPreferredCanvasFormat: () => 'rgba8unorm' as GPUTextureFormat,
    wgslLanguageFeatures: dawn.wgslLanguageFeatures,
  } as unknown as GPU;
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, userAgent: 'node' },
    configurable: true,
    writable: true,
  });
  const adapter = await gpu.requestAdapter();
  const info = adapter?.info;
  const description = info
    ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ')
    : 'no adapter';
  return { gpu, description };
}
