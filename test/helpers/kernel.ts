// Runs one WGSL kernel on the real device (llvmpipe in CI) so a test can check a
// generated kernel against expected values in a few lines. Follows the binding
// convention of KernelSpec (compiler/ops/registry.ts): inputs, then outputs, then
// the optional scalars buffer, all in @group(0), tightly packed 32-bit elements.
import type { DType, TensorType } from '../../compiler/ir/types';
import type { KernelSpec } from '../../compiler/codegen/kernel-spec';
import { acquireDevice, withErrorScopes, type AcquiredDevice } from '../../runtime/device';
import { textureExtent } from '../../compiler/codegen/wgsl/texture';

let shared: Promise<AcquiredDevice> | undefined;

/** The one device every kernel test in this process shares. */
export function testDevice(): Promise<AcquiredDevice> {
  shared ??= acquireDevice();
  return shared;
}

export interface KernelInput {
  readonly type: TensorType;
  readonly data: ArrayLike<number>;
}

export interface RunKernelOptions {
  /** The runtime scalars (index 0 seed, 1 step, then named ones); default [0, 0] when the spec uses scalars. */
  readonly scalars?: Uint32Array;
  /**
   * Surround every binding with sentinel-filled guard regions and throw if the
   * kernel wrote outside its range, or left an output element unwritten.
   */
  readonly guard?: boolean;
}

/** Bit pattern of the guard sentinel: a NaN with a recognisable payload as f32. */
export const SENTINEL = 0x7fc0dead;
/** Bytes of guard after each binding; the binding covers them, so stray writes land there. */
const TAIL_GUARD_BYTES = 256;

export function elementCount(type: TensorType): number {
  return type.shape.reduce((a, b) => a * b, 1);
}

