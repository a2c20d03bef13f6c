// A compiled model against the float64 reference interpreter: lower a .dl file at
// small sizes, run its entries on the WebGPU device and in the reference executor
// from the same state, seed and step (so random ops draw the same Philox bits), and
// list every output and written persistent tensor that disagrees. Shared by the
// model-zoo tests (test/examples/zoo-harness.ts) and the device check
// (bench/device-check.ts), which runs it without vitest on a lent accelerator.
import { readFileSync } from 'node:fs';
import { lowerFile } from '../compiler/lower/index';
import type { Program } from '../compiler/ir/program';
import { executeEntry } from '../compiler/reference/execute';
import { initialState } from '../compiler/reference/state';
import type { Tensor } from '../compiler/ops/registry';
import type { ModelRunner } from '../runtime/train/runner';
import type { NamedTensors, OutputValue } from '../runtime/model';

/** The model seed both sides use. */
export const SEED = 7;

export type Feeds = Record<string, Float32Array | Int32Array>;

/**
 * Lowers the .dl file at `path` with `defines`. `shorten` rewrites entry-parameter
 * defaults in the source text (`steps = 1000` → `steps = 4`): those are not
 * hyperparameters, and a 1000-step Gibbs chain would let one float32 rounding
 * difference flip a Bernoulli draw and decorrelate the two runs. Any diagnostic is
 * an Error.
 */
export function lowerDl(path: string, defines: Record<string, number>, shorten: Record<string, string> = {}): Program {
  const read = (p: string): Uint8Array => {
    if (p !== path) return readFileSync(p);
    let text = readFileSync(p, 'utf8');
    for (const [from, to] of Object.entries(shorten)) {
      if (!text.includes(from)) throw new Error(`${path} no longer contains '${from}'`);
      text = text.replace(from, to);
    }
    return new TextEncoder().encode(text);
  };
  const lowered = lowerFile(path, { defines }, read);
  const messages = lowered.diagnostics.map((d) => d.message);
  if (lowered.ioError !== undefined) messages.push(lowered.ioError);
  if (messages.length > 0 || !lowered.program)
    throw new Error(`${path} does not lower: ${messages.join('; ') || 'no program'}`);
  return lowered.program;
}

/**
 * Float32 agreement: |gpu − ref| ≤ 2e-4 + 2e-3·|ref| element-wise, integer outputs
 * equal. Returns the worst disagreement in words, or undefined when they agree.
 */
export function mismatch(
  what: string,
  gpu: ArrayLike<number>,
  ref: ArrayLike<number>,
  dtype: string,
): string | undefined {
  if (gpu.length !== ref.length)
    return `${what}: ${gpu.length} elements on the GPU, ${ref.length} in the reference executor`;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const g = gpu[i]!;
    const r = ref[i]!;
    const excess = dtype === 'f32' ? Math.abs(g - r) - (2e-4 + 2e-3 * Math.abs(r)) : g === r ? 0 : 1;
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  return at >= 0 ? `${what}: element ${at} is ${gpu[at]} on the GPU, ${ref[at]} in the reference executor` : undefined;
}

function asArray(v: OutputValue | undefined): ArrayLike<number> {
  return v === undefined ? [] : typeof v === 'number' ? [v] : v;
}

function toTensors(program: Program, saved: NamedTensors): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const p of program.persistent) out[p.name] = { type: p.type, data: Float64Array.from(saved[p.name] ?? []) };
  return out;
}

export interface ReferenceComparison {
  /** The entries run on both sides, in order. */
  readonly compared: string[];
  /** One line per disagreeing output or persistent tensor (empty when everything agrees). */
  readonly mismatches: string[];
}

/**
 * Runs every entry of `program` in order (or those named) once on the device and
 * once in the reference executor, each from the reference's state so far and the
 * same step number, and compares outputs and written persistent tensors.
 */
export async function compareEntriesToReference(
  program: Program,
  runner: ModelRunner,
  feeds: Feeds,
  only?: readonly string[],
): Promise<ReferenceComparison> {
  const mismatches: string[] = [];
  const check = (what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, dtype: string): void => {
    const m = mismatch(what, gpu, ref, dtype);
    if (m !== undefined) mismatches.push(m);
  };
  let state = initialState(program, SEED);
  const gpuStart = toTensors(program, await runner.save());
  for (const p of program.persistent)
    check(`initial ${p.name}`, gpuStart[p.name]!.data, state[p.name]!.data, p.type.dtype);
  const compared: string[] = [];
  let step = 0;
  for (const entry of program.entries) {
    if (only && !only.includes(entry.name)) continue;
    const refFeeds: Record<string, Tensor> = {};
    const gpuFeeds: Feeds = {};
    for (const a of entry.graph.args.filter((x) => x.kind === 'input')) {
      const data = feeds[a.name];
      if (!data) throw new Error(`no feed for ${entry.name} input '${a.name}'`);
      gpuFeeds[a.name] = data;
      refFeeds[a.name] = { type: a.value.type, data: Float64Array.from(data) };
    }
    runner.load(
      Object.fromEntries(
        program.persistent.map((p) => [
          p.name,
          p.type.dtype === 'f32' ? Float32Array.from(state[p.name]!.data) : Int32Array.from(state[p.name]!.data),
        ]),
      ),
    );
    runner.step = step;
    const gpu = await runner.run(entry.name, gpuFeeds);
    const ref = executeEntry(program, entry.name, refFeeds, state, { seed: SEED, step, precision: 'f32' });
    for (const r of entry.graph.results) {
      if (gpu[r.name] === undefined) mismatches.push(`${entry.name} → ${r.name}: missing on the GPU`);
      else check(`${entry.name} → ${r.name}`, asArray(gpu[r.name]), ref.results[r.name]!.data, r.value.type.dtype);
    }
    const after = toTensors(program, await runner.save());
    state = { ...state, ...ref.assigns };
    for (const p of program.persistent)
      check(`${entry.name} writes ${p.name}`, after[p.name]!.data, state[p.name]!.data, p.type.dtype);
    compared.push(entry.name);
    step++;
  }
  return { compared, mismatches };
}
