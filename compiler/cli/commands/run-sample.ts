// `dlc sample`: load a checkpoint, run a sample entry and write a PNG grid (images)
// or text (tokens): to --out, or by default images to MODEL-ENTRY.png and text to stdout.
// An entry whose inputs are all f32 (the start of a Gibbs or walk-back chain) is fed
// the first test examples of the training data, bound as in training; images of a
// standardised dataset (mnist-standardized) are mapped back to pixel values.
import { aisEntry } from '../../../runtime/train/metrics/ais';
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { DlcError } from '../../../runtime/errors';
import { writePng } from '../../../runtime/png-node';
import { loadMobyDick, loadMobyDickWords } from '../../../runtime/data/moby-dick-node';
import type { LowerFn } from '../../driver';
import { evalBatches } from '../../../runtime/data/batches';
import type { Dataset } from '../../../runtime/data/dataset';
import { standardizedStats, unstandardize } from '../../../runtime/data/standardize';
import { batchSize, chooseEntry, looksLikeMnist } from '../../../runtime/train/entries';
import { bindEntry, feedsOf } from '../../../runtime/train/feeds';
import { checkpointOpenOptions } from './checkpoint-options';
import { applyInitFrom, readInitFrom, type InitFromOption } from './init-from-option';
import { bindingMapping, openDataset, prepareModel, startModel } from './open';
import type { EntryInfo } from '../../../runtime/train/runner';
import { runSample } from '../../../runtime/train/sample';
import type { CommandIO } from './run-train';

export interface SampleOptions extends InitFromOption {
  readonly file: string;
  readonly checkpoint?: string;
  readonly entry?: string;
  readonly out?: string;
  readonly output?: string;
  /** Pixels per image value (default 2). */
  readonly scale?: number;
  readonly prime?: string;
  readonly data?: string;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly optLevel?: number;
  readonly backend?: string;
}

export async function runSampleCommand(lower: LowerFn, o: SampleOptions, io: CommandIO): Promise<number> {
  const ext = o.out === undefined ? undefined : extname(o.out).toLowerCase();
  if (ext !== undefined && ext !== '.png' && ext !== '.txt')
    throw new DlcError(`--out ${o.out}: the file must end in .png (images) or .txt (text)`, 2);
  const openOptions = checkpointOpenOptions(o, io.stderr);
  const initBytes = readInitFrom(o);
  const prepared = await prepareModel(lower, openOptions, io.stderr);
  // An AIS entry returns log-weights for `dlc eval --ais`, nothing to draw: the default skips it.
  const ais = o.entry === undefined ? aisEntry(prepared.entries) : undefined;
  const choices = ais ? { model: prepared.model, entries: prepared.entries.filter((e) => e !== ais) } : prepared;
  const entry = chooseEntry(choices, 'sample', o.entry);
  // Weights from --init-from carry no dataset: an entry taking digits gets MNIST's, not zeros.
  const data = o.data ?? prepared.saved?.data ?? (looksLikeMnist(entry) ? 'mnist' : undefined);
  const takesData =
    entry.inputs.length > 0 && entry.inputs.every((i) => i.dtype === 'f32') && data !== undefined && data !== '';
  const dataset = takesData ? openDataset(entry, data) : undefined;
  const feeds = dataset ? firstTestBatch(dataset, entry, prepared.saved?.bind) : undefined;
  const stats = dataset ? standardizedStats(dataset) : undefined;
  const { runner } = await startModel(prepared, openOptions);
  try {
    await applyInitFrom(runner, o, initBytes, io.stderr);
    const vocab =
      data === 'moby-dick' ? loadMobyDick().vocab : data === 'moby-dick-words' ? loadMobyDickWords().vocab : undefined;
    // A sample entry is one long call (a whole Gibbs or generation chain): say what runs, then how long it took.
    io.stderr.write(`sampling ${entry.name} of ${runner.model} on ${runner.where}…\n`);
    const started = Date.now();
    const result = await runSample(runner, entry, {
      ...(vocab ? { vocab, words: data === 'moby-dick-words' } : {}),
      ...(feeds ? { feeds } : {}),
      ...(stats
        ? { toPixels: (v: ArrayLike<number>) => (v.length % stats.mean.length === 0 ? unstandardize(v, stats) : v) }
        : {}),
      ...(o.prime !== undefined ? { prime: o.prime } : {}),
      ...(o.output !== undefined ? { output: o.output } : {}),
      ...(o.scale !== undefined ? { scale: o.scale } : {}),
    });
    io.stderr.write(`sampled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    switch (result.kind) {
      case 'image': {
        if (ext === '.txt')
          throw new DlcError(`'${entry.name}' returns images (${result.output}); write them to a .png file`, 2);
        const path = o.out ?? `${runner.model}-${entry.name}.png`;
        writePng(path, result.image);
        io.stdout.write(`wrote ${result.count} images from ${entry.name}.${result.output} to ${path}\n`);
        break;
      }
      case 'text': {
        if (ext === '.png')
          throw new DlcError(`'${entry.name}' returns tokens (${result.output}); write them to a .txt file`, 2);
        if (o.out === undefined) io.stdout.write(`${result.text}\n`);
        else {
          writeFileSync(o.out, `${result.text}\n`);
          io.stdout.write(`wrote ${result.text.length} characters from ${entry.name}.${result.output} to ${o.out}\n`);
        }
        break;
      }
      default: {
        const never: never = result;
        throw new Error(`unhandled sample result ${JSON.stringify(never)}`);
      }
    }
    return 0;
  } finally {
    runner.destroy();
  }
}

/** The entry's inputs from the first batch of the test split (rows in split order). */
function firstTestBatch(
  dataset: Dataset,
  entry: EntryInfo,
  bind: string | undefined,
): Record<string, Float32Array | Int32Array> {
  const bindings = bindEntry(dataset.name, dataset.test, entry, bindingMapping(bind, dataset, entry));
  const first = evalBatches(dataset.test, batchSize(entry)).next();
  if (first.done) throw new DlcError(`dataset '${dataset.name}' has no test examples to start '${entry.name}' from`, 2);
  return feedsOf(first.value.fields, bindings);
}