function pack(dtype: DType, data: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(data.length);
  switch (dtype) {
    case 'f32':
      new Float32Array(out.buffer).set(Array.from(data));
      break;
    case 'i32':
      new Int32Array(out.buffer).set(Array.from(data, (v) => Math.trunc(v)));
      break;
    case 'u32':
      out.set(Array.from(data, (v) => Math.trunc(v) >>> 0));
      break;
    case 'bool':
      out.set(Array.from(data, (v) => (v ? 1 : 0)));
      break;
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
  return out;
}

function unpack(dtype: DType, words: Uint32Array): Float64Array {
  switch (dtype) {
    case 'f32':
      return Float64Array.from(new Float32Array(words.buffer, words.byteOffset, words.length));
    case 'i32':
      return Float64Array.from(new Int32Array(words.buffer, words.byteOffset, words.length));
    case 'u32':
    case 'bool':
      return Float64Array.from(words);
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

/** The @binding numbers the shader declares (layout 'auto' only includes those it uses). */
function declaredBindings(wgsl: string): Set<number> {
  const found = new Set<number>();
  for (const m of wgsl.matchAll(/@binding\(\s*(\d+)\s*\)/g)) found.add(Number(m[1]));
  return found;
}

interface Binding {
  readonly buffer: GPUBuffer;
  /** Offset of the data, in bytes. */
  readonly offset: number;
  /** Bytes of data (at least 4: WebGPU has no empty bindings). */
  readonly bytes: number;
  readonly words: number;
}

function makeBinding(device: GPUDevice, label: string, contents: Uint32Array, guarded: boolean, lead: number): Binding {
  const bytes = Math.max(4, contents.length * 4);
  const offset = guarded ? lead : 0;
  const total = offset + bytes + (guarded ? TAIL_GUARD_BYTES : 0);
  const buffer = device.createBuffer({
    label,
    size: Math.ceil(total / 4) * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  const view = new Uint32Array(buffer.getMappedRange());
  if (guarded) view.fill(SENTINEL);
  view.set(contents, offset / 4);
  buffer.unmap();
  return { buffer, offset, bytes, words: contents.length };
}

async function readBack(device: GPUDevice, buffer: GPUBuffer): Promise<Uint32Array> {
  const staging = device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const words = new Uint32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return words;
}

async function compile(device: GPUDevice, spec: KernelSpec): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ label: spec.name, code: spec.wgsl });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const text = errors.map((m) => `${spec.name}:${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
    throw new Error(`WGSL compile error in kernel '${spec.name}':\n${text}`);
  }
  return device.createComputePipeline({ label: spec.name, layout: 'auto', compute: { module, entryPoint: 'main' } });
}

/**
 * Runs `spec` once on `inputs` and returns the outputs (one Float64Array per output
 * type, values decoded by dtype). Throws on WGSL compile or validation errors and,
 * with `guard`, on writes outside a binding's range.
 */
export function runKernel(
  spec: KernelSpec,
  inputs: readonly KernelInput[],
  outputs: readonly TensorType[],
  opts: RunKernelOptions = {},
): Promise<Float64Array[]> {
  return runKernels([spec], inputs, outputs, opts);
}

/** The dispatches of one op (an op's kernel emitter may give several), in order over the same bindings. */
export async function runKernels(
  specs: readonly KernelSpec[],
  inputs: readonly KernelInput[],
  outputs: readonly TensorType[],
  opts: RunKernelOptions = {},
): Promise<Float64Array[]> {
  const spec = specs[0]!;
  if (specs.some((s) => s.usesScalars !== spec.usesScalars || s.textureInputs !== undefined) && specs.length > 1)
    throw new Error(`runKernels '${spec.name}': several dispatches must agree on scalars and read no textures`);
  const { device, limits } = await testDevice();
  const guarded = opts.guard === true;
  const lead = limits.minStorageBufferOffsetAlignment ?? 256;
  if (opts.scalars && !spec.usesScalars)
    throw new Error(`runKernel '${spec.name}': scalars given but the spec does not set usesScalars`);
  inputs.forEach((input, i) => {
    if (input.data.length !== elementCount(input.type)) {
      throw new Error(
        `runKernel '${spec.name}': input ${i} has ${input.data.length} values for shape [${input.type.shape.join(',')}]`,
      );
    }
  });

  return withErrorScopes(device, `kernel '${spec.name}'`, async () => {
    const bindings: Binding[] = [
      ...inputs.map((input, i) =>
        makeBinding(device, `${spec.name}.in${i}`, pack(input.type.dtype, input.data), guarded, lead),
      ),
      ...outputs.map((type, i) => {
        const initial = new Uint32Array(elementCount(type));
        if (guarded) initial.fill(SENTINEL);
        return makeBinding(device, `${spec.name}.out${i}`, initial, guarded, lead);
      }),
    ];
    if (spec.usesScalars)
      bindings.push(makeBinding(device, `${spec.name}.scalars`, opts.scalars ?? new Uint32Array(2), guarded, lead));

    const textures = new Map(
      (spec.textureInputs ?? []).map((t) => [t.binding, operandTexture(device, spec.name, t, inputs[t.binding])]),
    );
    const encoder = device.createCommandEncoder({ label: spec.name });
    for (const one of specs) {
      const pipeline = await compile(device, one);
      const used = declaredBindings(one.wgsl);
      const entries: GPUBindGroupEntry[] = [];
      bindings.forEach((b, index) => {
        // A guarded binding extends over its tail guard, so a stray write past the end lands there.
        const size = guarded ? b.buffer.size - b.offset : b.bytes;
        const texture = textures.get(index);
        if (texture) entries.push({ binding: index, resource: texture.createView() });
        else if (used.has(index))
          entries.push({ binding: index, resource: { buffer: b.buffer, offset: b.offset, size } });
      });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...one.workgroups);
      pass.end();
    }
    device.queue.submit([encoder.finish()]);

    const results: Float64Array[] = [];
    for (let i = 0; i < outputs.length; i++) {
      const b = bindings[inputs.length + i]!;
      const words = await readBack(device, b.buffer);
      const data = words.subarray(b.offset / 4, b.offset / 4 + b.words);
      if (guarded) checkGuards(spec.name, `output ${i}`, words, b, data);
      results.push(unpack(outputs[i]!.dtype, data.slice()));
    }
    for (const b of bindings) b.buffer.destroy();
    for (const t of textures.values()) t.destroy();
    return results;
  });
}

/**
 * An operand texture (compiler/codegen/wgsl/texture.ts) holding `input`, its texels
 * past the data filled with the guard sentinel, so a fetch beyond the operand
 * poisons the result.
 */
function operandTexture(
  device: GPUDevice,
  kernel: string,
  t: { binding: number; texels: number },
  input: KernelInput | undefined,
): GPUTexture {
  if (!input) throw new Error(`runKernel '${kernel}': texture input ${t.binding} is not an input`);
  if (input.type.dtype !== 'f32' || t.texels * 4 !== input.data.length) {
    throw new Error(
      `runKernel '${kernel}': texture input ${t.binding} holds ${t.texels} texels, the input is ${input.type.dtype}[${input.data.length}]`,
    );
  }
  const { width, height } = textureExtent(t.texels);
  const words = new Uint32Array(width * height * 4).fill(SENTINEL);
  words.set(pack('f32', input.data));
  const texture = device.createTexture({
    label: `${kernel}.tex${t.binding}`,
    size: [width, height],
    format: 'rgba32float',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
  });
  device.queue.writeTexture({ texture }, words, { bytesPerRow: width * 16, rowsPerImage: height }, [width, height]);
  return texture;
}

function checkGuards(kernel: string, what: string, words: Uint32Array, b: Binding, data: Uint32Array): void {
  const start = b.offset / 4;
  const end = start + b.words;
  for (let w = 0; w < words.length; w++) {
    if (w >= start && w < end) continue;
    if (words[w] !== SENTINEL) {
      const where = w < start ? `${(start - w) * 4} bytes before` : `${(w - end) * 4} bytes past the end of`;
      throw new Error(`kernel '${kernel}' wrote outside ${what}: ${where} its range (element ${w - start})`);
    }
  }
  const unwritten = data.indexOf(SENTINEL);
  if (unwritten >= 0) throw new Error(`kernel '${kernel}' left element ${unwritten} of ${what} unwritten`);
}
