// The test loss of a model without a test accuracy (regression, autoencoders): the
// train entry's loss output averaged over the test split, with nothing learned.
//   1. read every persistent tensor (params, state, optimizer slots);
//   2. for each full test batch, run the train entry, read its loss (computed by the
//      forward pass, before the update) and put the tensors back;
//   3. average over the batches.
// A padded last batch is left out (its mean would count the zero rows). Random ops
// (dropout) draw as in training. The entry-call counter is put back afterwards, as
// evaluate() does, so a run's random numbers do not depend on evaluation.
import { evalBatches } from '../data/batches';
import type { Binding } from '../data/bind';
import type { Split } from '../data/dataset';
import type { EntryInfo, ModelRunner } from './runner';
import { feedsOf } from './feeds';

/** The mean loss over the full batches of `test`, or undefined when it holds no full batch. */
export async function testLoss(
  runner: ModelRunner,
  entry: EntryInfo,
  loss: string,
  test: Split,
  bindings: readonly Binding[],
  batch: number,
): Promise<number | undefined> {
  if (entry.inputs.length === 0 || Object.keys(test).length === 0) return undefined;
  const savedStep = runner.step;
  const saved = await runner.save();
  let sum = 0;
  let count = 0;
  try {
    for (const b of evalBatches(test, batch)) {
      if (b.valid < batch) continue;
      const out = await runner.run(entry.name, feedsOf(b.fields, bindings), [loss]);
      runner.load(saved);
      sum += out[loss] as number;
      count++;
    }
  } finally {
    runner.load(saved);
    runner.step = savedStep;
  }
  return count === 0 ? undefined : sum / count;
}
