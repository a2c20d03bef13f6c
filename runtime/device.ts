// Device acquisition: one function that gives the caller a GPUDevice and says what
// it is. Node uses Dawn (npm `webgpu`, loaded with a dynamic import so a browser
// bundle with 'webgpu' external never reaches it); a browser uses navigator.gpu.
// Auto order in Node: a hardware adapter (Vulkan / Metal / D3D12), else Dawn's
// OpenGL ES backend on Mesa llvmpipe. DLC_BACKEND or req.backend picks one.
// In Node it also installs the WebGPU globals (GPUBufferUsage, GPUMapMode, ...).
import { DlcError } from './errors';
import { missingLibraries } from './device/libraries';
import { watchDeviceLoss } from './device/checked';

export { withErrorScopes, createBufferChecked, assertDeviceAlive } from './device/checked';

export type Backend = 'vulkan' | 'metal' | 'd3d12' | 'opengles' | 'browser';
export const BACKENDS: readonly Backend[] = ['vulkan', 'metal', 'd3d12', 'opengles', 'browser'];

export interface DeviceRequest {
  /** A backend name, or 'auto' (the default; DLC_BACKEND overrides it). */
  readonly backend?: string;
  /** Limits the caller needs; more than the adapter offers is a DlcError. */
  readonly requiredLimits?: Readonly<Record<string, number>>;
}

export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  readonly backend: Backend;
  readonly description: string;
  readonly featureLevel: 'core' | 'compatibility';
  /** The limits granted to the device. */
  readonly limits: Readonly<Record<string, number>>;
  /** A CPU rasteriser (llvmpipe, SwiftShader, lavapipe): kernels should favour registers over shared memory. */
  readonly software: boolean;
}

/** Limits raised by default to what the adapter offers (compatibility mode starts low). */
const RAISED_LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxTextureDimension2D',
] as const;

/** Standard limit names reported in AcquiredDevice.limits. */
const LIMIT_NAMES = [
  ...RAISED_LIMITS,
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxBindGroups',
  'maxBindingsPerBindGroup',
  'maxUniformBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
] as const;

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|softpipe|software rasterizer|microsoft basic render/i;

// Dawn instances and adapters must stay referenced for the whole process, or
// Dawn tears them down under live devices (segfaults).
const keepAlive: unknown[] = [];

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function knownNames(): string {
  return ['auto', ...BACKENDS].join(', ');
}

function requestedBackend(req: DeviceRequest): { name: string; source: string } {
  if (req.backend !== undefined) return { name: req.backend.toLowerCase(), source: '--backend' };
  const env = isNode() ? process.env.DLC_BACKEND : undefined;
  if (env) return { name: env.toLowerCase(), source: 'DLC_BACKEND' };
  return { name: 'auto', source: 'default' };
}

/** Gives the process's device for the requested backend (the same one on every call). */
export async function acquireDevice(req: DeviceRequest = {}): Promise<AcquiredDevice> {
  const { name, source } = requestedBackend(req);
  if (name !== 'auto' && !(BACKENDS as readonly string[]).includes(name)) {
    throw new DlcError(
      `unknown backend '${name}' (from ${source}), so no backend was tried; known backends: ${knownNames()}`,
      2,
    );
  }
  const backend = name === 'auto' ? await chooseAuto() : (name as Backend);
  const acquired = await deviceFor(backend);
  checkRequiredLimits(req.requiredLimits ?? {}, acquired);
  return acquired;
}

/** An adapter a backend offered, or why it offered none. */
interface Probe {
  readonly adapter: GPUAdapter;
  readonly description: string;
  readonly software: boolean;
}

const probes = new Map<Backend, Promise<Probe | string>>();
const devices = new Map<Backend, Promise<AcquiredDevice>>();
let autoChoice: Promise<Backend> | undefined;

function forget(backend: Backend): void {
  devices.delete(backend);
  // An adapter gives one device only; a lost device needs a fresh adapter.
  probes.delete(backend);
  autoChoice = undefined;
}

function deviceFor(backend: Backend): Promise<AcquiredDevice> {
  let pending = devices.get(backend);
  if (!pending) {
    pending = openBackend(backend);
    devices.set(backend, pending);
    pending.then(
      // A lost device is never handed out again; the next call opens a fresh one.
      (acquired) => watchDeviceLoss(acquired.device, () => forget(backend)),
      () => forget(backend),
    );
  }
  return pending;
}

/** Auto order: in a browser navigator.gpu; in Node a hardware adapter, then GL ES on llvmpipe. */
function chooseAuto(): Promise<Backend> {
  if (!isNode()) return Promise.resolve('browser');
  if (!autoChoice) {
    const choice = (async (): Promise<Backend> => {
      const order: Backend[] = [...hardwareBackends(), 'opengles'];
      const tried: string[] = [];
      for (const backend of order) {
        const probe = await probeFor(backend);
        if (typeof probe === 'string') tried.push(`${backend}: ${probe}`);
        // A software Vulkan/D3D adapter (lavapipe, WARP) is slower than the GL path and less tested.
        else if (probe.software && backend !== 'opengles')
          tried.push(`${backend}: only a software adapter (${probe.description})`);
        else return backend;
      }
      throw new DlcError(`no WebGPU adapter found (tried ${tried.join('; ')})${installHint()}`, 2);
    })();
    autoChoice = choice;
    choice.catch(() => {
      if (autoChoice === choice) autoChoice = undefined;
    });
  }
  return autoChoice;
}

