// The object a generated module wraps: a compiled plan running on a device, with
// the hooks the checkpoint code and training loops need (params, save/load, runtime
// scalars, the step counter). Generated modules add one typed method per entry.
import { DlcError } from './errors';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint/codec';
import { CALLS_COUNTER, planSignature, SEED_COUNTER } from './checkpoint/plan-signature';
import { fingerprint } from './checkpoint/fingerprint';
import type { SavedTensor } from './checkpoint/safetensors';
import { Executor } from './executor';
import type { OutputValue, RunOptions } from './executor';
import type { KernelFamily, Plan } from './plan';
import { choosePlan, type FamilyPlans } from './families';
import type { ModelOptions, NamedTensors } from './module-types';

export type { ModelOptions, NamedTensors } from './module-types';

export type { OutputValue, RunOptions } from './executor';

export class Model {
  private constructor(private readonly exec: Executor) {}

  /** A model of `plans`: one plan, or one per kernel family to pick from by the adapter (runtime/families.ts). */
  static async create(plans: Plan | FamilyPlans, options: ModelOptions = {}): Promise<Model> {
    const chosen = await choosePlan(plans, options);
    return new Model(await Executor.create(chosen.plan, chosen.options));
  }

  /** The kernel family this model runs (absent for plans that do not record it). */
  get family(): KernelFamily | undefined {
    return this.exec.plan.family;
  }

  get plan(): Plan {
    return this.exec.plan;
  }

  get device(): GPUDevice {
    return this.exec.device;
  }

  /** Milliseconds spent compiling every pipeline when the model was created. */
  get compileMs(): number {
    return this.exec.compileMs;
  }

  get seed(): number {
    return this.exec.seed;
  }

  /** Entry calls made so far; keys the random ops with the seed. Restored by load(). */
  get step(): number {
    return this.exec.step;
  }

  set step(value: number) {
    this.exec.step = value;
  }

  /** Runs entry point `name`; resolves to the outputs asked for (all by default, none with `outputs: []`). */
  run(
    name: string,
    inputs?: Readonly<Record<string, unknown>>,
    options?: RunOptions,
  ): Promise<Record<string, OutputValue>> {
    return this.exec.run(name, inputs, options);
  }

  /** The trained tensors by name. */
  params(): Promise<NamedTensors> {
    return this.exec.readTensors(this.exec.persistentNames(['param']));
  }

  /** Overwrites some or all params; names, dtypes and sizes are checked first. */
  setParams(values: Readonly<Record<string, unknown>>): void {
    for (const name of Object.keys(values)) {
      if (!this.exec.persistentNames(['param']).includes(name))
        throw new DlcError(`setParams: '${name}' is not a param of ${this.plan.model}`);
    }
    this.exec.writeTensors(values, 'setParams');
  }

  /** Every persistent tensor (params, state, optimizer slots) by name: what a checkpoint holds. */
  save(): Promise<NamedTensors> {
    return this.exec.readTensors(this.exec.persistentNames());
  }

  /** Restores persistent tensors saved by save(); a checkpoint must name every one of them. */
  load(values: Readonly<Record<string, unknown>>): void {
    const missing = this.exec.persistentNames().filter((name) => !(name in values));
    if (missing.length > 0) throw new DlcError(`load: the checkpoint lacks ${missing.map((m) => `'${m}'`).join(', ')}`);
    this.exec.writeTensors(values, 'load');
  }

  /**
   * Every persistent tensor as a dlc checkpoint (safetensors, the CLI's format and
   * names): `dlc eval --checkpoint` and `loadSafetensors` read it. Non-finite values are refused.
   */
  async saveSafetensors(): Promise<Uint8Array> {
    const values = await this.save();
    const sig = planSignature(this.plan);
    const tensors: Record<string, SavedTensor> = {};
    for (const [name, data] of Object.entries(values)) {
      const dtype = data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : 'u32';
      tensors[name] = { dtype, shape: sig.tensors[name]!.shape, data };
    }
    const info = {
      model: sig.model,
      fingerprint: fingerprint(sig),
      programHash: sig.programHash,
      dlcVersion: 'module',
      step: this.step,
      rng: { [SEED_COUNTER]: this.seed, [CALLS_COUNTER]: this.step },
      dataCursor: '0:0',
      // A module runs no schedule (its user sets lr): 'constant', which a resume parses.
      lr: { spec: 'constant', step: this.step },
    };
    return encodeCheckpoint({ tensors, info }, `${sig.model} weights`);
  }

  /**
   * Loads a dlc checkpoint (from \`dlc train\` or saveSafetensors), validated as \`dlc eval\`
   * validates it: structure, checksum, model name, tensor names, dtypes and shapes. A
   * checkpoint from another compiled program of the same model (another target) is accepted.
   * The model must have been created with the seed the checkpoint was saved with.
   */
  loadSafetensors(bytes: Uint8Array, name = 'checkpoint'): void {
    const want = planSignature(this.plan);
    const saved = decodeCheckpoint(bytes, name).info.programHash;
    const ckpt = decodeCheckpoint(bytes, name, { ...want, programHash: saved });
    const seed = ckpt.info.rng[SEED_COUNTER];
    const calls = ckpt.info.rng[CALLS_COUNTER];
    if (seed === undefined || calls === undefined) {
      throw new DlcError(`${name}: metadata dlc.rng lacks '${SEED_COUNTER}' or '${CALLS_COUNTER}'`);
    }
    if (seed !== this.seed) {
      throw new DlcError(`${name}: saved with seed ${seed}, the model was created with seed ${this.seed}`);
    }
    const values: Record<string, unknown> = {};
    for (const [tensor, t] of Object.entries(ckpt.tensors)) values[tensor] = t.data;
    this.load(values);
    this.step = calls;
  }

  /** Sets a runtime scalar (learning rate, momentum...) for the calls that follow. */
  setScalar(name: string, value: number): void {
    this.exec.setScalar(name, value);
  }

  getScalar(name: string): number {
    return this.exec.getScalar(name);
  }

  /** Frees the model's GPU buffers. */
  destroy(): void {
    this.exec.destroy();
  }
}
