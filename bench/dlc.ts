// The dlc column: the `step` train entry point of each reference model, compiled
// from bench/models/<name>.dl (the same shapes and optimizer as the peers) through
// the same pipeline as `dlc compile` (load → lower → compileProgram at -O2) and run
// by the runtime's Model on dlc's own device.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProgram } from '../dsl/index';
import { compileProgram } from '../compiler/driver';
import { planReport } from '../compiler/codegen/report';
import { lowerModelProgram } from '../compiler/lower/model';
import '../compiler/ops/index';
import { acquireDevice } from '../runtime/device';
import { Model } from '../runtime/model';
import type { ModelName } from './models';
import { makeBatch } from './models';
import { charTokens, skipgramBatch } from './seq-data';
import type { StepRunner } from './timing';

/** Why the dlc column cannot be measured, shown in the table as "n/a: <reason>". */
export class DlcUnavailable extends Error {}

const ENTRY = 'step';

/** bench/models/<name>.dl, from the source tree or next to the bundled dist/bench.js. */
function modelFile(name: ModelName): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'models'), join(here, '..', 'bench', 'models')]) {
    const file = join(dir, `${name}.dl`);
    if (existsSync(file)) return file;
  }
  throw new DlcUnavailable(`bench/models/${name}.dl not found`);
}

/** The `step` entry's inputs of bench model `name`: the same data the peers train on. */
export function benchFeeds(name: ModelName): Record<string, Float32Array | Int32Array> {
  if (name === 'charlstm') return { tokens: charTokens() };
  if (name === 'skipgram') return { ...skipgramBatch() };
  const data = makeBatch(name);
  return name === 'rbm' ? { v0: data.x } : { x: data.x, y: data.labels };
}

/**
 * A training step of the compiled dlc model `name` (batch 128, SGD momentum 0.9,
 * the loss read back each step); `gpuBytes()` gives the plan's peak bytes for the
 * step plus its operand textures. A compile error becomes DlcUnavailable with its first diagnostic.
 */
export async function runDlcModel(name: ModelName): Promise<StepRunner> {
  const loaded = loadProgram(modelFile(name));
  if (!loaded.program)
    throw new DlcUnavailable(`${name}.dl does not parse: ${loaded.diagnostics[0]?.message ?? 'unknown error'}`);
  const lowered = lowerModelProgram(loaded.program);
  if (!lowered.program)
    throw new DlcUnavailable(`${name}.dl does not compile: ${lowered.diagnostics[0]?.message ?? 'unknown error'}`);
  const { device, limits, software } = await acquireDevice();
  const { plan } = compileProgram(lowered.program, { level: 2, family: software ? 'register' : 'shared', limits });
  const entry = planReport(plan).entries.find((e) => e.name === ENTRY);
  if (!entry) throw new DlcUnavailable(`${name}.dl has no train entry '${ENTRY}'`);
  const model = await Model.create(plan, { device, seed: 1 });
  const inputs = benchFeeds(name);
  const lossName = name === 'rbm' ? 'cost' : 'loss';
  return {
    async step() {
      const out = await model.run(ENTRY, inputs, { outputs: [lossName] });
      const loss = out[lossName];
      if (typeof loss !== 'number') throw new Error(`${name}: '${lossName}' is not a scalar`);
      return loss;
    },
    gpuBytes: () => entry.peak_bytes + (entry.texture_bytes ?? 0),
    dispose() {
      model.destroy();
    },
  };
}