async function openBackend(backend: Backend): Promise<AcquiredDevice> {
  if (!isNode()) {
    if (backend !== 'browser')
      throw new DlcError(`backend '${backend}' is only available in Node; in a browser use 'browser' or 'auto'`, 2);
    return openBrowser();
  }
  if (backend === 'browser')
    throw new DlcError(
      `backend 'browser' needs navigator.gpu, which Node does not have; known backends: ${knownNames()}`,
      2,
    );
  const probe = await probeFor(backend);
  if (typeof probe === 'string') {
    throw new DlcError(
      `no WebGPU adapter found (tried ${backend}: ${probe})${backend === 'opengles' ? installHint() : ''}`,
      2,
    );
  }
  return openDevice(probe.adapter, backend, probe.description, probe.software);
}

function hardwareBackends(): Backend[] {
  switch (process.platform) {
    case 'darwin':
      return ['metal'];
    case 'win32':
      return ['d3d12', 'vulkan'];
    default:
      return ['vulkan'];
  }
}

function installHint(): string {
  if (process.platform !== 'linux') return '';
  return missingLibraries('opengles').length > 0
    ? '; on Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri'
    : '';
}

function probeFor(backend: Backend): Promise<Probe | string> {
  let pending = probes.get(backend);
  if (!pending) {
    pending = probeNodeBackend(backend);
    probes.set(backend, pending);
  }
  return pending;
}

async function probeNodeBackend(backend: Backend): Promise<Probe | string> {
  const missing = missingLibraries(backend);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const compat = backend === 'opengles';
  if (compat) {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
  }
  let gpu: GPU;
  try {
    const { create, globals } = await import('webgpu');
    // GPUBufferUsage, GPUMapMode, GPUShaderStage ... as in a browser, for every caller.
    Object.assign(globalThis, globals);
    gpu = create([`backend=${backend}`]);
  } catch (err) {
    return `the webgpu package failed to load (${err instanceof Error ? err.message : String(err)})`;
  }
  keepAlive.push(gpu);
  const adapter = await gpu.requestAdapter(
    compat ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' },
  );
  if (!adapter) return 'no adapter';
  keepAlive.push(adapter);
  const description = describe(adapter);
  return { adapter, description, software: isSoftwareAdapter(adapter.info) };
}

async function openBrowser(): Promise<AcquiredDevice> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new DlcError('this browser has no WebGPU (navigator.gpu is missing)', 2);
  const adapter =
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await gpu.requestAdapter({ featureLevel: 'compatibility' }));
  if (!adapter)
    throw new DlcError('this browser offers no WebGPU adapter (tried core and compatibility feature levels)', 2);
  keepAlive.push(adapter);
  const description = describe(adapter);
  return openDevice(adapter, 'browser', description, isSoftwareAdapter(adapter.info));
}

/** A CPU rasteriser (llvmpipe, SwiftShader, lavapipe, WARP), from the adapter's (or a device's adapterInfo) report. */
export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  return SOFTWARE_ADAPTER.test(describeInfo(info)) || info.isFallbackAdapter === true;
}

function describe(adapter: GPUAdapter): string {
  return describeInfo(adapter.info);
}

function describeInfo(info: GPUAdapterInfo): string {
  const { vendor, architecture, device, description } = info;
  const name = [vendor, architecture, device].filter(Boolean).join(' ');
  if (name && description) return `${name} (${description})`;
  return name || description || 'unknown adapter';
}

function adapterLimit(adapter: GPUAdapter, name: string): number | undefined {
  const value = (adapter.limits as unknown as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : undefined;
}

async function openDevice(
  adapter: GPUAdapter,
  backend: Backend,
  description: string,
  software: boolean,
): Promise<AcquiredDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const offered = adapterLimit(adapter, name);
    if (offered !== undefined) requiredLimits[name] = offered;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, label: `dlc ${backend}` });
  } catch (err) {
    throw new DlcError(
      `${backend} adapter ${description} refused a device: ${err instanceof Error ? err.message : String(err)}`,
      2,
    );
  }
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = (device.limits as unknown as Record<string, unknown>)[name];
    if (typeof value === 'number') limits[name] = value;
  }
  const featureLevel = adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility';
  return { device, adapter, backend, description, featureLevel, limits, software };
}

/** The device was opened with everything the adapter offers, so "more than granted" is "more than offered". */
function checkRequiredLimits(required: Readonly<Record<string, number>>, acquired: AcquiredDevice): void {
  const { backend, device } = acquired;
  for (const [name, asked] of Object.entries(required)) {
    const value = (device.limits as unknown as Record<string, unknown>)[name];
    const offered = typeof value === 'number' ? value : undefined;
    if (offered === undefined) throw new DlcError(`unknown or unsupported device limit '${name}' (asked ${asked})`, 2);
    // min* limits are alignments: smaller is stronger.
    const ok = name.startsWith('min') ? asked >= offered : asked <= offered;
    if (!ok)
      throw new DlcError(`the ${backend} device cannot provide ${name} = ${asked} (the adapter offers ${offered})`, 2);
  }
}
