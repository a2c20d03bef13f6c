// The training loop: full shuffled batches through the train entry, the learning
// rate set from the schedule before every step, evaluation at the end of each
// epoch, checkpoints every N steps and at the end, and the non-finite guard.
//
// Reading results back from the device costs a round trip, so the loss is read on
// "checked" steps only: every `lossEvery`-th step, the first step of the run, the
// last step of an epoch and of the run, steps that are followed by a checkpoint,
// and every step after a bad one. The reported loss is the mean of the values read.
//
// Non-finite guard, on a checked step:
//   1. read every persistent tensor (the step's starting weights); if they are all
//      finite they become the last good state, else an unchecked step since the
//      last check went bad: restore the last good state and count the updates
//      thrown away as skipped;
//   2. run the step and read its loss; if the loss is NaN or ±Inf, put the starting
//      weights back (the step's update is skipped) and count it. After a bad step
//      every step is checked, and its resulting weights are read too, since a finite
//      loss can come with a non-finite update;
//   3. after `maxBad` bad checked steps in a row, stop: the last good weights are
//      saved (when checkpointing) and a DlcError names the step.
// A skipped step still consumes its batch and advances the step count, so a run is
// a pure function of (seed, data, schedule) and resuming reproduces it bit for bit.
// Saved tensors are always the last good state (writeCheckpoint refuses NaN anyway).
import { DlcError } from '../errors';
import { TrainBatches, type DataOrder } from '../data/batches';
import { formatAugment, type BoundAugment } from '../data/augment';
import type { Binding } from '../data/bind';
import type { Dataset } from '../data/dataset';
import { writeCheckpoint } from '../checkpoint/file-node';
import { formatSchedule, learningRate, type Schedule } from '../schedule';
import type { EntryInfo, ModelRunner } from './runner';
import type { StageLength } from './schedule-plan';
import { batchSize } from './entries';
import { evaluate, type EvalResult } from './evaluate';
import { feedsOf } from './feeds';
import { testLoss } from './test-loss';
import { makeCheckpoint, type RunPosition } from './checkpoints';
import { firstNonFinite, isFiniteNumber, type GoodState } from './guard';

export interface EpochRecord {
  /** 1-based number of the epoch (for the final record: the epoch the run ended in). */
  readonly epoch: number;
  readonly step: number;
  /** Mean of the losses read during the epoch (NaN when none was read). */
  readonly loss: number;
  readonly test_accuracy?: number;
  /** Without a test accuracy: the train entry's loss on the test split (runtime/train/test-loss.ts). */
  readonly test_loss?: number;
  /** Test-set means of the infer entry's outputs, when there is no accuracy. */
  readonly test_metrics?: Readonly<Record<string, number>>;
  /** Means of the train entry's other scalar outputs (accuracy, recon...). */
  readonly train_metrics?: Readonly<Record<string, number>>;
  readonly skipped: number;
  readonly seconds: number;
}

/** What an evaluation found: the infer entry's results (when there is one) and the test loss. */
type Evaluation = { -readonly [K in keyof EvalResult]?: EvalResult[K] } & { loss?: number };

export interface EvalSetup {
  readonly entry: EntryInfo;
  readonly bindings: readonly Binding[];
  readonly label?: string;
}

export interface LoopConfig {
  readonly runner: ModelRunner;
  readonly entry: EntryInfo;
  readonly loss: string;
  readonly metrics: readonly string[];
  readonly dataset: Dataset;
  readonly bindings: readonly Binding[];
  /** Rows per step; the train entry's batch size when absent (1 for a data-free run). */
  readonly batch?: number;
  readonly order?: DataOrder;
  /** `--augment`: the training batches' images moved at random. */
  readonly augment?: BoundAugment;
  readonly eval?: EvalSetup;
  /** Evaluate after every `evalEvery` epochs or steps and at the end (default: every epoch); null: never. */
  readonly evalEvery?: StageLength | null;
  /** Total optimizer steps of the run, counting the steps before a resume. */
  readonly totalSteps: number;
  readonly schedule: Schedule;
  /** The runtime scalars the schedule scales: the entry's lr and each param group's (defaults: the base rates). */
  readonly lrScalars?: readonly { readonly name: string; readonly base: number }[];
  readonly checkpoint?: { readonly path: string; readonly every?: number };
  readonly dataName: string;
  /** The binding spec recorded in checkpoints ('' when fields matched inputs by name). */
  readonly bindSpec: string;
  readonly dlcVersion: string;
  readonly lossEvery: number;
  readonly maxBad: number;
  /** Where a resumed run starts; the runner already holds its tensors. */
  readonly start?: RunPosition & { readonly tensors: GoodState['tensors'] };
  /** The schedule stage this loop runs, recorded in checkpoints. */
  readonly stage?: string;
  /** Metadata of the stage saved with each checkpoint (its curriculum's rows). */
  readonly extra?: Readonly<Record<string, string>>;
  /**
   * Runs after each step (1-based count `step`), before any checkpoint of that step:
   * a schedule's `update` calls, so a resumed run makes the same calls.
   */
  readonly afterStep?: (step: number) => Promise<void>;
  readonly now?: () => number;
  readonly onStep?: (s: { step: number; epoch: number; loss?: number }) => void;
  readonly onEpoch?: (r: EpochRecord, history: History) => void | Promise<void>;
  readonly onMessage?: (text: string) => void;
}

