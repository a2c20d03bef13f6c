// `dlc train`, once its arguments are parsed: open the model (and the checkpoint
// when resuming), load and bind the data, run the loop, report per epoch (a
// progress bar and a line, or one JSON object) and at the end.
import { DlcError } from '../../../runtime/errors';
import { existsSync } from 'node:fs';
import { checkWritable } from '../../../runtime/checkpoint/file-node';
import { parseSchedule, formatSchedule } from '../../../runtime/schedule';
import type { LowerFn } from './compile';
import { TrainingProgress } from '../progress';
import { batchSize, chooseEntry, evalEntry, lossOutput, trainMetrics } from '../../../runtime/train/entries';
import { bindEntry, checkMappingTargets } from '../../../runtime/train/feeds';
import { labelField } from '../../../runtime/train/evaluate';
import { trainLoop, type EpochRecord, type EvalSetup } from '../../../runtime/train/loop';
import type { DataOrder } from '../../../runtime/data/batches';
import { checkNoDataFlags, noDataName, stepsOnlyDataset, takesNoData } from '../../../runtime/train/no-data';
import { bindingMapping, datasetSource, formatBinding, openDataset, prepareModel, startModel } from './open';
import { filterParam, preparePlotDir, writePlots } from '../../../runtime/train/plots';
import { applyInitFrom, readInitFrom, type InitFromOption } from './init-from-option';

export interface TrainOptions extends InitFromOption {
  readonly file: string;
  readonly entry?: string;
  readonly data?: string;
  readonly order?: DataOrder;
  readonly bind?: string;
  readonly epochs?: number;
  readonly steps?: number;
  readonly seed?: number;
  readonly checkpoint?: string;
  readonly resume: boolean;
  readonly every?: number;
  readonly plots?: string;
  readonly json: boolean;
  readonly lrSchedule?: string;
  readonly checkNumerics: boolean;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly optLevel?: number;
  /** `--textures on|off`: operand textures in the kernels; absent: the code generator's default. */
  readonly textures?: boolean;
  readonly backend?: string;
  readonly lossEvery: number;
  readonly maxBad: number;
  readonly dlcVersion: string;
}

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/** One human-readable line for an epoch or the end of the run. */
export function describeRecord(r: EpochRecord): string {
  const parts = [`step ${r.step}`, `loss ${Number.isFinite(r.loss) ? r.loss.toFixed(4) : 'n/a'}`];
  if (r.test_accuracy !== undefined) parts.push(`test accuracy ${percent(r.test_accuracy)}`);
  for (const [k, v] of Object.entries(r.test_metrics ?? {})) parts.push(`test ${k} ${v.toFixed(4)}`);
  for (const [k, v] of Object.entries(r.train_metrics ?? {})) parts.push(`train ${k} ${v.toFixed(4)}`);
  if (r.skipped > 0) parts.push(`${r.skipped} updates skipped`);
  parts.push(`${r.seconds.toFixed(1)}s`);
  return parts.join(', ');
}

