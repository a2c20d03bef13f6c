// Node-only: `--data NAME|PATH` to a Dataset.
//
//   mnist              the fixed 8,000/2,000 split of the `mnist` package (mnist.ts)
//   mnist-standardized the same digits with every pixel standardised by the train
//                      split's mean and deviation (standardize.ts), for real-valued
//                      visible units (examples/grbm.dl)
//   mnist-patches      whitened 8×8 patches cut from the digits (patches.ts), for
//                      examples/tica.dl
//   moby-dick          next-character windows of `options.context` tokens (text.ts)
//   moby-dick-words    windows of `options.context` consecutive words of its 5,000 most
//                      frequent (words.ts), for skip-gram models
//   bool-trees         boolean AND/OR expression trees of 2-16 leaves (trees.ts)
//   DIR                the user's .npy files, one per field, named FIELD.npy:
//                        DIR/train/*.npy and DIR/test/*.npy when both folders exist;
//                        otherwise DIR/*.npy, split 80/20 by seededSplit (seed 0).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DlcError } from '../errors';
import { makeDataset, seededSplit, type Dataset, type Split } from './dataset';
import { loadMnist } from './mnist-node';
import { loadMobyDick, loadMobyDickWords } from './moby-dick-node';
import { readNpy } from './npy-node';
import { patchDataset } from './patches';
import { standardizeDataset } from './standardize';
import { windowDataset } from './text';
import { wordWindowDataset } from './words';
import { boolTrees } from './trees';
import type { HostTensor } from './tensor';

export const BUILTIN_DATASETS = [
  'mnist',
  'mnist-standardized',
  'mnist-patches',
  'moby-dick',
  'moby-dick-words',
  'bool-trees',
] as const;
export const NPY_SPLIT_SEED = 0;

export interface LoadOptions {
  /** Context length for text datasets. */
  readonly context?: number;
}

export function loadDataset(nameOrPath: string, options: LoadOptions = {}): Dataset {
  if (nameOrPath === 'mnist') return loadMnist();
  if (nameOrPath === 'mnist-standardized') return standardizedMnist();
  if (nameOrPath === 'mnist-patches') return (patches ??= patchDataset(loadMnist(), 'mnist-patches'));
  if (nameOrPath === 'moby-dick') {
    if (options.context === undefined)
      throw new DlcError("dataset 'moby-dick' needs a context length (the model's sequence length)", 2);
    return windowDataset(loadMobyDick(), options.context);
  }
  if (nameOrPath === 'moby-dick-words') {
    if (options.context === undefined)
      throw new DlcError("dataset 'moby-dick-words' needs a window width (an i32 input [batch, width])", 2);
    return wordWindowDataset(loadMobyDickWords(), options.context);
  }
  if (nameOrPath === 'bool-trees') return boolTrees();
  if (!existsSync(nameOrPath)) {
    throw new DlcError(
      `unknown dataset '${nameOrPath}': not one of ${BUILTIN_DATASETS.join(', ')} and no such folder`,
      2,
    );
  }
  if (!statSync(nameOrPath).isDirectory())
    throw new DlcError(`${nameOrPath}: a dataset path must be a folder of FIELD.npy files`, 2);
  const name = basename(nameOrPath);
  const trainDir = join(nameOrPath, 'train');
  const testDir = join(nameOrPath, 'test');
  if (existsSync(trainDir) && existsSync(testDir)) {
    return makeDataset(name, readNpyFolder(trainDir), readNpyFolder(testDir), { source: nameOrPath });
  }
  const all = readNpyFolder(nameOrPath);
  const n = Object.values(all)[0]!.shape[0] ?? 0;
  const { train, test } = seededSplit(all, Math.round(n * 0.8), NPY_SPLIT_SEED);
  return makeDataset(name, train, test, {
    source: nameOrPath,
    split: `seeded permutation, seed ${NPY_SPLIT_SEED}, 80% train`,
  });
}

let standardized: Dataset | undefined;
let patches: Dataset | undefined;

function standardizedMnist(): Dataset {
  standardized ??= standardizeDataset(loadMnist(), 'mnist-standardized');
  return standardized;
}

function readNpyFolder(dir: string): Split {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.npy'))
    .sort();
  if (files.length === 0) throw new DlcError(`${dir}: no .npy files (one FIELD.npy per dataset field)`, 2);
  const out: Record<string, HostTensor> = {};
  for (const f of files) out[f.slice(0, -4)] = readNpy(join(dir, f));
  return out;
}
