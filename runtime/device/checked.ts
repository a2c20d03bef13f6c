// Turns WebGPU's asynchronous error reporting into DlcErrors the caller can act on:
// validation errors (a WGSL compile error, a bad binding) attributed to a label such
// as a kernel naming its IR node and .dl span, out-of-memory with the bytes asked for,
// and device loss with Dawn's reason.
import { DlcError } from '../errors';

const lost = new WeakMap<GPUDevice, string>();

/** Records the device's loss so later calls report it instead of a confusing validation error. */
export function watchDeviceLoss(device: GPUDevice, onLost?: (message: string) => void): void {
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    const message = `GPU device lost (${info.reason}): ${info.message || 'no message from the driver'}`;
    lost.set(device, message);
    onLost?.(message);
  });
}

/** Throws the device-lost DlcError if the device has been lost. */
export function assertDeviceAlive(device: GPUDevice): void {
  const message = lost.get(device);
  if (message !== undefined) throw new DlcError(message);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ').trim();
}

/**
 * Runs `fn` inside 'validation' and 'out-of-memory' error scopes and throws a
 * DlcError naming `label` if either caught an error (or the device was lost).
 */
export async function withErrorScopes<T>(device: GPUDevice, label: string, fn: () => T | Promise<T>): Promise<T> {
  assertDeviceAlive(device);
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: T;
  try {
    result = await fn();
  } finally {
    const oom = await device.popErrorScope();
    const validation = await device.popErrorScope();
    assertDeviceAlive(device);
    if (oom) throw new DlcError(`${label}: GPU out of memory: ${oneLine(oom.message)}`);
    if (validation) throw new DlcError(`${label}: WebGPU validation error: ${oneLine(validation.message)}`);
  }
  return result;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Creates a buffer and reports a too-large or failed allocation with the bytes asked for. */
export async function createBufferChecked(
  device: GPUDevice,
  desc: { size: number; usage: GPUBufferUsageFlags; label: string; mappedAtCreation?: boolean },
): Promise<GPUBuffer> {
  assertDeviceAlive(device);
  const asked = `${desc.size} bytes (${formatBytes(desc.size)})`;
  if (desc.size > device.limits.maxBufferSize) {
    throw new DlcError(
      `buffer '${desc.label}': ${asked} exceeds the device's maxBufferSize of ${device.limits.maxBufferSize} bytes`,
    );
  }
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const buffer = device.createBuffer(desc);
  const oom = await device.popErrorScope();
  const validation = await device.popErrorScope();
  if (oom) throw new DlcError(`buffer '${desc.label}': GPU out of memory allocating ${asked}`);
  if (validation) throw new DlcError(`buffer '${desc.label}' of ${asked}: ${oneLine(validation.message)}`);
  return buffer;
}
