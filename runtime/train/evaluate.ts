// Evaluation over the test split with the model's infer entry.
//
// The split is visited in order in batches of the entry's batch size; the last one
// is padded with zero rows (runtime/data/batches.ts) and only its real rows count.
// - With labels (an i32 field of one value per example) and an output of shape
//   [batch, K] with K the number of classes (the dataset's `classes`, else any K
//   larger than every label): test_accuracy = the fraction of examples whose argmax
//   over K is the label.
// - Otherwise each output is averaged: per-example outputs ([batch] or [batch, ...])
//   over the real rows, scalar outputs over the full batches only (a padded batch's
//   scalar would mix in the padding).
// - An entry returning per-row free energies (`energy`, metrics/energy-entry.ts)
//   also gets `pseudo_likelihood`, the stochastic estimate over the test split.
// - An entry with no inputs (a DQN's greedy games, played in the graph) runs once,
//   with no data, and reports the mean of each f32 output.
// The model's entry-call counter is put back afterwards, so evaluating never changes
// the random numbers training draws (runs with and without evaluation stay identical).
import { DlcError } from '../errors';
import { evalBatches } from '../data/batches';
import type { Binding } from '../data/bind';
import type { Split } from '../data/dataset';
import type { EntryInfo, ModelRunner } from './runner';
import { batchSize } from './entries';
import { feedsOf } from './feeds';
import { devicePseudoLikelihood, energyEntry } from './metrics/energy-entry';

export interface EvalResult {
  readonly examples: number;
  readonly accuracy?: number;
  /** Means of the entry's outputs, when there is no accuracy to report. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** The label field of a split: an i32 field with one value per example (`y` preferred). */
export function labelField(split: Split, preferred?: string): string | undefined {
  const isLabel = (name: string) => split[name]?.dtype === 'i32' && split[name]!.shape.length === 1;
  if (preferred !== undefined && isLabel(preferred)) return preferred;
  if (isLabel('y')) return 'y';
  const labels = Object.keys(split).filter(isLabel);
  return labels.length === 1 ? labels[0] : undefined;
}

/**
 * The output that scores the classes: f32 [batch, K] with K the dataset's `classes`
 * when it states one (mnist: 10), else any K that covers every test label.
 */
function classOutput(
  entry: EntryInfo,
  batch: number,
  test: Split,
  label: string,
  info?: Readonly<Record<string, unknown>>,
): string | undefined {
  let max = -1;
  for (const v of test[label]!.data) if (v > max) max = v;
  const fits = (k: number) => (typeof info?.classes === 'number' ? k === info.classes : k > max) && k > 1;
  return entry.outputs.find(
    (o) => o.dtype === 'f32' && o.shape.length === 2 && o.shape[0] === batch && fits(o.shape[1]!),
  )?.name;
}

export async function evaluate(
  runner: ModelRunner,
  entry: EntryInfo,
  test: Split,
  bindings: readonly Binding[],
  label?: string,
  info?: Readonly<Record<string, unknown>>,
): Promise<EvalResult> {
  const savedStep = runner.step;
  if (entry.inputs.length === 0) {
    try {
      return { examples: 0, metrics: await dataFreeMeans(runner, entry) };
    } finally {
      runner.step = savedStep;
    }
  }
  const batch = batchSize(entry);
  try {
    const scores = label === undefined ? undefined : classOutput(entry, batch, test, label, info);
    if (label !== undefined && scores !== undefined) {
      let correct = 0;
      let n = 0;
      for (const b of evalBatches(test, batch)) {
        const out = await runner.run(entry.name, feedsOf(b.fields, bindings), [scores]);
        const probs = out[scores] as Float32Array;
        const k = probs.length / batch;
        const y = b.fields[label]!.data;
        for (let r = 0; r < b.valid; r++) {
          let best = 0;
          for (let c = 1; c < k; c++) if (probs[r * k + c]! > probs[r * k + best]!) best = c;
          if (best === y[r]) correct++;
        }
        n += b.valid;
      }
      return { examples: n, accuracy: correct / n, metrics: {} };
    }
    const sums: Record<string, number> = {};
    const counts: Record<string, number> = {};
    let n = 0;
    for (const b of evalBatches(test, batch)) {
      const out = await runner.run(entry.name, feedsOf(b.fields, bindings));
      n += b.valid;
      for (const o of entry.outputs) {
        if (o.dtype !== 'f32') continue;
        const v = out[o.name]!;
        if (typeof v === 'number') {
          if (b.valid < batch) continue;
          sums[o.name] = (sums[o.name] ?? 0) + v;
          counts[o.name] = (counts[o.name] ?? 0) + 1;
        } else if (o.shape[0] === batch) {
          const per = v.length / batch;
          for (let i = 0; i < b.valid * per; i++) sums[o.name] = (sums[o.name] ?? 0) + v[i]!;
          counts[o.name] = (counts[o.name] ?? 0) + b.valid * per;
        }
      }
    }
    const metrics: Record<string, number> = {};
    for (const name of Object.keys(sums)) metrics[name] = sums[name]! / counts[name]!;
    if (Object.keys(metrics).length === 0) {
      throw new DlcError(
        `cannot evaluate with '${entry.name}': the dataset has no labels for it and it has no f32 outputs to average`,
        2,
      );
    }
    const energy = energyEntry(entry, bindings);
    if (energy) metrics.pseudo_likelihood = await devicePseudoLikelihood(runner, entry, energy, test);
    return { examples: n, metrics };
  } finally {
    runner.step = savedStep;
  }
}

/** One call of an entry without inputs: the mean of each f32 output. */
async function dataFreeMeans(runner: ModelRunner, entry: EntryInfo): Promise<Record<string, number>> {
  const out = await runner.run(entry.name, {});
  const metrics: Record<string, number> = {};
  for (const o of entry.outputs) {
    const v = out[o.name];
    if (o.dtype !== 'f32' || v === undefined) continue;
    if (typeof v === 'number') metrics[o.name] = v;
    else if (typeof v !== 'string' && v.length > 0) {
      let sum = 0;
      for (let i = 0; i < v.length; i++) sum += Number(v[i]);
      metrics[o.name] = sum / v.length;
    }
  }
  if (Object.keys(metrics).length === 0)
    throw new DlcError(`cannot evaluate with '${entry.name}': it takes no inputs and has no f32 outputs to report`, 2);
  return metrics;
}
