import { describe, expect, it } from 'vitest';
import {
  batchSize,
  chooseEntry,
  defaultDataset,
  evalEntry,
  lossOutput,
  looksLikeMnist,
  trainMetrics,
} from '../../../runtime/train/entries';
import type { EntryInfo, ModelRunner } from '../../../runtime/train/runner';

const f32 = (name: string, ...shape: number[]) => ({ name, dtype: 'f32' as const, shape });
const i32 = (name: string, ...shape: number[]) => ({ name, dtype: 'i32' as const, shape });
const entry = (
  name: string,
  kind: EntryInfo['kind'],
  inputs: EntryInfo['inputs'],
  outputs: EntryInfo['outputs'] = [],
): EntryInfo => ({ name, kind, inputs, outputs });

function runnerWith(entries: EntryInfo[]): ModelRunner {
  return { model: 'm', entries } as unknown as ModelRunner;
}

describe('entry and dataset choice', () => {
  it('picks the only entry of a kind, predict among infer entries, or the named one', () => {
    const r = runnerWith([entry('step', 'train', []), entry('predict', 'infer', []), entry('embed', 'infer', [])]);
    expect(chooseEntry(r, 'train').name).toBe('step');
    expect(evalEntry(r)?.name).toBe('predict');
    expect(chooseEntry(r, 'infer', 'embed').name).toBe('embed');
    expect(() => chooseEntry(r, 'infer')).toThrow(
      "model 'm' has several infer entry points (predict, embed); pick one with --entry",
    );
    expect(() => chooseEntry(r, 'sample')).toThrow(
      "model 'm' has no sample entry point (entries: step (train), predict (infer), embed (infer))",
    );
    expect(() => chooseEntry(r, 'train', 'predict')).toThrow(
      "entry point 'predict' of model 'm' is a infer entry, not a train entry",
    );
  });

  it('finds the loss and the other scalar outputs', () => {
    const e = entry('step', 'train', [], [f32('accuracy'), f32('loss'), f32('per_example', 8)]);
    expect(lossOutput(e)).toBe('loss');
    expect(trainMetrics(e, 'loss')).toEqual(['accuracy']);
    expect(lossOutput(entry('cd', 'train', [], [f32('recon'), f32('cost')]))).toBe('cost');
    expect(lossOutput(entry('t', 'train', [], [f32('err')]))).toBe('err');
    expect(() => lossOutput(entry('t', 'train', [], [f32('v', 3)]))).toThrow(
      "train entry 't' has no scalar f32 output to report as its loss (outputs: v)",
    );
  });

  it('defaults to mnist for MNIST-shaped inputs and moby-dick for token windows', () => {
    expect(looksLikeMnist(entry('s', 'train', [f32('x', 64, 784), i32('y', 64)]))).toBe(true);
    expect(looksLikeMnist(entry('s', 'train', [f32('image', 64, 1, 28, 28), i32('label', 64)]))).toBe(true);
    expect(looksLikeMnist(entry('s', 'train', [f32('v0', 20, 784)]))).toBe(true);
    expect(looksLikeMnist(entry('s', 'train', [f32('x', 64, 100), i32('y', 64)]))).toBe(false);
    expect(looksLikeMnist(entry('s', 'train', [f32('x', 64, 784), i32('y', 32)]))).toBe(false);
    expect(defaultDataset(entry('s', 'train', [f32('x', 64, 784), i32('y', 64)]))).toBe('mnist');
    expect(defaultDataset(entry('s', 'train', [i32('tokens', 32, 65)]))).toBe('moby-dick');
    expect(() => defaultDataset(entry('s', 'train', [f32('s', 32, 4)]))).toThrow(
      "no --data given and the inputs of 's' (s: f32[32,4]) do not look like a built-in dataset; pass --data mnist|moby-dick|DIR",
    );
  });

  it('takes the batch size from the inputs, which must agree', () => {
    expect(batchSize(entry('s', 'train', [f32('x', 64, 784), i32('y', 64)]))).toBe(64);
    expect(() => batchSize(entry('s', 'train', [f32('x', 64, 784), i32('y', 32)]))).toThrow(
      "entry 's': inputs disagree on the batch size ('x' has 64, 'y' has 32)",
    );
    expect(() => batchSize(entry('s', 'train', []))).toThrow("entry 's' has no batched input");
  });
});
