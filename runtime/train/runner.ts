// What the training loop, evaluation and sampling drive: a compiled model behind one
// interface, whether it runs on a WebGPU device (Model over a Plan) or on the CPU
// with the reference executor (`--backend reference`, reference-runner.ts).
import { Model, type NamedTensors, type OutputValue } from '../model';
import type { Plan, PlanDType, PlanIndexRange, PlanInit } from '../plan';
import { isPersistentKind } from '../plan';
import { planHash } from '../checkpoint/plan-signature';

export interface TensorInfo {
  readonly name: string;
  readonly dtype: PlanDType;
  readonly shape: readonly number[];
}

export interface PersistentInfo extends TensorInfo {
  readonly kind: 'param' | 'state' | 'slot';
  /** How it starts (with the runner's seed: runtime/init.ts initialize). */
  readonly init?: PlanInit;
}

export interface EntryInfo {
  readonly name: string;
  readonly kind: 'infer' | 'train' | 'sample' | 'update';
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Integer inputs used as indices, and the range of their values. */
  readonly indexRanges?: readonly PlanIndexRange[];
}

export interface ModelRunner {
  readonly model: string;
  /** Where it runs, for messages: the adapter's description or "reference executor (CPU)". */
  readonly where: string;
  readonly entries: readonly EntryInfo[];
  readonly persistent: readonly PersistentInfo[];
  readonly scalars: readonly { readonly name: string; readonly value: number }[];
  /** A hash of what was compiled (the kernels' WGSL, or the IR for the reference executor). */
  readonly programHash: string;
  readonly seed: number;
  /** Entry calls made so far: keys the random ops with the seed. */
  step: number;
  run(
    entry: string,
    inputs: Readonly<Record<string, unknown>>,
    outputs?: readonly string[],
  ): Promise<Record<string, OutputValue>>;
  /** Every persistent tensor by name. */
  save(): Promise<NamedTensors>;
  /** Overwrites every persistent tensor. */
  load(values: Readonly<Record<string, unknown>>): void;
  setScalar(name: string, value: number): void;
  destroy(): void;
}

export { planHash };

export function planEntries(plan: Plan): EntryInfo[] {
  const info = (r: TensorInfo): TensorInfo => ({ name: r.name, dtype: r.dtype, shape: r.shape });
  return plan.entries.map((e) => ({
    name: e.name,
    kind: e.kind,
    inputs: e.inputs.map(info),
    outputs: e.outputs.map(info),
    ...(e.indexRanges ? { indexRanges: e.indexRanges } : {}),
  }));
}

export function planPersistent(plan: Plan): PersistentInfo[] {
  const out: PersistentInfo[] = [];
  for (const b of plan.buffers) {
    if (isPersistentKind(b.kind))
      out.push({ name: b.name, kind: b.kind, dtype: b.dtype, shape: b.shape, ...(b.init ? { init: b.init } : {}) });
  }
  return out;
}

export interface GpuRunnerOptions {
  readonly seed: number;
  readonly checkNumerics?: boolean;
  readonly device?: GPUDevice;
  readonly where?: string;
}

/** A plan running on a WebGPU device. */
export async function createGpuRunner(plan: Plan, options: GpuRunnerOptions): Promise<ModelRunner> {
  const model = await Model.create(plan, {
    seed: options.seed,
    checkNumerics: options.checkNumerics === true,
    ...(options.device ? { device: options.device } : {}),
  });
  return {
    model: plan.model,
    where: options.where ?? 'WebGPU device',
    entries: planEntries(plan),
    persistent: planPersistent(plan),
    scalars: plan.scalars.map((s) => ({ name: s.name, value: s.value })),
    programHash: planHash(plan),
    seed: model.seed,
    get step() {
      return model.step;
    },
    set step(v: number) {
      model.step = v;
    },
    run: (entry, inputs, outputs) => model.run(entry, inputs, outputs ? { outputs } : {}),
    save: () => model.save(),
    load: (values) => model.load(values),
    setScalar: (name, value) => model.setScalar(name, value),
    destroy: () => model.destroy(),
  };
}
