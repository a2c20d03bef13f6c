// `dlc eval`: load a checkpoint into the model and evaluate its infer entry on the
// test split of the data it was trained on (or `--data`).
import { DlcError } from '../../../runtime/errors';
import type { LowerFn } from '../../driver';
import { chooseEntry, evalEntry } from '../../../runtime/train/entries';
import { bindEntry, checkMappingTargets } from '../../../runtime/train/feeds';
import { evaluate, labelField } from '../../../runtime/train/evaluate';
import { aisEntry, aisLogLikelihood, type AisReport } from '../../../runtime/train/metrics/ais';
import { evalTestLoss } from './eval-test-loss';
import { checkpointOpenOptions } from './checkpoint-options';
import { bindingMapping, datasetSource, openDataset, prepareModel, startModel, type PreparedModel } from './open';
import type { EntryInfo } from '../../../runtime/train/runner';
import type { CommandIO } from './run-train';
import { applyInitFrom, readInitFrom, type InitFromOption } from './init-from-option';

export interface EvalOptions extends InitFromOption {
  readonly file: string;
  readonly checkpoint?: string;
  readonly entry?: string;
  readonly data?: string;
  readonly bind?: string;
  readonly json: boolean;
  /** `--ais N`: annealing runs of the model's AIS entry (0: none). */
  readonly aisRuns: number;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly optLevel?: number;
  readonly backend?: string;
}

export async function runEval(lower: LowerFn, o: EvalOptions, io: CommandIO): Promise<number> {
  const openOptions = checkpointOpenOptions(o, io.stderr);
  const initBytes = readInitFrom(o);
  const prepared = await prepareModel(lower, openOptions, io.stderr);
  const entry = o.entry !== undefined ? chooseEntry(prepared, 'infer', o.entry) : evalEntry(prepared);
  // A model with no infer entry at all (a language model) is scored by its train entry's loss.
  if (!entry && !prepared.entries.some((e) => e.kind === 'infer')) return evalTestLoss(prepared, openOptions, o, io);
  if (!entry) {
    const infer = prepared.entries.filter((e) => e.kind === 'infer').map((e) => e.name);
    throw new DlcError(
      infer.length === 0
        ? `model '${prepared.model}' has no infer entry point to evaluate with`
        : `model '${prepared.model}' has several infer entry points (${infer.join(', ')}); pick one with --entry`,
      2,
    );
  }
  if (entry.inputs.length === 0) return evalWithoutData(prepared, entry, o, openOptions, initBytes, io);
  // The default dataset follows the train entry's inputs when there is one (labels included).
  const train = prepared.entries.find((e) => e.kind === 'train');
  const dataset = openDataset(train ?? entry, datasetSource(train ?? entry, o.data, prepared.saved?.data));
  const mapping = bindingMapping(o.bind ?? prepared.saved?.bind, dataset, entry);
  checkMappingTargets(mapping, train ? [train, entry] : [entry]);
  const bindings = bindEntry(dataset.name, dataset.test, entry, mapping);
  const labelInput = train?.inputs.find((i) => i.dtype === 'i32' && i.shape.length === 1);
  const labelFrom = labelInput
    ? (Object.entries(mapping).find(([, input]) => input === labelInput.name)?.[0] ?? labelInput.name)
    : undefined;
  const label = labelField(dataset.test, labelFrom);
  const ais = o.aisRuns > 0 ? aisEntry(prepared.entries) : undefined;
  if (o.aisRuns > 0 && !ais)
    throw new DlcError(
      `--ais: model '${prepared.model}' has no AIS entry (a sample entry returning log_w: f32[chains], ` +
        `with at most one input, base: f32[D])`,
      2,
    );
  const { runner, checkpoint } = await startModel(prepared, openOptions);
  try {
    await applyInitFrom(runner, o, initBytes, o.json ? io.stderr : io.stdout);
    const result = await evaluate(runner, entry, dataset.test, bindings, label, dataset.info);
    let report: AisReport | undefined;
    if (ais) {
      const field = bindings.find((b) => b.input === entry.inputs[0]?.name)?.field;
      if (field === undefined) throw new DlcError(`--ais: no dataset field feeds '${entry.name}'`, 2);
      report = await aisLogLikelihood(runner, ais, entry, field, dataset.train, dataset.test, o.aisRuns);
    }
    const step = checkpoint?.position.step ?? 0;
    if (o.json) {
      const out = {
        model: runner.model,
        entry: entry.name,
        data: dataset.name,
        step,
        examples: result.examples,
        ...(result.accuracy !== undefined ? { test_accuracy: result.accuracy } : { test_metrics: result.metrics }),
        ...(report ? { ais: report } : {}),
      };
      io.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      io.stdout.write(
        `${runner.model} at step ${step}, ${entry.name} on the ${result.examples} test examples of ${dataset.name}:\n`,
      );
      if (result.accuracy !== undefined) io.stdout.write(`test accuracy: ${(100 * result.accuracy).toFixed(2)}%\n`);
      for (const [k, v] of Object.entries(result.metrics)) io.stdout.write(`${k}: ${v.toFixed(6)}\n`);
      if (report) io.stdout.write(formatAis(report, ais!.name));
    }
    return 0;
  } finally {
    runner.destroy();
  }
}

/** An infer entry with no inputs (a DQN playing its own games) runs once, without data; its f32 outputs are reported. */
async function evalWithoutData(
  prepared: PreparedModel,
  entry: EntryInfo,
  o: EvalOptions,
  openOptions: ReturnType<typeof checkpointOpenOptions>,
  initBytes: ReturnType<typeof readInitFrom>,
  io: CommandIO,
): Promise<number> {
  if (o.data !== undefined || o.bind !== undefined)
    throw new DlcError(`entry '${entry.name}' takes no inputs, so it evaluates without data; drop --data/--bind`, 2);
  const { runner, checkpoint } = await startModel(prepared, openOptions);
  try {
    await applyInitFrom(runner, o, initBytes, o.json ? io.stderr : io.stdout);
    const { metrics } = await evaluate(runner, entry, {}, []);
    const step = checkpoint?.position.step ?? 0;
    if (o.json) io.stdout.write(`${JSON.stringify({ model: runner.model, entry: entry.name, step, metrics })}\n`);
    else {
      io.stdout.write(`${runner.model} at step ${step}, ${entry.name} (no data):\n`);
      for (const [k, v] of Object.entries(metrics)) io.stdout.write(`${k}: ${v.toFixed(6)}\n`);
    }
    return 0;
  } finally {
    runner.destroy();
  }
}

/** The AIS figures as `dlc eval` prints them. */
function formatAis(r: AisReport, entry: string): string {
  const runs = r.runs.map((z) => z.toFixed(3)).join(', ');
  const ll = r.bound ? 'ais_log_likelihood_bound' : 'ais_log_likelihood';
  return (
    `${entry}: ${r.runs.length} run${r.runs.length === 1 ? '' : 's'} of ${r.chains} chains, log Z per run: ${runs}\n` +
    `ais_log_z: ${r.log_z.toFixed(6)} (sd ${r.log_z_sd.toFixed(6)})\n` +
    `${ll}: ${r.log_likelihood.toFixed(6)} (sd ${r.log_likelihood_sd.toFixed(6)})\n`
  );
}
