// Runs a compiled plan on a WebGPU device. Everything is made once in `create`:
// arenas, persistent tensors initialised from their initializers, every pipeline
// (compiled concurrently; `compileMs` says how long that took), bind groups, and
// per entry a readback buffer. An entry call then uploads its inputs, records every
// dispatch of the pass into one command buffer, submits once and reads back only
// the outputs asked for.
import { DlcError } from '../errors';
import { acquireDevice, assertDeviceAlive, withErrorScopes } from '../device';
import { watchDeviceLoss } from '../device/checked';
import { initialize } from '../init';
import type { Plan, PlanBuffer, PlanEntry, PlanTensorRef } from '../plan';
import { isPersistentKind, SEED_INDEX, STEP_INDEX } from '../plan';
import type { HostTensor } from './io';
import { numelOf, readElements, validateInputs, validateTensor } from './io';
import { checkIndexInputs } from './index-check';
import { runGuarded } from './numerics';
import { givenRows, padRows, takeRows } from './rows';
import { endPass, recordSteps } from './record';
import type { Bound, PreparedStep } from './resources';
import {
  boundOf,
  compilePipelines,
  createArenas,
  createTextures,
  MAP_READ_MODE,
  prepareSteps,
  USAGE,
} from './resources';

export type { HostTensor } from './io';
export type OutputValue = number | Float32Array | Int32Array | Uint32Array;

export interface ExecutorOptions {
  /** A device to run on; default: acquireDevice() (hardware first, then llvmpipe). */
  readonly device?: GPUDevice;
  /** Seed of initializers and random ops (u32); default 0. */
  readonly seed?: number;
  /** Check every kernel's f32 outputs for NaN/Inf (one submit per dispatch: slow). */
  readonly checkNumerics?: boolean;
}

export interface RunOptions {
  /** Outputs to read back; default all. `[]` runs the pass without any readback. */
  readonly outputs?: readonly string[];
}

interface EntryState {
  readonly entry: PlanEntry;
  readonly steps: readonly PreparedStep[];
  readonly inputs: readonly { ref: PlanTensorRef; bound: Bound; widen?: Uint32Array }[];
  readonly outputs: readonly { ref: PlanTensorRef; bound: Bound; offset: number }[];
  readonly readback: GPUBuffer;
  /** Set once a call has run inside error scopes without errors. */
  checked: boolean;
}

export class Executor {
  private readonly entries = new Map<string, EntryState>();
  private readonly scalarWords: Uint32Array;
  private readonly scalarFloat: Float32Array;
  /** Each runtime scalar's value as the kernels see it (rounded to f32). */
  private readonly scalarValues = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();
  private uncaptured: string | undefined;
  private guardStaging: GPUBuffer | undefined;
  private stepCounter = 0;
  /** The device's uncapturederror listener, removed by destroy() (a shared device outlives many models). */
  private readonly onUncaptured = (event: Event): void => {
    this.uncaptured ??= (event as GPUUncapturedErrorEvent).error.message;
  };

  private constructor(
    readonly plan: Plan,
    readonly device: GPUDevice,
    private readonly arenas: readonly GPUBuffer[],
    private readonly textures: readonly GPUTexture[],
    readonly compileMs: number,
    readonly seed: number,
    readonly checkNumerics: boolean,
  ) {
    this.scalarWords = new Uint32Array(plan.buffers[plan.scalarsBuffer].bytes / 4);
    this.scalarFloat = new Float32Array(1);
  }

  static async create(plan: Plan, options: ExecutorOptions = {}): Promise<Executor> {
    if (plan.version !== 1)
      throw new DlcError(
        `this runtime reads plan version 1, the model was compiled to version ${String(plan.version)}`,
      );
    const device = options.device ?? (await acquireDevice({ requiredLimits: plan.requiredLimits })).device;
    if (options.device) {
      watchDeviceLoss(device);
      checkLimits(device, plan);
    }
    const seed = (options.seed ?? 0) >>> 0;
    const arenas = await createArenas(device, plan);
    const textures = createTextures(device, plan);
    const dispatches = plan.entries.flatMap((e) => collectDispatches(e.steps));
    const { pipelines, compileMs } = await compilePipelines(device, plan, dispatches);
    const exec = new Executor(plan, device, arenas, textures, compileMs, seed, options.checkNumerics === true);
    device.addEventListener('uncapturederror', exec.onUncaptured);
    await withErrorScopes(device, `${plan.model}: setting up buffers`, async () => {
      exec.initializeBuffers();
      for (const entry of plan.entries) exec.entries.set(entry.name, await exec.prepareEntry(entry, pipelines));
      if (exec.checkNumerics) {
        const largest = Math.max(4, ...plan.buffers.filter((b) => b.dtype === 'f32').map((b) => b.bytes));
        exec.guardStaging = device.createBuffer({
          size: largest,
          usage: USAGE.MAP_READ | USAGE.COPY_DST,
          label: `${plan.model}:numerics`,
        });
      }
    });
    return exec;
  }

