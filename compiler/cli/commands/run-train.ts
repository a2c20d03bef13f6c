// `dlc train`, once its arguments are parsed: open the model (and the checkpoint
// when resuming), load and bind the data, run the loop, report per epoch (a
// progress bar and a line, or one JSON object) and at the end.
import type { SparseUpdates } from '../../optim/sparse-rows';
import { DlcError } from '../../../runtime/errors';
import { existsSync } from 'node:fs';
import { checkWritable } from '../../../runtime/checkpoint/file-node';
import { parseSchedule, formatSchedule } from '../../../runtime/schedule';
import type { LowerFn } from '../../driver';
import { TrainingProgress } from '../progress';
import { chooseEntry, trainMetrics } from '../../../runtime/train/entries';
import { trainLoop } from '../../../runtime/train/loop';
import type { DataOrder } from '../../../runtime/data/batches';
import { bindAugment, formatAugment, type Augment } from '../../../runtime/data/augment';
import { chooseAugment } from './augment-option';
import { checkNoDataFlags, takesNoData } from '../../../runtime/train/no-data';
import { formatBinding, prepareModel, startModel, type OpenOptions } from './open';
import { describeRecord, scheduledRates, setupEntry } from './train-setup';
import { runSchedule } from './run-stages';
import { filterParam, preparePlotDir, writePlots } from '../../../runtime/train/plots';
import { applyInitFrom, readInitFrom, type InitFromOption } from './init-from-option';

// Tests import these from here.
export { describeRecord, scheduledRates };

