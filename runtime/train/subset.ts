// A schedule stage's curriculum, `easiest F by ENTRY`: every training example is
// scored by the infer entry ENTRY (its first output, one f32 per row; lower is
// easier) with the weights the stage starts from, and the stage trains on the
// ⌈F·N⌉ lowest-scored examples (ties to the lower index, NaN scores last). The kept
// rows stay in dataset order; the stage's `--order` then applies to them.
//
// The kept rows are saved in the checkpoint as a bitmask (`train.subset`, base64 of
// one bit per example, LSB first), so a run resumed mid-stage trains on the same rows
// although its weights have moved since the stage scored them.
import { DlcError } from '../errors';
import { evalBatches } from '../data/batches';
import type { Binding } from '../data/bind';
import { makeDataset, selectRows, splitLength, type Dataset, type Split } from '../data/dataset';
import { subsetSize } from './schedule-plan';
import { feedsOf } from './feeds';
import type { EntryInfo, ModelRunner } from './runner';
import { batchSize } from './entries';

export const SUBSET_KEY = 'train.subset';

/** Every example's score: the entry's first output, run over the split in batches. */
export async function scoreExamples(
  runner: ModelRunner,
  entry: EntryInfo,
  split: Split,
  bindings: readonly Binding[],
): Promise<Float32Array> {
  const batch = batchSize(entry);
  const output = entry.outputs[0]!.name;
  const scores = new Float32Array(splitLength(split));
  const savedStep = runner.step; // scoring must not move the random streams of training
  try {
    let at = 0;
    for (const b of evalBatches(split, batch)) {
      const out = (await runner.run(entry.name, feedsOf(b.fields, bindings), [output]))[output];
      if (!(out instanceof Float32Array) || out.length !== batch)
        throw new DlcError(`'${entry.name}' must return one f32 score per example as its first output`, 2);
      scores.set(out.subarray(0, b.valid), at);
      at += b.valid;
    }
  } finally {
    runner.step = savedStep;
  }
  return scores;
}

/** The rows of the ⌈fraction·N⌉ lowest scores, in ascending row order. */
export function easiestRows(scores: Float32Array, fraction: number): Int32Array {
  const key = (i: number): number => (Number.isNaN(scores[i]!) ? Infinity : scores[i]!);
  const order = Array.from(scores.keys()).sort((a, b) => key(a) - key(b) || a - b);
  return Int32Array.from(order.slice(0, subsetSize(fraction, scores.length))).sort();
}

export function subsetDataset(ds: Dataset, rows: Int32Array): Dataset {
  return makeDataset(ds.name, selectRows(ds.train, rows), ds.test, { ...ds.info });
}

export function encodeRows(rows: Int32Array, n: number): string {
  const bits = new Uint8Array(Math.ceil(n / 8));
  for (const r of rows) bits[r >> 3]! |= 1 << (r & 7);
  return btoa(String.fromCharCode(...bits));
}

export function decodeRows(text: string, n: number, where: string): Int32Array {
  const bits = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  if (bits.length !== Math.ceil(n / 8))
    throw new DlcError(`${where}: metadata ${SUBSET_KEY} covers ${bits.length * 8} examples, not ${n}`, 2);
  const rows: number[] = [];
  for (let r = 0; r < n; r++) if ((bits[r >> 3]! >> (r & 7)) & 1) rows.push(r);
  return Int32Array.from(rows);
}