  /** The training step counter (keys random ops with the seed); counts entry calls. */
  get step(): number {
    return this.stepCounter;
  }

  set step(value: number) {
    this.stepCounter = value >>> 0;
  }

  /** Runs one entry point; resolves to the outputs asked for. Calls run one at a time, in order. */
  async run(
    name: string,
    inputs?: Readonly<Record<string, unknown>>,
    options: RunOptions = {},
  ): Promise<Record<string, OutputValue>> {
    const state = this.entries.get(name);
    if (!state)
      throw new DlcError(
        `${this.plan.model} has no entry point '${name}' (entries: ${[...this.entries.keys()].join(', ')})`,
      );
    const { batch } = state.entry;
    const rows = givenRows(name, state.entry.inputs, batch, inputs);
    const fewer = rows === undefined || !batch ? undefined : { n: rows, inputs: batch.inputs };
    validateInputs(name, state.entry.inputs, inputs, fewer);
    checkIndexInputs(name, state.entry.indexRanges, inputs);
    const wanted = options.outputs ?? state.entry.outputs.map((o) => o.name);
    for (const out of wanted) {
      if (!state.entry.outputs.some((o) => o.name === out)) {
        throw new DlcError(
          `${name}: unknown output '${out}' (outputs: ${state.entry.outputs.map((o) => o.name).join(', ') || 'none'})`,
        );
      }
    }
    const full = padRows(state.entry.inputs, batch, inputs ?? {}, rows);
    const result = this.tail.then(async () => {
      const out = await this.runNow(state, full, wanted);
      return takeRows(batch, state.entry.outputs, out, rows);
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async runNow(
    state: EntryState,
    inputs: Readonly<Record<string, unknown>>,
    wanted: readonly string[],
  ): Promise<Record<string, OutputValue>> {
    const { device } = this;
    assertDeviceAlive(device);
    const label = `${this.plan.model}.${state.entry.name}`;
    this.throwUncaptured(label);
    const call = async (): Promise<Record<string, OutputValue>> => {
      for (const input of state.inputs) {
        const value = inputs[input.ref.name] as HostTensor;
        if (input.widen) {
          for (let i = 0; i < value.length; i++) input.widen[i] = value[i] !== 0 ? 1 : 0;
          writeView(device.queue, input.bound.buffer, input.bound.offset, input.widen);
        } else {
          writeView(device.queue, input.bound.buffer, input.bound.offset, value);
        }
      }
      this.writeStep();
      const reads = state.outputs.filter((o) => wanted.includes(o.ref.name));
      if (this.checkNumerics && this.guardStaging) {
        await runGuarded({ device, plan: this.plan, entry: label, staging: this.guardStaging }, state.steps);
        if (reads.length > 0) {
          const encoder = device.createCommandEncoder({ label });
          for (const o of reads)
            encoder.copyBufferToBuffer(o.bound.buffer, o.bound.offset, state.readback, o.offset, o.bound.size);
          device.queue.submit([encoder.finish()]);
        }
      } else {
        const rec = { encoder: device.createCommandEncoder({ label }), pass: null };
        recordSteps(rec, state.steps);
        endPass(rec);
        for (const o of reads)
          rec.encoder.copyBufferToBuffer(o.bound.buffer, o.bound.offset, state.readback, o.offset, o.bound.size);
        device.queue.submit([rec.encoder.finish()]);
      }
      this.stepCounter = (this.stepCounter + 1) >>> 0;
      if (reads.length === 0) return {};
      const end = Math.max(...reads.map((o) => o.offset + o.bound.size));
      await this.mapped(state.readback, end, label);
      try {
        const bytes = state.readback.getMappedRange(0, end);
        const out: Record<string, OutputValue> = {};
        for (const o of reads) {
          const n = numelOf(o.ref.shape);
          const view = readElements(o.ref.dtype, bytes, o.offset, n);
          out[o.ref.name] = o.ref.shape.length === 0 ? view[0] : view;
        }
        return out;
      } finally {
        state.readback.unmap();
      }
    };
    // The first call of an entry runs inside error scopes, so a validation error names
    // the entry and the kernel; later calls record the same commands and skip the
    // scopes (popping them waits for the GPU), catching anything new as uncaptured.
    if (state.checked) return call();
    const result = await withErrorScopes(device, label, call);
    state.checked = true;
    return result;
  }

  private throwUncaptured(label: string): void {
    const message = this.uncaptured;
    if (message === undefined) return;
    this.uncaptured = undefined;
    throw new DlcError(`${label}: WebGPU error in an earlier call: ${message.replace(/\s*\n\s*/g, ' | ')}`);
  }

  private async mapped(buffer: GPUBuffer, size: number, label: string): Promise<void> {
    try {
      await buffer.mapAsync(MAP_READ_MODE, 0, size);
    } catch (err) {
      assertDeviceAlive(this.device);
      throw new DlcError(`${label}: reading results back failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Sets a runtime scalar (a learning rate...) for the following calls. */
  setScalar(name: string, value: number): void {
    const s = this.plan.scalars.find((x) => x.name === name);
    if (!s)
      throw new DlcError(
        `${this.plan.model} has no runtime scalar '${name}' (scalars: ${this.plan.scalars.map((x) => x.name).join(', ') || 'none'})`,
      );
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new DlcError(`scalar '${name}' must be a finite number, given ${String(value)}`);
    this.scalarFloat[0] = value;
    this.scalarValues.set(name, this.scalarFloat[0]!);
    const own = boundOf(this.plan, this.arenas, s.buffer);
    writeView(this.device.queue, own.buffer, own.offset, this.scalarFloat);
    // The same bits in the packed scalars buffer (plan.ts: PlanScalar.word).
    this.scalarWords[s.word] = new Uint32Array(this.scalarFloat.buffer)[0]!;
    const words = boundOf(this.plan, this.arenas, this.plan.scalarsBuffer);
    writeView(this.device.queue, words.buffer, words.offset + 4 * s.word, this.scalarWords, s.word, 1);
  }

  getScalar(name: string): number {
    const s = this.plan.scalars.find((x) => x.name === name);
    if (!s) throw new DlcError(`${this.plan.model} has no runtime scalar '${name}'`);
    return this.scalarValues.get(name)!;
  }

  /** Names of the persistent tensors of the given kinds (default: all), in plan order. */
  persistentNames(kinds: readonly PlanBuffer['kind'][] = ['param', 'state', 'slot']): string[] {
    return this.plan.buffers.filter((b) => isPersistentKind(b.kind) && kinds.includes(b.kind)).map((b) => b.name);
  }

  /** Reads persistent tensors back (after all calls made so far). */
  readTensors(names: readonly string[]): Promise<Record<string, Float32Array | Int32Array | Uint32Array>> {
    const buffers = names.map((name) => this.persistentBuffer(name));
    const result = this.tail.then(async () => {
      const total = buffers.reduce((sum, b) => sum + b.bytes, 0);
      const staging = this.device.createBuffer({
        size: Math.max(4, total),
        usage: USAGE.MAP_READ | USAGE.COPY_DST,
        label: `${this.plan.model}:read tensors`,
      });
      try {
        const encoder = this.device.createCommandEncoder();
        let offset = 0;
        for (const b of buffers) {
          const bound = boundOf(this.plan, this.arenas, b.id);
          encoder.copyBufferToBuffer(bound.buffer, bound.offset, staging, offset, b.bytes);
          offset += b.bytes;
        }
        this.device.queue.submit([encoder.finish()]);
        await this.mapped(staging, Math.max(4, total), `${this.plan.model}: reading tensors`);
        const bytes = staging.getMappedRange(0, Math.max(4, total));
        const out: Record<string, Float32Array | Int32Array | Uint32Array> = {};
        offset = 0;
        for (const b of buffers) {
          out[b.name] = readElements(b.dtype, bytes, offset, numelOf(b.shape));
          offset += b.bytes;
        }
        staging.unmap();
        return out;
      } finally {
        staging.destroy();
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Overwrites persistent tensors; every name, dtype and size is checked before anything is written. */
  writeTensors(values: Readonly<Record<string, unknown>>, what: string): void {
    const writes = Object.entries(values).map(([name, value]) => {
      const b = this.persistentBuffer(name);
      validateTensor(`${what}: '${name}'`, b, value);
      return { b, value };
    });
    for (const { b, value } of writes) {
      const bound = boundOf(this.plan, this.arenas, b.id);
      const data = value instanceof Uint8Array ? Uint32Array.from(value) : value;
      writeView(this.device.queue, bound.buffer, bound.offset, data);
    }
  }

  destroy(): void {
    for (const a of this.arenas) a.destroy();
    for (const t of this.textures) t.destroy();
    this.device.removeEventListener('uncapturederror', this.onUncaptured);
    for (const e of this.entries.values()) e.readback.destroy();
    this.guardStaging?.destroy();
  }

  private persistentBuffer(name: string): PlanBuffer {
    const b = this.plan.buffers.find((x) => x.name === name && isPersistentKind(x.kind));
    if (!b) throw new DlcError(`${this.plan.model} has no param, state or slot named '${name}'`);
    return b;
  }

  private writeStep(): void {
    this.scalarWords[STEP_INDEX] = this.stepCounter;
    const words = boundOf(this.plan, this.arenas, this.plan.scalarsBuffer);
    writeView(this.device.queue, words.buffer, words.offset + 4 * STEP_INDEX, this.scalarWords, STEP_INDEX, 1);
  }

  private initializeBuffers(): void {
    const { plan, device } = this;
    for (const b of plan.buffers) {
      const bound = boundOf(plan, this.arenas, b.id);
      if (isPersistentKind(b.kind) && b.init) {
        writeView(device.queue, bound.buffer, bound.offset, initialize(b.init, b.dtype, b.shape, this.seed, b.name));
      } else if (b.kind === 'const' && b.data) {
        const data =
          b.dtype === 'f32'
            ? Float32Array.from(b.data)
            : b.dtype === 'i32'
              ? Int32Array.from(b.data)
              : Uint32Array.from(b.data);
        writeView(device.queue, bound.buffer, bound.offset, data);
      }
    }
    this.scalarWords[SEED_INDEX] = this.seed;
    for (const s of plan.scalars) this.setScalar(s.name, s.value);
    const words = boundOf(plan, this.arenas, plan.scalarsBuffer);
    writeView(device.queue, words.buffer, words.offset, this.scalarWords);
  }

  private async prepareEntry(
    entry: PlanEntry,
    pipelines: ReadonlyMap<string, GPUComputePipeline>,
  ): Promise<EntryState> {
    const steps = await prepareSteps(this.device, this.plan, this.arenas, pipelines, entry.steps, this.textures);
    const inputs = entry.inputs.map((ref) => ({
      ref,
      bound: boundOf(this.plan, this.arenas, ref.buffer),
      ...(ref.dtype === 'bool' ? { widen: new Uint32Array(numelOf(ref.shape)) } : {}),
    }));
    let offset = 0;
    const outputs = entry.outputs.map((ref) => {
      const bound = boundOf(this.plan, this.arenas, ref.buffer);
      const o = { ref, bound, offset };
      offset += bound.size;
      return o;
    });
    const readback = this.device.createBuffer({
      size: Math.max(4, offset),
      usage: USAGE.MAP_READ | USAGE.COPY_DST,
      label: `${this.plan.model}.${entry.name}:readback`,
    });
    return { entry, steps, inputs, outputs, readback, checked: false };
  }
}

/** A device handed in by the caller must offer the limits the plan's kernels were generated for. */
function checkLimits(device: GPUDevice, plan: Plan): void {
  for (const [name, asked] of Object.entries(plan.requiredLimits)) {
    const offered = (device.limits as unknown as Record<string, unknown>)[name];
    if (typeof offered === 'number' && offered < asked) {
      throw new DlcError(
        `${plan.model} needs ${name} = ${asked} but the given device offers ${offered}; recompile for this device or request the limit`,
      );
    }
  }
}

/** queue.writeBuffer for any typed array (TypeScript's lib types want a narrower buffer type). */
function writeView(
  queue: GPUQueue,
  buffer: GPUBuffer,
  offset: number,
  view: ArrayBufferView,
  elementOffset?: number,
  elements?: number,
): void {
  const source = view as unknown as GPUAllowSharedBufferSource;
  if (elementOffset === undefined) queue.writeBuffer(buffer, offset, source);
  else queue.writeBuffer(buffer, offset, source, elementOffset, elements);
}

function collectDispatches(steps: PlanEntry['steps']): Extract<PlanEntry['steps'][number], { kind: 'dispatch' }>[] {
  const out: Extract<PlanEntry['steps'][number], { kind: 'dispatch' }>[] = [];
  for (const s of steps) {
    if (s.kind === 'dispatch') out.push(s);
    else if (s.kind === 'loop') out.push(...collectDispatches(s.body));
  }
  return out;
}
