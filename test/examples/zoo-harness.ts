// Shared by the model-zoo integration tests: lower an example at small sizes, run
// its entries on the WebGPU device and on the reference executor from the same
// state, seed and step (so random ops draw the same Philox bits), compare outputs
// and every written persistent tensor, and train a few steps on a fixed batch.
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Program } from '../../compiler/ir/program';
import { createRunner } from '../../compiler/cli/commands/load-model';
import type { ModelRunner } from '../../runtime/train/runner';
import { loadMnist } from '../../runtime/data/mnist-node';
import { loadMobyDick } from '../../runtime/data/moby-dick-node';
import { compareEntriesToReference, lowerDl, SEED } from '../../bench/reference-check';
import type { Feeds } from '../../bench/reference-check';

export { SEED };
export type { Feeds };

const examples = join(__dirname, '../../examples');

/** Lowers examples/NAME.dl with `defines`; `shorten` as in lowerDl (bench/reference-check.ts). */
export function lowerExample(
  name: string,
  defines: Record<string, number>,
  shorten: Record<string, string> = {},
): Program {
  return lowerDl(join(examples, `${name}.dl`), defines, shorten);
}

/** The first `batch` MNIST training digits: x as [batch,784] pixels in [0,1], y labels. */
export function mnistBatch(batch: number): { x: Float32Array; y: Int32Array } {
  const train = loadMnist().train;
  return { x: train.x!.data.slice(0, batch * 784) as Float32Array, y: train.y!.data.slice(0, batch) as Int32Array };
}

/** `batch` consecutive windows of `len` Moby Dick characters (token ids), and the vocabulary size. */
export function mobyDickWindows(batch: number, len: number): { tokens: Int32Array; vocab: number } {
  const corpus = loadMobyDick();
  return { tokens: corpus.train.slice(1000, 1000 + batch * len), vocab: corpus.vocab.length };
}

export function gpuRunner(program: Program): Promise<ModelRunner> {
  return createRunner(program, { seed: SEED });
}

/** `use` given a fresh device runner of `program`, destroyed after it (whether or not `use` throws). */
export async function withGpuRunner<T>(program: Program, use: (runner: ModelRunner) => Promise<T>): Promise<T> {
  const runner = await gpuRunner(program);
  try {
    return await use(runner);
  } finally {
    runner.destroy();
  }
}

/**
 * Runs every entry of `program` in order (or those named) once on the device and
 * once in the reference executor (bench/reference-check.ts) and expects every
 * output and written persistent tensor to agree. Returns the names of the entries compared.
 */
export async function expectEntriesMatchReference(
  program: Program,
  runner: ModelRunner,
  feeds: Feeds,
  only?: readonly string[],
): Promise<string[]> {
  const { compared, mismatches } = await compareEntriesToReference(program, runner, feeds, only);
  expect(mismatches).toEqual([]);
  return compared;
}

/** Runs train entry `entry` `steps` times on the same feeds, reading `metric` each step. */
export async function trainCurve(
  runner: ModelRunner,
  entry: string,
  feeds: Feeds,
  metric: string,
  steps: number,
): Promise<number[]> {
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
  expect(last, `first ${curve.slice(0, 3).join(', ')}; last ${curve.slice(-3).join(', ')}`).toBeLessThan(
    factor * first,
  );
}
