// Datasets as the runtime sees them: named fields of host tensors that share their
// first axis (the example axis), in a train and a test split. Nothing here reads
// files, so a browser page can build a Dataset from arrays it already has.
import { DlcError } from '../errors';
import { formatShape, gatherRows, type HostTensor } from './tensor';
import { permutation } from './prng';

/** One split: field name → tensor, all with the same first dimension N. */
export type Split = Readonly<Record<string, HostTensor>>;

export interface Dataset {
  readonly name: string;
  readonly train: Split;
  readonly test: Split;
  /** Free-form facts about the dataset (vocabulary, split seed, …) for reports and samplers. */
  readonly info?: Readonly<Record<string, unknown>>;
}

export function fieldNames(split: Split): string[] {
  return Object.keys(split).sort();
}

/** The number of examples of a split, after checking that every field agrees on it. */
export function splitLength(split: Split, what = 'split'): number {
  let n: number | undefined;
  let first = '';
  for (const name of fieldNames(split)) {
    const t = split[name]!;
    if (t.shape.length === 0) throw new DlcError(`${what}: field '${name}' is a scalar; fields need an example axis`);
    const len = t.shape[0]!;
    if (n === undefined) {
      n = len;
      first = name;
    } else if (len !== n) {
      throw new DlcError(`${what}: field '${name}' has ${len} examples but '${first}' has ${n}`);
    }
  }
  if (n === undefined) throw new DlcError(`${what} has no fields`);
  return n;
}

/** Builds a dataset after checking both splits are consistent and have the same fields with matching row shapes. */
export function makeDataset(name: string, train: Split, test: Split, info?: Record<string, unknown>): Dataset {
  splitLength(train, `dataset '${name}' train split`);
  splitLength(test, `dataset '${name}' test split`);
  const a = fieldNames(train).join(', ');
  const b = fieldNames(test).join(', ');
  if (a !== b) throw new DlcError(`dataset '${name}': train fields (${a}) differ from test fields (${b})`);
  for (const f of fieldNames(train)) {
    const tr = train[f]!;
    const te = test[f]!;
    if (tr.dtype !== te.dtype || formatShape(tr.shape.slice(1)) !== formatShape(te.shape.slice(1))) {
      throw new DlcError(
        `dataset '${name}': field '${f}' is ${tr.dtype}${formatShape(tr.shape)} in train but ${te.dtype}${formatShape(te.shape)} in test`,
      );
    }
  }
  return info === undefined ? { name, train, test } : { name, train, test, info };
}

/** The rows of every field, in the given order. */
export function selectRows(split: Split, rows: ArrayLike<number>): Split {
  const out: Record<string, HostTensor> = {};
  for (const f of fieldNames(split)) out[f] = gatherRows(split[f]!, rows);
  return out;
}

/**
 * The fixed train/test split used for datasets that ship without one: the examples
 * are permuted by Fisher–Yates from `seed` (stream 0 of runtime/data/prng.ts), the
 * first `trainCount` of the permutation form the train split and the rest the test
 * split; within each split the examples keep that permuted order. The result
 * depends only on (N, seed, trainCount), so it is the same on every machine.
 */
export function seededSplit(all: Split, trainCount: number, seed: number): { train: Split; test: Split } {
  const n = splitLength(all);
  if (!Number.isInteger(trainCount) || trainCount < 0 || trainCount > n) {
    throw new DlcError(`cannot take ${trainCount} training examples out of ${n}`);
  }
  const p = permutation(n, seed, 0);
  return { train: selectRows(all, p.subarray(0, trainCount)), test: selectRows(all, p.subarray(trainCount)) };
}
