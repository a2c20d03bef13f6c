// `dlc train FILE` for a model with a `schedule { ... }`: runs its stages in order
// (or the one `--stage NAME` names) on one model, each stage a training loop over its
// own train entry, data, lr schedule and evaluation frequency, calling its `update`
// entries after the steps they are due. Steps count within a stage; `--steps N`
// stops the whole run after N steps counted over the stages run. A checkpoint
// records the stage it was written in and the position in it, so `--resume` skips the
// finished stages and continues that one exactly where it stopped.
import { DlcError } from '../../../runtime/errors';
import type { DataOrder } from '../../../runtime/data/batches';
import { bindAugment, formatAugment, type BoundAugment } from '../../../runtime/data/augment';
import { chooseAugment } from './augment-option';
import { applyInitFrom } from './init-from-option';
import { formatSchedule } from '../../../runtime/schedule';
import { chooseEntry, trainMetrics } from '../../../runtime/train/entries';
import { bindEntry } from '../../../runtime/train/feeds';
import {
  decodeRows,
  easiestRows,
  encodeRows,
  scoreExamples,
  subsetDataset,
  SUBSET_KEY,
} from '../../../runtime/train/subset';
import { trainLoop, type EpochRecord } from '../../../runtime/train/loop';
import type { ModelRunner } from '../../../runtime/train/runner';
import type { Dataset } from '../../../runtime/data/dataset';
import {
  stageLrSchedule,
  subsetSize,
  type StagePlan,
  type StageLength,
  type TrainingSchedule,
} from '../../../runtime/train/schedule-plan';
import { TrainingProgress } from '../progress';
import { formatBinding, startModel, type OpenOptions, type PreparedModel } from './open';
import type { CommandIO, TrainOptions } from './run-train';
import { describeRecord, scheduledRates, setupEntry, type EntrySetup } from './train-setup';

interface StageRun {
  readonly stage: StagePlan;
  readonly setup: EntrySetup;
  /** The stage's length in steps. */
  readonly steps: number;
  /** Steps per epoch of the stage's data (of its `easiest` subset, when it has one). */
  readonly perEpoch: number;
  /** `--augment`, bound to the stage's images (stages without data have none). */
  readonly augment?: BoundAugment;
}

function inSteps(l: StageLength, perEpoch: number): number {
  return l.unit === 'steps' ? l.count : l.count * perEpoch;
}

/** Steps per epoch of a stage: over its `easiest` subset when it has one. */
function stagePerEpoch(stage: StagePlan, setup: EntrySetup): number {
  if (!stage.easiest) return setup.perEpoch;
  const kept = subsetSize(stage.easiest.fraction, setup.trainCount);
  const perEpoch = Math.floor(kept / setup.batch);
  if (perEpoch === 0)
    throw new DlcError(
      `stage '${stage.name}': 'easiest ${stage.easiest.fraction}' keeps ${kept} of ${setup.trainCount} examples, fewer than a batch of ${setup.batch}`,
      2,
    );
  return perEpoch;
}

/** The stages to run: all of them, or the one `--stage` names. */
function selectStages(prepared: PreparedModel, schedule: TrainingSchedule, only: string | undefined): StagePlan[] {
  if (only === undefined) return [...schedule.stages];
  const stage = schedule.stages.find((s) => s.name === only);
  if (!stage)
    throw new DlcError(
      `--stage: the schedule of '${prepared.model}' has no stage '${only}' (stages: ${schedule.stages.map((s) => s.name).join(', ')})`,
      2,
    );
  return [stage];
}

function checkFlags(o: TrainOptions): void {
  if (o.epochs !== undefined)
    throw new DlcError(
      "--epochs: the schedule gives each stage's length; --steps N stops the whole run after N steps",
      2,
    );
  if (o.lrSchedule !== undefined)
    throw new DlcError("--lr-schedule: a schedule gives each stage its own ('lr_schedule' in the stage)", 2);
  if (o.plots !== undefined)
    throw new DlcError(
      "--plots draws one entry's run: give --entry NAME to train one entry of the schedule with plots",
      2,
    );
}

/** Where a resumed run starts: the index of the checkpoint's stage among those run. */
function resumeIndex(stages: readonly StagePlan[], prepared: PreparedModel, o: TrainOptions): number {
  const saved = prepared.saved;
  if (!saved) return 0;
  if (saved.stage === undefined)
    throw new DlcError(
      `${o.checkpoint} was written by a run of one entry, not by the schedule; resume it with --entry`,
      2,
    );
  const at = stages.findIndex((s) => s.name === saved.stage);
  if (at < 0) {
    const which = o.stage !== undefined ? `--stage ${o.stage}` : 'the schedule';
    throw new DlcError(`${o.checkpoint} was written in stage '${saved.stage}', which ${which} does not run`, 2);
  }
  return at;
}

