// The test loss of a model without a test accuracy (regression, autoencoders, language
// models): the train entry's loss output averaged over the test split, with nothing learned.
//   1. read every persistent tensor (params, state, optimizer slots);
//   2. for each full test batch, run the train entry, read its loss (computed by the
//      forward pass, before the update) and put the tensors back;
//   3. average over the batches.
// A padded last batch is left out (its mean would count the zero rows). Random ops
// (dropout) draw as in training. The entry-call counter is put back afterwards, as
// evaluate() does, so a run's random numbers do not depend on evaluation.
//
// A run in striped order (a state carried from step to step, TBPTT) is scored the way
// it reads text: the test split in striped batches, so batch row r reads its own
// contiguous stream of test windows; every `state` starts from its initializer, as
// training started (the start of the streams), and is carried from one test batch to the next, while params and optimizer
// slots are put back after each batch. With batches in stored order each window would
// start from a state computed on unrelated text.
import { TrainBatches, evalBatches, type DataOrder } from '../data/batches';
import type { Binding } from '../data/bind';
import type { Split } from '../data/dataset';
import type { EntryInfo, ModelRunner } from './runner';
import { feedsOf } from './feeds';
import { initialize } from '../init';

/** The mean loss over the full batches of `test`, or undefined when it holds no full batch. */
export async function testLoss(
  runner: ModelRunner,
  entry: EntryInfo,
  loss: string,
  test: Split,
  bindings: readonly Binding[],
  batch: number,
  order: DataOrder = 'shuffled',
): Promise<number | undefined> {
  if (entry.inputs.length === 0 || Object.keys(test).length === 0) return undefined;
  const savedStep = runner.step;
  const saved = await runner.save();
  const streams = order === 'striped' ? stripedStart(runner, saved) : undefined;
  let sum = 0;
  let count = 0;
  try {
    if (streams) runner.load(streams.start);
    for (const fields of streams ? stripedBatches(test, batch, runner.seed) : fullBatches(test, batch)) {
      const out = await runner.run(entry.name, feedsOf(fields, bindings), [loss]);
      // Striped: keep the states the step just wrote, put the rest back.
      runner.load(streams ? { ...saved, ...pick(await runner.save(), streams.states) } : saved);
      sum += out[loss] as number;
      count++;
    }
  } finally {
    runner.load(saved);
    runner.step = savedStep;
  }
  return count === 0 ? undefined : sum / count;
}

function* fullBatches(test: Split, batch: number): Generator<Split> {
  for (const b of evalBatches(test, batch)) if (b.valid === batch) yield b.fields;
}

function* stripedBatches(test: Split, batch: number, seed: number): Generator<Split> {
  const rows = Object.values(test)[0]?.shape[0] ?? 0;
  if (rows < batch) return;
  const order = new TrainBatches(test, batch, seed, 'striped');
  for (let i = 0; i < order.batchesPerEpoch; i++) yield order.next().fields;
}

/** The tensors a striped evaluation starts from: every state at its initial value, the rest as saved. */
function stripedStart(
  runner: ModelRunner,
  saved: Readonly<Record<string, unknown>>,
): { start: Record<string, unknown>; states: readonly string[] } {
  const states = runner.persistent.filter((p) => p.kind === 'state');
  const start: Record<string, unknown> = { ...saved };
  for (const s of states) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    start[s.name] = s.init
      ? initialize(s.init, s.dtype, s.shape, runner.seed, s.name)
      : s.dtype === 'f32'
        ? new Float32Array(n)
        : s.dtype === 'i32'
          ? new Int32Array(n)
          : new Uint32Array(n);
  }
  return { start, states: states.map((s) => s.name) };
}

function pick(values: Readonly<Record<string, unknown>>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, values[n]]));
}