export async function runTrain(lower: LowerFn, o: TrainOptions, io: CommandIO): Promise<number> {
  if (o.epochs !== undefined && o.steps !== undefined) throw new DlcError('give --epochs or --steps, not both', 2);
  if (o.resume && o.checkpoint === undefined) throw new DlcError('--resume needs --checkpoint PATH', 2);
  if (o.every !== undefined && o.checkpoint === undefined) throw new DlcError('--every needs --checkpoint PATH', 2);
  if (!o.resume && o.checkpoint !== undefined && existsSync(o.checkpoint)) {
    throw new DlcError(`${o.checkpoint} already exists; add --resume to continue from it, or choose another path`, 2);
  }
  if (o.resume && o.initFrom !== undefined) {
    const why = '--init-from starts a new run from other weights and --resume continues this one: give one of them';
    throw new DlcError(why, 2);
  }
  if (o.checkpoint !== undefined) checkWritable(o.checkpoint);
  const initBytes = readInitFrom(o);
  const schedule = o.lrSchedule === undefined ? undefined : parseSchedule(o.lrSchedule);
  if (o.plots !== undefined) preparePlotDir(o.plots);
  const openOptions = {
    file: o.file,
    defines: o.defines,
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    checkNumerics: o.checkNumerics,
    ...(o.optLevel !== undefined ? { optLevel: o.optLevel } : {}),
    ...(o.textures !== undefined ? { textures: o.textures } : {}),
    ...(o.resume ? { checkpoint: o.checkpoint! } : {}),
  };
  // Everything that can be checked without the device comes first: entries, data, binding, schedule.
  const prepared = await prepareModel(lower, openOptions, io.stderr);
  const entry = chooseEntry(prepared, 'train', o.entry, 'step');
  const loss = lossOutput(entry);
  const saved = prepared.saved;
  if (saved && o.data !== undefined && saved.data !== '' && o.data !== saved.data) {
    throw new DlcError(`${o.checkpoint} was trained on '${saved.data}', not '${o.data}'; resuming needs the same data`, 2);
  }
  const dataFree = takesNoData(entry);
  // A data-free run is one epoch of --steps steps (checkNoDataFlags insists on --steps).
  const source = dataFree ? noDataName : datasetSource(entry, o.data, saved?.data);
  const freeSteps = dataFree ? checkNoDataFlags(entry, o) : undefined;
  const dataset = freeSteps !== undefined ? stepsOnlyDataset(Math.max(freeSteps, 1)) : openDataset(entry, source);
  if (saved && o.bind !== undefined && saved.bind !== o.bind) {
    throw new DlcError(`${o.checkpoint} was trained with --bind '${saved.bind}', not '${o.bind}'; resuming needs the same binding`, 2);
  }
  if (saved && o.order !== undefined && saved.order !== o.order) {
    throw new DlcError(`${o.checkpoint} was trained with --order ${saved.order}, not ${o.order}; resuming needs the same order`, 2);
  }
  const order = o.order ?? saved?.order ?? 'shuffled';
  const mapping = dataFree ? {} : bindingMapping(o.bind ?? saved?.bind, dataset, entry);
  // Without data there is nothing to evaluate on; the infer entries still run from the generated module.
  const infer = dataFree ? undefined : evalEntry(prepared);
  checkMappingTargets(mapping, infer ? [entry, infer] : [entry]);
  const bindings = dataFree ? [] : bindEntry(dataset.name, dataset.train, entry, mapping);
  let evalSetup: EvalSetup | undefined;
  if (infer) {
    const labelInput = entry.inputs.find((i) => i.dtype === 'i32' && i.shape.length === 1);
    const labelFrom = bindings.find((b) => b.input === labelInput?.name)?.field;
    const label = labelField(dataset.test, labelFrom);
    evalSetup = { entry: infer, bindings: bindEntry(dataset.name, dataset.test, infer, mapping), ...(label !== undefined ? { label } : {}) };
  }
  const batch = dataFree ? 1 : batchSize(entry);
  const trainCount = dataset.train[Object.keys(dataset.train)[0]!]!.shape[0]!;
  const perEpoch = Math.floor(trainCount / batch);
  if (perEpoch === 0) throw new DlcError(`batch size ${batch} is larger than the ${trainCount} training examples of '${dataset.name}'`, 2);
  const totalSteps = o.steps ?? (o.epochs ?? 1) * perEpoch;
  const useSchedule = schedule ?? parseSchedule(saved?.schedule ?? 'constant');
  const lrs = scheduledRates(prepared.program.scalars, entry.name);
  if (lrs.length === 0 && useSchedule.kind !== 'constant') throw new DlcError(`--lr-schedule: model '${prepared.model}' has no runtime scalar 'lr' to schedule`, 2);

  const { runner, checkpoint } = await startModel(prepared, openOptions);
  try {
    await applyInitFrom(runner, o, initBytes, o.json ? io.stderr : io.stdout);
    const filters = o.plots !== undefined ? filterParam(runner, entry) : undefined;

    const startStep = checkpoint?.position.step ?? 0;
    const header =
      (dataFree
        ? `training ${runner.model}.${entry.name} without data (it takes no inputs) `
        : `training ${runner.model}.${entry.name} on ${dataset.name} (${trainCount} examples, batch ${batch}, ${perEpoch} steps per epoch${order === 'shuffled' ? '' : `, ${order} order`}) `) +
      `to step ${totalSteps}${startStep > 0 ? `, resuming at step ${startStep}` : ''}; lr schedule ${formatSchedule(useSchedule)}; on ${runner.where}`;
    const progressStream = o.json ? io.stderr : io.stdout;
    const showProgress = !o.json || (io.stderr as NodeJS.WriteStream).isTTY === true;
    if (!o.json) io.stdout.write(`${header}\n`);
    if (startStep >= totalSteps) {
      (o.json ? io.stderr : io.stdout).write(`already at step ${startStep} of ${totalSteps}; nothing to train (raise --steps or --epochs)\n`);
    }
    const progress = showProgress ? new TrainingProgress({ totalSteps, startStep, stream: progressStream }) : undefined;
    const say = (text: string) => (progress ? progress.log(text) : io.stderr.write(`${text}\n`));
    let result;
    try {
      result = await trainLoop({
        runner,
        entry,
        loss,
        metrics: trainMetrics(entry, loss),
        dataset,
        bindings,
        batch,
        order,
        ...(evalSetup ? { eval: evalSetup } : {}),
        totalSteps,
        schedule: useSchedule,
        lrScalars: lrs.map((lr) => ({ name: lr.name, base: lr.value })),
        // A resume with nothing left to train writes nothing: PATH and PATH.prev stay as they are.
        ...(o.checkpoint !== undefined && startStep < totalSteps
          ? { checkpoint: { path: o.checkpoint, ...(o.every !== undefined ? { every: o.every } : {}) } }
          : {}),
        dataName: source,
        bindSpec: formatBinding(mapping),
        dlcVersion: o.dlcVersion,
        lossEvery: o.lossEvery,
        maxBad: o.maxBad,
        ...(checkpoint ? { start: { ...checkpoint.position, tensors: Object.fromEntries(Object.entries(checkpoint.ckpt.tensors).map(([k, t]) => [k, t.data])) } } : {}),
        onStep: (s) => progress?.update(s),
        onMessage: say,
        onEpoch: async (r, history) => {
          if (o.json) io.stdout.write(`${JSON.stringify(r)}\n`);
          else say(`epoch ${r.epoch}: ${describeRecord(r)}`);
          if (o.plots !== undefined) await writePlots(o.plots, history, runner, filters);
        },
      });
    } finally {
      progress?.stop();
    }
    if (o.plots !== undefined) await writePlots(o.plots, result.history, runner, filters);
    if (o.json) io.stdout.write(`${JSON.stringify({ ...result.final, final: true })}\n`);
    else {
      const where = o.checkpoint !== undefined ? `; checkpoint ${o.checkpoint}` : '';
      io.stdout.write(`done: ${describeRecord(result.final)}${where}\n`);
    }
    return 0;
  } finally {
    runner.destroy();
  }
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
