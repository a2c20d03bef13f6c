// What one train entry needs before its loop runs, shared by a plain `dlc train` and
// each stage of a schedule: the dataset (or none for an entry without inputs), the
// binding of its fields to inputs, the evaluation entry, the batch size and the
// number of steps per epoch.
import { DlcError } from '../../../runtime/errors';
import type { Dataset } from '../../../runtime/data/dataset';
import type { Binding } from '../../../runtime/data/bind';
import type { EntryInfo } from '../../../runtime/train/runner';
import { batchSize, evalEntry, lossOutput } from '../../../runtime/train/entries';
import { bindEntry, checkMappingTargets } from '../../../runtime/train/feeds';
import { labelField } from '../../../runtime/train/evaluate';
import type { EpochRecord, EvalSetup } from '../../../runtime/train/loop';
import { noDataName, stepsOnlyDataset, takesNoData } from '../../../runtime/train/no-data';
import { bindingMapping, datasetSource, openDataset, type PreparedModel } from './open';

export interface EntrySetup {
  readonly entry: EntryInfo;
  readonly loss: string;
  readonly dataFree: boolean;
  /** The data's name as recorded in checkpoints (noDataName without data). */
  readonly source: string;
  readonly dataset: Dataset;
  readonly mapping: Readonly<Record<string, string>>;
  readonly bindings: readonly Binding[];
  readonly eval?: EvalSetup;
  readonly batch: number;
  readonly trainCount: number;
  readonly perEpoch: number;
}

export interface DataChoice {
  readonly data?: string;
  readonly bind?: string;
  /** What the checkpoint trained on, the default when `data` is absent. */
  readonly savedData?: string;
  /** For an entry without inputs: how many steps its single epoch has. */
  readonly freeSteps?: number;
}

export function setupEntry(prepared: PreparedModel, entry: EntryInfo, c: DataChoice): EntrySetup {
  const loss = lossOutput(entry);
  const dataFree = takesNoData(entry);
  const source = dataFree ? noDataName : datasetSource(entry, c.data, c.savedData);
  const dataset = dataFree ? stepsOnlyDataset(Math.max(c.freeSteps ?? 1, 1)) : openDataset(entry, source);
  const mapping = dataFree ? {} : bindingMapping(c.bind, dataset, entry);
  // Without data the evaluation is an infer entry that needs none either (a DQN's greedy games), if there is one.
  const chosen = evalEntry(prepared);
  const infer = dataFree && chosen?.inputs.length !== 0 ? undefined : chosen;
  checkMappingTargets(mapping, infer ? [entry, infer] : [entry]);
  const bindings = dataFree ? [] : bindEntry(dataset.name, dataset.train, entry, mapping);
  let evalSetup: EvalSetup | undefined;
  if (infer && dataFree) evalSetup = { entry: infer, bindings: [] };
  else if (infer) {
    const labelInput = entry.inputs.find((i) => i.dtype === 'i32' && i.shape.length === 1);
    const labelFrom = bindings.find((b) => b.input === labelInput?.name)?.field;
    const label = labelField(dataset.test, labelFrom);
    evalSetup = {
      entry: infer,
      bindings: bindEntry(dataset.name, dataset.test, infer, mapping),
      ...(label !== undefined ? { label } : {}),
    };
  }
  const batch = dataFree ? 1 : batchSize(entry);
  const trainCount = dataset.train[Object.keys(dataset.train)[0]!]!.shape[0]!;
  const perEpoch = Math.floor(trainCount / batch);
  if (perEpoch === 0)
    throw new DlcError(
      `batch size ${batch} is larger than the ${trainCount} training examples of '${dataset.name}'`,
      2,
    );
  return {
    entry,
    loss,
    dataFree,
    source,
    dataset,
    mapping,
    bindings,
    ...(evalSetup ? { eval: evalSetup } : {}),
    batch,
    trainCount,
    perEpoch,
  };
}

/**
 * The learning rates a schedule scales: the lowering names an optimizer's scalars
 * after their train entry (`step.lr`) and a param group's own rate `step.groupK.lr`;
 * each keeps its ratio to the others. A hand-built program may have a bare `lr`.
 */
export function scheduledRates<S extends { readonly name: string }>(scalars: readonly S[], entry: string): S[] {
  const own = scalars.filter((s) => s.name === `${entry}.lr` || new RegExp(`^${entry}\\.group\\d+\\.lr$`).test(s.name));
  return own.length ? own : scalars.filter((s) => s.name === 'lr');
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/** One human-readable line for an epoch or the end of the run. */
export function describeRecord(r: EpochRecord): string {
  const parts = [`step ${r.step}`, `loss ${Number.isFinite(r.loss) ? r.loss.toFixed(4) : 'n/a'}`];
  if (r.test_accuracy !== undefined) parts.push(`test accuracy ${percent(r.test_accuracy)}`);
  if (r.test_loss !== undefined) parts.push(`test loss ${r.test_loss.toFixed(4)}`);
  for (const [k, v] of Object.entries(r.test_metrics ?? {})) parts.push(`test ${k} ${v.toFixed(4)}`);
  for (const [k, v] of Object.entries(r.train_metrics ?? {})) parts.push(`train ${k} ${v.toFixed(4)}`);
  if (r.skipped > 0) parts.push(`${r.skipped} updates skipped`);
  parts.push(`${r.seconds.toFixed(1)}s`);
  return parts.join(', ');
}