/** What the plots draw: (step, value) pairs. */
export interface History {
  readonly loss: [number, number][];
  readonly accuracy: [number, number][];
  /** The test loss at each evaluation, for models without an accuracy. */
  readonly testLoss: [number, number][];
  /** The train entry's other scalar outputs (recon...) at each checked step. */
  readonly trainMetrics: Record<string, [number, number][]>;
  /** The infer entry's test means at each evaluation, for models without an accuracy. */
  readonly testMetrics: Record<string, [number, number][]>;
}

export interface LoopResult {
  readonly final: EpochRecord;
  readonly epochs: readonly EpochRecord[];
  readonly history: History;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export async function trainLoop(cfg: LoopConfig): Promise<LoopResult> {
  const { runner, entry } = cfg;
  const now = cfg.now ?? Date.now;
  const batches = new TrainBatches(
    cfg.dataset.train,
    cfg.batch ?? batchSize(entry),
    runner.seed,
    cfg.order,
    cfg.augment,
  );
  let step = 0;
  let skipped = 0;
  let good: GoodState | undefined;
  if (cfg.start) {
    batches.restore(cfg.start.cursor);
    step = cfg.start.step;
    skipped = cfg.start.skipped;
    good = { tensors: cfg.start.tensors, step };
  }
  const scheduleSpec = formatSchedule(cfg.schedule);
  const history: History = { loss: [], accuracy: [], testLoss: [], trainMetrics: {}, testMetrics: {} };
  const epochs: EpochRecord[] = [];
  const runStart = now();
  let epochStart = runStart;
  let losses: number[] = [];
  let metricValues: Record<string, number[]> = {};
  let badRun = 0;
  let firstBad = 0;
  let checkNext = true;
  let recovering = false;
  let lastEval: { step: number; result: Evaluation } | undefined;

  const position = (): RunPosition => ({
    step,
    cursor: batches.cursor,
    schedule: scheduleSpec,
    skipped,
    data: cfg.dataName,
    bind: cfg.bindSpec,
    order: batches.order,
    ...(cfg.augment !== undefined ? { augment: formatAugment(cfg.augment) } : {}),
    ...(cfg.stage !== undefined ? { stage: cfg.stage } : {}),
    ...(cfg.extra !== undefined ? { extra: cfg.extra } : {}),
  });
  const save = async (): Promise<void> => {
    if (!cfg.checkpoint) return;
    const ckpt = await makeCheckpoint(runner, position(), cfg.dlcVersion);
    const tensors: GoodState['tensors'] = {};
    for (const [k, t] of Object.entries(ckpt.tensors)) tensors[k] = t.data;
    // The tensors just read become the last good state when finite (writeCheckpoint refuses them otherwise).
    if (firstNonFinite(tensors) === undefined) good = { tensors, step };
    writeCheckpoint(cfg.checkpoint.path, ckpt);
  };
  /** Counts a bad checked step (1-based step `at`); the loop stops after maxBad in a row. */
  const failed = (at: number): void => {
    if (badRun === 0) firstBad = at;
    badRun++;
    recovering = true;
    checkNext = true;
  };
  const evalEvery: StageLength | null = cfg.evalEvery === undefined ? { count: 1, unit: 'epochs' } : cfg.evalEvery;
  /** Whether the `n`-th epoch or step (1-based) is due an evaluation, at a point where one may run. */
  const evalDue = (unit: StageLength['unit'], n: number, may: boolean): boolean =>
    may && evalEvery !== null && evalEvery.unit === unit && n % evalEvery.count === 0;
  const evaluation = async (): Promise<Evaluation> => {
    if (evalEvery === null) return {};
    if (lastEval?.step === step) return lastEval.result;
    const result: Evaluation = cfg.eval
      ? await evaluate(runner, cfg.eval.entry, cfg.dataset.test, cfg.eval.bindings, cfg.eval.label, cfg.dataset.info)
      : {};
    if (result.accuracy !== undefined) history.accuracy.push([step, result.accuracy]);
    else {
      const testBatch = cfg.batch ?? batchSize(entry);
      // A data-free run (its infer entry plays its own games) has no test split to score the loss on.
      result.loss =
        entry.inputs.length === 0
          ? undefined
          : await testLoss(runner, entry, cfg.loss, cfg.dataset.test, cfg.bindings, testBatch, batches.order);
      if (result.loss !== undefined) history.testLoss.push([step, result.loss]);
      for (const [m, v] of Object.entries(result.metrics ?? {})) (history.testMetrics[m] ??= []).push([step, v]);
    }
    lastEval = { step, result };
    return result;
  };
  const record = (epoch: number, result: Evaluation, start: number): EpochRecord => {
    const trainMetrics: Record<string, number> = {};
    for (const m of cfg.metrics) trainMetrics[m] = mean(metricValues[m] ?? []);
    return {
      epoch,
      step,
      loss: mean(losses),
      ...(result.accuracy !== undefined ? { test_accuracy: result.accuracy } : {}),
      ...(result.loss !== undefined ? { test_loss: result.loss } : {}),
      ...(result.metrics && result.accuracy === undefined ? { test_metrics: result.metrics } : {}),
      ...(cfg.metrics.length > 0 ? { train_metrics: trainMetrics } : {}),
      skipped,
      seconds: (now() - start) / 1000,
    };
  };

  while (step < cfg.totalSteps) {
    const batch = batches.next();
    const endsEpoch = batches.epochDone;
    const last = step + 1 === cfg.totalSteps;
    const saveAfter = cfg.checkpoint?.every !== undefined && (step + 1) % cfg.checkpoint.every === 0;
    const checked = checkNext || last || endsEpoch || saveAfter || (step + 1) % cfg.lossEvery === 0;
    for (const lr of cfg.lrScalars ?? []) runner.setScalar(lr.name, learningRate(cfg.schedule, lr.base, step));
    const feeds = feedsOf(batch.fields, cfg.bindings);
    if (!checked) {
      await runner.run(entry.name, feeds, []);
    } else {
      let base = await runner.save();
      const bad = firstNonFinite(base);
      if (bad === undefined) {
        good = { tensors: base, step };
      } else {
        if (!good)
          throw new DlcError(
            `step ${step + 1}: the weights are not finite (${bad}) and there is no earlier good state to go back to`,
          );
        cfg.onMessage?.(
          `step ${step + 1}: the weights went non-finite (${bad}) since step ${good.step}` +
            `; going back to step ${good.step} (${step - good.step} updates skipped)`,
        );
        skipped += step - good.step;
        runner.load(good.tensors);
        base = good.tensors;
        failed(good.step + 1);
      }
      const out = await runner.run(entry.name, feeds, [cfg.loss, ...cfg.metrics]);
      const loss = out[cfg.loss];
      // After a failure, also check the step's result: a finite loss can still come with a non-finite update.
      const after = isFiniteNumber(loss) && recovering ? firstNonFinite(await runner.save()) : undefined;
      if (isFiniteNumber(loss) && after === undefined) {
        losses.push(loss);
        history.loss.push([step + 1, loss]);
        for (const m of cfg.metrics) {
          if (!isFiniteNumber(out[m])) continue;
          (metricValues[m] ??= []).push(out[m] as number);
          (history.trainMetrics[m] ??= []).push([step + 1, out[m] as number]);
        }
        badRun = 0;
        recovering = false;
        checkNext = false;
      } else {
        runner.load(base);
        skipped++;
        const why = isFiniteNumber(loss)
          ? `the update made the weights non-finite (${after})`
          : `loss is ${String(loss)}`;
        cfg.onMessage?.(`step ${step + 1}: ${why}; update skipped (${skipped} skipped so far)`);
        failed(step + 1);
      }
    }
    step++;
    if (badRun >= cfg.maxBad) {
      // The weights are back at a good state: save them, then stop.
      await save();
      const saved = cfg.checkpoint ? `; the last good weights are saved in ${cfg.checkpoint.path}` : '';
      throw new DlcError(
        `training stopped at step ${step}: ` +
          `${badRun} checked steps in a row had a non-finite loss or update (from step ${firstBad}); ` +
          `${skipped} updates skipped in all${saved}. Try a lower learning rate.`,
      );
    }
    await cfg.afterStep?.(step);
    cfg.onStep?.({ step, epoch: batch.epoch + 1, ...(losses.length > 0 ? { loss: losses[losses.length - 1]! } : {}) });
    if (saveAfter && !last) await save();
    // A record closes each epoch, and each `eval every K steps` evaluation mid-epoch.
    const evalNow = evalDue('epochs', batch.epoch + 1, endsEpoch) || evalDue('steps', step, true) || last;
    if (endsEpoch || (evalNow && evalEvery?.unit === 'steps' && !last)) {
      const r = record(batch.epoch + 1, evalNow ? await evaluation() : {}, epochStart);
      epochs.push(r);
      await cfg.onEpoch?.(r, history);
      losses = [];
      metricValues = {};
      epochStart = now();
    }
  }
  await save();
  const lastEpoch = epochs[epochs.length - 1];
  const ended = lastEpoch !== undefined && lastEpoch.step === step;
  const result = await evaluation();
  const cursor = batches.cursor;
  const final: EpochRecord = ended
    ? { ...lastEpoch, seconds: (now() - runStart) / 1000 }
    : { ...record(cursor.epoch + 1, result, runStart), seconds: (now() - runStart) / 1000 };
  return { final, epochs, history };
}