export interface TrainOptions extends InitFromOption {
  readonly file: string;
  readonly entry?: string;
  readonly data?: string;
  readonly order?: DataOrder;
  /** `--augment`: the training images moved at random (runtime/data/augment.ts). */
  readonly augment?: Augment;
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
  /** `--sparse-updates exact|lazy|off`; absent: the lowering's default (exact). */
  readonly sparseUpdates?: SparseUpdates;
  readonly backend?: string;
  readonly lossEvery: number;
  readonly maxBad: number;
  readonly dlcVersion: string;
  /** `--stage NAME`: run only this stage of the model's schedule. */
  readonly stage?: string;
}

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runTrain(lower: LowerFn, o: TrainOptions, io: CommandIO): Promise<number> {
  if (o.epochs !== undefined && o.steps !== undefined) throw new DlcError('give --epochs or --steps, not both', 2);
  if (o.stage !== undefined && o.entry !== undefined)
    throw new DlcError('give --stage (a stage of the schedule) or --entry (one entry alone), not both', 2);
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
  const openOptions: OpenOptions = {
    file: o.file,
    defines: o.defines,
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    checkNumerics: o.checkNumerics,
    ...(o.optLevel !== undefined ? { optLevel: o.optLevel } : {}),
    ...(o.textures !== undefined ? { textures: o.textures } : {}),
    ...(o.sparseUpdates !== undefined ? { sparseUpdates: o.sparseUpdates } : {}),
    ...(o.resume ? { checkpoint: o.checkpoint! } : {}),
  };
  // Everything that can be checked without the device comes first: entries, data, binding, schedule.
  const prepared = await prepareModel(lower, openOptions, io.stderr);
  const saved = prepared.saved;
  if (o.stage !== undefined && !prepared.program.schedule)
    throw new DlcError(`--stage: model '${prepared.model}' has no schedule`, 2);
  if (saved && o.order !== undefined && saved.order !== o.order) {
    throw new DlcError(
      `${o.checkpoint} was trained with --order ${saved.order}, not ${o.order}; resuming needs the same order`,
      2,
    );
  }
  // Without --entry, a model with a schedule trains its stages.
  if (prepared.program.schedule && o.entry === undefined)
    return runSchedule(prepared, prepared.program.schedule, o, openOptions, io, initBytes);
  if (saved?.stage !== undefined) {
    throw new DlcError(
      `${o.checkpoint} was written in stage '${saved.stage}' of the schedule; resume it without --entry`,
      2,
    );
  }
  const entry = chooseEntry(prepared, 'train', o.entry, 'step');
  if (saved && o.data !== undefined && saved.data !== '' && o.data !== saved.data) {
    throw new DlcError(
      `${o.checkpoint} was trained on '${saved.data}', not '${o.data}'; resuming needs the same data`,
      2,
    );
  }
  // A data-free run is one epoch of --steps steps (checkNoDataFlags insists on --steps).
  const freeSteps = takesNoData(entry) ? checkNoDataFlags(entry, o) : undefined;
  if (saved && o.bind !== undefined && saved.bind !== o.bind) {
    throw new DlcError(
      `${o.checkpoint} was trained with --bind '${saved.bind}', not '${o.bind}'; resuming needs the same binding`,
      2,
    );
  }
  const order = o.order ?? saved?.order ?? 'shuffled';
  const setup = setupEntry(prepared, entry, {
    ...(o.data !== undefined ? { data: o.data } : {}),
    ...((o.bind ?? saved?.bind) !== undefined ? { bind: (o.bind ?? saved?.bind)! } : {}),
    ...(saved ? { savedData: saved.data } : {}),
    ...(freeSteps !== undefined ? { freeSteps } : {}),
  });
  const { loss, dataFree, source, dataset, mapping, bindings, batch, trainCount, perEpoch } = setup;
  const augmentSpec = chooseAugment(o.augment, saved, o.checkpoint);
  if (augmentSpec !== undefined && dataFree) throw new DlcError(`--augment: ${entry.name} trains without data`, 2);
  const augment = augmentSpec === undefined ? undefined : bindAugment(augmentSpec, dataset);
  const evalSetup = setup.eval;
  const totalSteps = o.steps ?? (o.epochs ?? 1) * perEpoch;
  const useSchedule = schedule ?? parseSchedule(saved?.schedule ?? 'constant');
  const lrs = scheduledRates(prepared.program.scalars, entry.name);
  if (lrs.length === 0 && useSchedule.kind !== 'constant')
    throw new DlcError(`--lr-schedule: model '${prepared.model}' has no runtime scalar 'lr' to schedule`, 2);

  const { runner, checkpoint } = await startModel(prepared, openOptions);
  try {
    await applyInitFrom(runner, o, initBytes, o.json ? io.stderr : io.stdout);
    const filters = o.plots !== undefined ? filterParam(runner, entry) : undefined;

    const startStep = checkpoint?.position.step ?? 0;
    const header =
      (dataFree
        ? `training ${runner.model}.${entry.name} without data (it takes no inputs) `
        : `training ${runner.model}.${entry.name} on ${dataset.name} ` +
          `(${trainCount} examples, batch ${batch}, ${perEpoch} steps per epoch` +
          `${order === 'shuffled' ? '' : `, ${order} order`}` +
          `${augment === undefined ? '' : `, augmented ${formatAugment(augment)}`}) `) +
      `to step ${totalSteps}${startStep > 0 ? `, resuming at step ${startStep}` : ''}; lr schedule ${formatSchedule(useSchedule)}; on ${runner.where}`;
    const progressStream = o.json ? io.stderr : io.stdout;
    const showProgress = !o.json || (io.stderr as NodeJS.WriteStream).isTTY === true;
    if (!o.json) io.stdout.write(`${header}\n`);
    if (startStep >= totalSteps) {
      (o.json ? io.stderr : io.stdout).write(
        `already at step ${startStep} of ${totalSteps}; nothing to train (raise --steps or --epochs)\n`,
      );
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
        ...(augment !== undefined ? { augment } : {}),
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
        ...(checkpoint
          ? {
              start: {
                ...checkpoint.position,
                tensors: Object.fromEntries(Object.entries(checkpoint.ckpt.tensors).map(([k, t]) => [k, t.data])),
              },
            }
          : {}),
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
