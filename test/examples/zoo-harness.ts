// Shared by the model-zoo integration tests: lower an example at small sizes, run
// its entries on the WebGPU device and on the reference executor from the same
// state, seed and step (so random ops draw the same Philox bits), compare outputs
// and every written persistent tensor, and train a few steps on a fixed batch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { lowerFile } from '../../compiler/lower/index';
import type { Program } from '../../compiler/ir/program';
import { executeEntry } from '../../compiler/reference/execute';
import { initialState } from '../../compiler/reference/state';
import type { Tensor } from '../../compiler/ops/registry';
import { createRunner } from '../../compiler/train/load-model';
import type { ModelRunner } from '../../compiler/train/runner';
import { loadMnist } from '../../runtime/data/mnist-node';
import { loadMobyDick } from '../../runtime/data/moby-dick-node';
import type { NamedTensors, OutputValue } from '../../runtime/model';
import { standardizeDataset } from '../../runtime/data/standardize';

export const SEED = 7;

const examples = join(__dirname, '../../examples');

/**
 * Lowers examples/NAME.dl with `defines`. `shorten` rewrites entry-parameter
 * defaults in the source text (`steps = 1000` → `steps = 4`): those are not
 * hyperparameters, and a 1000-step Gibbs chain would let one float32 rounding
 * difference flip a Bernoulli draw and decorrelate the two runs.
 */
export function lowerExample(name: string, defines: Record<string, number>, shorten: Record<string, string> = {}): Program {
  const path = join(examples, `${name}.dl`);
  const read = (p: string): Uint8Array => {
    if (p !== path) return readFileSync(p);
    let text = readFileSync(p, 'utf8');
    for (const [from, to] of Object.entries(shorten)) {
      if (!text.includes(from)) throw new Error(`${name}.dl no longer contains '${from}'`);
      text = text.replace(from, to);
    }
    return new TextEncoder().encode(text);
  };
  const lowered = lowerFile(path, { defines }, read);
  expect(lowered.diagnostics.map((d) => d.message)).toEqual([]);
  return lowered.program!;
}

export type Feeds = Record<string, Float32Array | Int32Array>;

/** The first `batch` MNIST training digits: x as [batch,784] pixels in [0,1], y labels. */
export function mnistBatch(batch: number): { x: Float32Array; y: Int32Array } {
  const train = loadMnist().train;
  return { x: train.x!.data.slice(0, batch * 784) as Float32Array, y: train.y!.data.slice(0, batch) as Int32Array };
}

/** The first `batch` digits of `--data mnist-standardized` (every pixel standardised by the train split's statistics). */
export function standardisedMnistBatch(batch: number): Float32Array {
  return standardizeDataset(loadMnist(), 'mnist-standardized').train.x!.data.slice(0, batch * 784) as Float32Array;
}

/** `batch` consecutive windows of `len` Moby Dick characters (token ids), and the vocabulary size. */
export function mobyDickWindows(batch: number, len: number): { tokens: Int32Array; vocab: number } {
  const corpus = loadMobyDick();
  return { tokens: corpus.train.slice(1000, 1000 + batch * len), vocab: corpus.vocab.length };
}

export function gpuRunner(program: Program): Promise<ModelRunner> {
  return createRunner(program, { seed: SEED });
}

function asArray(v: OutputValue | undefined, what: string): ArrayLike<number> {
  if (v === undefined) throw new Error(`${what}: missing`);
  return typeof v === 'number' ? [v] : v;
}

/** Float32 agreement: |gpu − ref| ≤ atol + rtol·|ref| element-wise; integer outputs must be equal. */
export function expectClose(what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, dtype: string): void {
  expect(gpu.length, `${what}: length`).toBe(ref.length);
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
  if (at >= 0) expect.fail(`${what}: element ${at} is ${gpu[at]} on the GPU, ${ref[at]} in the reference executor`);
}

function toTensors(program: Program, saved: NamedTensors): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const p of program.persistent) out[p.name] = { type: p.type, data: Float64Array.from(saved[p.name]!) };
  return out;
}

/**
 * Runs every entry of `program` in order (or those named) once on the device and
 * once in the reference executor, each from the reference's state so far and the
 * same step number, and checks outputs and written persistent tensors agree.
 * Returns the names of the entries compared.
 */
export async function expectEntriesMatchReference(program: Program, runner: ModelRunner, feeds: Feeds, only?: readonly string[]): Promise<string[]> {
  let state = initialState(program, SEED);
  const gpuStart = toTensors(program, await runner.save());
  for (const p of program.persistent) expectClose(`initial ${p.name}`, gpuStart[p.name]!.data, state[p.name]!.data, p.type.dtype);
  const compared: string[] = [];
  let step = 0;
  for (const entry of program.entries) {
    if (only && !only.includes(entry.name)) continue;
    const inputs = entry.graph.args.filter((a) => a.kind === 'input');
    const refFeeds: Record<string, Tensor> = {};
    const gpuFeeds: Record<string, Float32Array | Int32Array> = {};
    for (const a of inputs) {
      const data = feeds[a.name];
      if (!data) throw new Error(`no feed for ${entry.name} input '${a.name}'`);
      gpuFeeds[a.name] = data;
      refFeeds[a.name] = { type: a.value.type, data: Float64Array.from(data) };
    }
    runner.load(Object.fromEntries(program.persistent.map((p) => [p.name, p.type.dtype === 'f32' ? Float32Array.from(state[p.name]!.data) : Int32Array.from(state[p.name]!.data)])));
    runner.step = step;
    const gpu = await runner.run(entry.name, gpuFeeds);
    const ref = executeEntry(program, entry.name, refFeeds, state, { seed: SEED, step, precision: 'f32' });
    for (const r of entry.graph.results) {
      expectClose(`${entry.name} → ${r.name}`, asArray(gpu[r.name], `${entry.name} → ${r.name}`), ref.results[r.name]!.data, r.value.type.dtype);
    }
    const after = toTensors(program, await runner.save());
    state = { ...state, ...ref.assigns };
    for (const p of program.persistent) expectClose(`${entry.name} writes ${p.name}`, after[p.name]!.data, state[p.name]!.data, p.type.dtype);
    compared.push(entry.name);
    step++;
  }
  return compared;
}

/** Runs train entry `entry` `steps` times on the same feeds, reading `metric` each step. */
export async function trainCurve(runner: ModelRunner, entry: string, feeds: Feeds, metric: string, steps: number): Promise<number[]> {
  const values: number[] = [];
  for (let i = 0; i < steps; i++) {
    const out = await runner.run(entry, feeds, [metric]);
    values.push(out[metric] as number);
  }
  return values;
}

/** The mean of the last three values is below `factor` times the mean of the first three (every value finite). */
export function expectFalls(curve: readonly number[], factor: number): void {
  for (const v of curve) expect(Number.isFinite(v), `curve ${curve.join(', ')}`).toBe(true);
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(curve.slice(0, 3));
  const last = mean(curve.slice(-3));
  expect(last, `first ${curve.slice(0, 3).join(', ')}; last ${curve.slice(-3).join(', ')}`).toBeLessThan(factor * first);
}