export async function runSchedule(
  prepared: PreparedModel,
  schedule: TrainingSchedule,
  o: TrainOptions,
  openOptions: OpenOptions,
  io: CommandIO,
  /** `--init-from`'s bytes, read by runTrain before the device started. */
  initBytes?: Uint8Array,
): Promise<number> {
  checkFlags(o);
  const stages = selectStages(prepared, schedule, o.stage);
  const first = resumeIndex(stages, prepared, o);
  const augment = chooseAugment(o.augment, prepared.saved, o.checkpoint);
  // Every stage is set up before the device starts, so a bad entry or dataset stops the run before any training.
  const runs: StageRun[] = stages.map((stage) => {
    const entry = chooseEntry(prepared, 'train', stage.entry);
    const data = stage.data ?? o.data;
    const bind = stage.bind ?? o.bind;
    const setup = setupEntry(prepared, entry, {
      ...(data !== undefined ? { data } : {}),
      ...(bind !== undefined ? { bind } : {}),
      ...(stage.length.unit === 'steps' ? { freeSteps: stage.length.count } : {}),
    });
    const lrs = scheduledRates(prepared.program.scalars, entry.name);
    if (stage.lrSchedule !== undefined && stage.lrSchedule !== 'constant' && lrs.length === 0) {
      throw new DlcError(
        `stage '${stage.name}': entry '${entry.name}' has no runtime scalar 'lr' for its lr_schedule`,
        2,
      );
    }
    const perEpoch = stagePerEpoch(stage, setup);
    const bound = augment !== undefined && !setup.dataFree ? { augment: bindAugment(augment, setup.dataset) } : {};
    return { stage, setup, perEpoch, steps: inSteps(stage.length, perEpoch), ...bound };
  });
  const total = runs.reduce((n, r) => n + r.steps, 0);
  const stopAt = o.steps ?? total;

  const { runner, checkpoint } = await startModel(prepared, openOptions);
  try {
    // The first stage run starts from the loaded params (runTrain refuses --init-from with --resume).
    await applyInitFrom(runner, o, initBytes, o.json ? io.stderr : io.stdout);
    const progressStream = o.json ? io.stderr : io.stdout;
    const showProgress = !o.json || (io.stderr as NodeJS.WriteStream).isTTY === true;
    const info = (text: string) => (o.json ? io.stderr : io.stdout).write(`${text}\n`);
    info(
      `schedule of ${runner.model}: ${runs.map((r) => `${r.stage.name} (${r.steps} steps)`).join(', ')}; ${total} steps on ${runner.where}`,
    );
    let offset = 0;
    let final: { stage: string; record: EpochRecord } | undefined;
    for (let i = 0; i < runs.length && offset < stopAt; i++) {
      const run = runs[i]!;
      const start = i === first && checkpoint ? checkpoint.position : undefined;
      const startStep = i < first ? run.steps : (start?.step ?? 0);
      const stageStop = Math.min(run.steps, stopAt - offset);
      if (startStep >= stageStop) {
        offset += run.steps;
        continue; // finished before the checkpoint was written
      }
      const order = o.order ?? prepared.saved?.order ?? 'shuffled'; // every stage of a resumed run keeps the run's order
      const at = {
        startStep,
        stageStop,
        order,
        showProgress,
        progressStream,
        ...(start ? { start, ckpt: checkpoint! } : {}),
      };
      final = { stage: run.stage.name, record: await runStage(runner, run, o, io, at) };
      offset += run.steps;
    }
    if (!final) {
      info(`already at step ${Math.min(stopAt, total)} of the schedule; nothing to train`);
      return 0;
    }
    if (o.json) io.stdout.write(`${JSON.stringify({ stage: final.stage, ...final.record, final: true })}\n`);
    else {
      const where = o.checkpoint !== undefined ? `; checkpoint ${o.checkpoint}` : '';
      const stopped = stopAt < total ? ` (stopped by --steps ${stopAt} of ${total})` : '';
      io.stdout.write(`done: stage ${final.stage}, ${describeRecord(final.record)}${stopped}${where}\n`);
    }
    return 0;
  } finally {
    runner.destroy();
  }
}

interface StageStart {
  readonly startStep: number;
  /** The stage's steps to run to (its length, or less under --steps). */
  readonly stageStop: number;
  readonly order: DataOrder;
  readonly showProgress: boolean;
  readonly progressStream: NodeJS.WritableStream;
  readonly start?: NonNullable<Awaited<ReturnType<typeof startModel>>['checkpoint']>['position'];
  readonly ckpt?: NonNullable<Awaited<ReturnType<typeof startModel>>['checkpoint']>;
}

