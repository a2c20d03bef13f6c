// `--backend reference`: a Program run on the CPU by the reference executor, with
// float32 rounding after every op (as the GPU stores values), behind the same
// ModelRunner interface as the WebGPU backend. Persistent tensors start from the
// same initializers and seed (runtime/init.ts), so both backends start alike.
import { DlcError } from '../../runtime/errors';
import { initialize } from '../../runtime/init';
import type { NamedTensors, OutputValue } from '../../runtime/model';
import type { PlanDType } from '../../runtime/plan';
import { sha256Hex } from '../../runtime/checkpoint/fingerprint';
import { executeEntry } from './execute';
import { planBatch } from '../ir/batch-rows';
import { givenRows, padRows, takeRows } from '../../runtime/executor/rows';
import { validateInputs } from '../../runtime/executor/io';
import { checkIndexInputs } from '../../runtime/executor/index-check';
import { entryIndexRanges } from '../ir/index-ranges';
import type { Program } from '../ir/program';
import { programToJson } from '../ir/json';
import { numel, type TensorType } from '../ir/types';
import type { Tensor } from '../ops/registry';
import type { EntryInfo, ModelRunner, PersistentInfo } from '../../runtime/train/runner';

function typedArrayFor(dtype: PlanDType, data: ArrayLike<number>): Float32Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'f32':
      return Float32Array.from(data);
    case 'i32':
      return Int32Array.from(data);
    case 'u32':
    case 'bool':
      return Uint32Array.from(data);
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

function toTensor(what: string, type: TensorType, value: unknown): Tensor {
  if (!ArrayBuffer.isView(value) || value instanceof DataView)
    throw new DlcError(`${what}: expected a typed array of ${numel(type.shape)} elements`);
  const data = value as unknown as ArrayLike<number>;
  if (data.length !== numel(type.shape))
    throw new DlcError(`${what}: expected ${numel(type.shape)} elements, got ${data.length}`);
  return { type, data: Float64Array.from(data) };
}

export function programEntries(program: Program): EntryInfo[] {
  return program.entries.map((e) => ({
    name: e.name,
    kind: e.kind,
    indexRanges: entryIndexRanges(e),
    inputs: e.graph.args
      .filter((a) => a.kind === 'input')
      .map((a) => ({ name: a.name, dtype: a.value.type.dtype, shape: a.value.type.shape })),
    outputs: e.graph.results.map((r) => ({ name: r.name, dtype: r.value.type.dtype, shape: r.value.type.shape })),
  }));
}

export function createReferenceRunner(program: Program, seed: number): ModelRunner {
  const persistent: PersistentInfo[] = program.persistent.map((p) => ({
    name: p.name,
    kind: p.kind,
    dtype: p.type.dtype,
    shape: p.type.shape,
    init: p.init,
  }));
  const types = new Map(program.persistent.map((p) => [p.name, p.type]));
  const state: Record<string, Tensor> = {};
  for (const p of program.persistent) {
    state[p.name] = {
      type: p.type,
      data: Float64Array.from(initialize(p.init, p.type.dtype, p.type.shape, seed >>> 0, p.name)),
    };
  }
  const scalars: Record<string, number> = Object.fromEntries(
    program.scalars.map((s) => [s.name, Math.fround(s.value)]),
  );
  const entries = programEntries(program);
  const batches = new Map(program.entries.map((e) => [e.name, planBatch(program, e)]));
  let step = 0;
  return {
    model: program.model,
    where: 'reference executor (CPU, float32 rounding)',
    entries,
    persistent,
    scalars: program.scalars.map((s) => ({ name: s.name, value: s.value })),
    programHash: sha256Hex(JSON.stringify(programToJson(program))),
    seed: seed >>> 0,
    get step() {
      return step;
    },
    set step(v: number) {
      step = v >>> 0;
    },
    async run(name, inputs, outputs) {
      const entry = entries.find((e) => e.name === name);
      if (!entry)
        throw new DlcError(
          `${program.model} has no entry point '${name}' (entries: ${entries.map((e) => e.name).join(', ')})`,
        );
      const batch = batches.get(name);
      const rows = givenRows(name, entry.inputs, batch, inputs);
      if (rows !== undefined) validateInputs(name, entry.inputs, inputs, { n: rows, inputs: batch!.inputs });
      checkIndexInputs(name, entry.indexRanges, inputs);
      const full = padRows(entry.inputs, batch, inputs, rows);
      const feeds: Record<string, Tensor> = {};
      for (const i of entry.inputs) {
        feeds[i.name] = toTensor(`${name}: input '${i.name}'`, { dtype: i.dtype, shape: i.shape }, full[i.name]);
      }
      const { results, assigns } = executeEntry(program, name, feeds, state, {
        seed: seed >>> 0,
        step,
        precision: 'f32',
        scalars,
      });
      step = (step + 1) >>> 0;
      for (const [target, t] of Object.entries(assigns)) state[target] = t;
      const out: Record<string, OutputValue> = {};
      for (const o of entry.outputs) {
        if (outputs && !outputs.includes(o.name)) continue;
        const data = typedArrayFor(o.dtype, results[o.name]!.data);
        out[o.name] = o.shape.length === 0 ? data[0]! : data;
      }
      return takeRows(batch, entry.outputs, out, rows);
    },
    async save() {
      const out: NamedTensors = {};
      for (const p of persistent) out[p.name] = typedArrayFor(p.dtype, state[p.name]!.data);
      return out;
    },
    load(values) {
      const missing = persistent.filter((p) => !(p.name in values));
      if (missing.length > 0)
        throw new DlcError(`load: the checkpoint lacks ${missing.map((m) => `'${m.name}'`).join(', ')}`);
      const next: Record<string, Tensor> = {};
      for (const p of persistent) next[p.name] = toTensor(`load: '${p.name}'`, types.get(p.name)!, values[p.name]);
      Object.assign(state, next);
    },
    setScalar(name, value) {
      if (!(name in scalars))
        throw new DlcError(
          `${program.model} has no runtime scalar '${name}' (scalars: ${Object.keys(scalars).join(', ') || 'none'})`,
        );
      if (!Number.isFinite(value))
        throw new DlcError(`scalar '${name}' must be a finite number, given ${String(value)}`);
      scalars[name] = Math.fround(value);
    },
    destroy() {},
  };
}
