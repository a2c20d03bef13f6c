// `dlc eval` of a model with no infer entry (a language model): its train entry's loss
// over the test split, nothing learned (runtime/train/test-loss.ts), in the order the
// checkpoint was trained in, so a state carried across windows (--order striped) is
// carried through the test text too.
import { batchSize, chooseEntry, lossOutput } from '../../../runtime/train/entries';
import { bindEntry, checkMappingTargets } from '../../../runtime/train/feeds';
import { testLoss } from '../../../runtime/train/test-loss';
import { DlcError } from '../../../runtime/errors';
import { bindingMapping, datasetSource, openDataset, startModel, type OpenOptions, type PreparedModel } from './open';
import type { CommandIO } from './run-train';
import { applyInitFrom, readInitFrom, type InitFromOption } from './init-from-option';

export interface TestLossEvalOptions extends InitFromOption {
  readonly data?: string;
  readonly bind?: string;
  readonly json: boolean;
}

export async function evalTestLoss(
  prepared: PreparedModel,
  openOptions: OpenOptions,
  o: TestLossEvalOptions,
  io: CommandIO,
): Promise<number> {
  const entry = chooseEntry(prepared, 'train', undefined, 'step');
  const loss = lossOutput(entry);
  if (entry.inputs.length === 0)
    throw new DlcError(
      `model '${prepared.model}' has no infer entry, and its train entry '${entry.name}' takes no data`,
      2,
    );
  const dataset = openDataset(entry, datasetSource(entry, o.data, prepared.saved?.data));
  const mapping = bindingMapping(o.bind ?? prepared.saved?.bind, dataset, entry);
  checkMappingTargets(mapping, [entry]);
  const bindings = bindEntry(dataset.name, dataset.test, entry, mapping);
  const order = prepared.saved?.order ?? 'shuffled';
  const initBytes = readInitFrom(o);
  const { runner, checkpoint } = await startModel(prepared, openOptions);
  try {
    await applyInitFrom(runner, o, initBytes, o.json ? io.stderr : io.stdout);
    const value = await testLoss(runner, entry, loss, dataset.test, bindings, batchSize(entry), order);
    if (value === undefined) throw new DlcError(`the test split of ${dataset.name} holds no full batch`, 2);
    const step = checkpoint?.position.step ?? 0;
    if (o.json) {
      const out = { model: runner.model, entry: entry.name, data: dataset.name, step, order, test_loss: value };
      io.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      io.stdout.write(`${runner.model} at step ${step}, ${entry.name}'s ${loss} on the test split of ${dataset.name}`);
      io.stdout.write(` (${order === 'striped' ? 'striped, state carried' : 'full batches'}):\n`);
      io.stdout.write(`test loss: ${value.toFixed(6)}\n`);
    }
    return 0;
  } finally {
    runner.destroy();
  }
}