async function runStage(
  runner: ModelRunner,
  run: StageRun,
  o: TrainOptions,
  io: CommandIO,
  s: StageStart,
): Promise<EpochRecord> {
  const { stage, setup, steps, perEpoch } = run;
  const name = stage.name;
  const lrSchedule = stageLrSchedule(stage.lrSchedule, steps);
  const lrs = scheduledRates(runner.scalars, setup.entry.name);
  const { dataset, extra, kept } = await stageData(runner, run, s);
  const what = setup.dataFree
    ? 'without data'
    : `on ${setup.dataset.name} (${kept}${kept === setup.trainCount ? '' : ` of ${setup.trainCount}`} examples, ` +
      `batch ${setup.batch}, ${perEpoch} steps per epoch` +
      `${run.augment === undefined ? '' : `, augmented ${formatAugment(run.augment)}`})`;
  const resuming = s.startStep > 0 ? `, resuming at step ${s.startStep}` : '';
  const evalText =
    setup.eval && stage.evalEvery !== null
      ? stage.evalEvery.count === 1 && stage.evalEvery.unit === 'epochs'
        ? ''
        : `; eval every ${stage.evalEvery.count} ${stage.evalEvery.unit}`
      : '; no evaluation';
  const header =
    `stage ${name}: training ${runner.model}.${setup.entry.name} ${what} ` +
    `to step ${s.stageStop} of ${steps}${resuming}; ` +
    `lr schedule ${formatSchedule(lrSchedule)}${evalText}`;
  if (!o.json) io.stdout.write(`${header}\n`);
  else io.stderr.write(`${header}\n`);
  const progress = s.showProgress
    ? new TrainingProgress({ totalSteps: s.stageStop, startStep: s.startStep, stream: s.progressStream })
    : undefined;
  const say = (text: string) => (progress ? progress.log(text) : io.stderr.write(`${text}\n`));
  // The update entries due after a stage step (1-based): `every` ones on their multiples, `at end` ones after the last.
  const afterStep = async (step: number): Promise<void> => {
    for (const c of stage.calls) {
      const due = c.every === undefined ? step === steps : step % inSteps(c.every, perEpoch) === 0;
      if (due) await runner.run(c.entry, {}, []);
    }
  };
  let result;
  try {
    result = await trainLoop({
      runner,
      entry: setup.entry,
      loss: setup.loss,
      metrics: trainMetrics(setup.entry, setup.loss),
      dataset,
      bindings: setup.bindings,
      batch: setup.batch,
      order: s.order,
      ...(run.augment !== undefined ? { augment: run.augment } : {}),
      ...(setup.eval ? { eval: setup.eval } : {}),
      evalEvery: stage.evalEvery,
      totalSteps: s.stageStop,
      schedule: lrSchedule,
      lrScalars: lrs.map((lr) => ({ name: lr.name, base: lr.value })),
      ...(o.checkpoint !== undefined
        ? { checkpoint: { path: o.checkpoint, ...(o.every !== undefined ? { every: o.every } : {}) } }
        : {}),
      dataName: setup.source,
      bindSpec: formatBinding(setup.mapping),
      dlcVersion: o.dlcVersion,
      lossEvery: o.lossEvery,
      maxBad: o.maxBad,
      stage: name,
      ...(extra ? { extra } : {}),
      afterStep,
      ...(s.start && s.ckpt
        ? {
            start: {
              ...s.start,
              tensors: Object.fromEntries(Object.entries(s.ckpt.ckpt.tensors).map(([k, t]) => [k, t.data])),
            },
          }
        : {}),
      onStep: (p) => progress?.update(p),
      onMessage: say,
      onEpoch: (r) => {
        if (o.json) io.stdout.write(`${JSON.stringify({ stage: name, ...r })}\n`);
        else say(`stage ${name}, epoch ${r.epoch}: ${describeRecord(r)}`);
      },
    });
  } finally {
    progress?.stop();
  }
  if (o.json) io.stdout.write(`${JSON.stringify({ stage: name, ...result.final, stage_done: true })}\n`);
  else io.stdout.write(`stage ${name} done: ${describeRecord(result.final)}\n`);
  return result.final;
}

/**
 * The stage's training data: all of it, or for `easiest F by ENTRY` the rows ENTRY
 * scores lowest now (runtime/train/subset.ts); a resumed stage reuses the rows its
 * checkpoint saved, since its weights have moved since it scored them.
 */
async function stageData(
  runner: ModelRunner,
  run: StageRun,
  s: StageStart,
): Promise<{ dataset: Dataset; extra?: Record<string, string>; kept: number }> {
  const { stage, setup } = run;
  if (!stage.easiest) return { dataset: setup.dataset, kept: setup.trainCount };
  const saved = s.start ? s.ckpt?.ckpt.info.extra?.[SUBSET_KEY] : undefined;
  let rows;
  if (saved !== undefined) rows = decodeRows(saved, setup.trainCount, `stage '${stage.name}'`);
  else {
    const entry = chooseEntry(runner, 'infer', stage.easiest.entry);
    const scores = await scoreExamples(
      runner,
      entry,
      setup.dataset.train,
      bindEntry(setup.dataset.name, setup.dataset.train, entry, setup.mapping),
    );
    rows = easiestRows(scores, stage.easiest.fraction);
  }
  return {
    dataset: subsetDataset(setup.dataset, rows),
    extra: { [SUBSET_KEY]: encodeRows(rows, setup.trainCount) },
    kept: rows.length,
  };
}
