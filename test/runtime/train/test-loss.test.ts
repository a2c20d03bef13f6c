// The test loss of a model without an accuracy: the train entry's loss on the test
// split's full batches, with the tensors and the entry-call counter put back.
import { describe, expect, it } from 'vitest';
import { createReferenceRunner } from '../../../compiler/reference/runner';
import { hostTensor } from '../../../runtime/data/tensor';
import type { Split } from '../../../runtime/data/dataset';
import { testLoss } from '../../../runtime/train/test-loss';
import { autoencoder } from './programs';

const B = 5;

function split(rows: number, offset: number): Split {
  const v = new Float32Array(rows * 784);
  for (let i = 0; i < v.length; i++) v[i] = ((i * 7 + offset) % 13) / 13;
  return { v0: hostTensor('f32', [rows, 784], v) };
}

describe('test loss', () => {
  it('is the mean of the train entry loss over full batches, and changes nothing', async () => {
    const runner = createReferenceRunner(autoencoder(B, 4), 7);
    const step = runner.entries.find((e) => e.name === 'step')!;
    const bindings = step.inputs.map((i) => ({ field: i.name, input: i.name, reshape: false }));
    const before = await runner.save();
    const counter = runner.step;
    // Two full batches and a partial third, which is left out.
    const test = split(2 * B + 2, 3);
    const got = await testLoss(runner, step, 'cost', test, bindings, B);
    expect(await runner.save()).toEqual(before);
    expect(runner.step).toBe(counter);

    // The same two batches through the train entry of fresh runners with the same weights.
    const expected: number[] = [];
    for (const rows of [
      [0, B],
      [B, 2 * B],
    ] as const) {
      const fresh = createReferenceRunner(autoencoder(B, 4), 7);
      const v0 = (test.v0!.data as Float32Array).slice(rows[0] * 784, rows[1] * 784);
      expected.push((await fresh.run('step', { v0 }, ['cost'])).cost as number);
    }
    expect(got).toBeCloseTo((expected[0]! + expected[1]!) / 2, 6);
    expect(got).toBeGreaterThan(0);
  });

  it('is undefined without a full batch', async () => {
    const runner = createReferenceRunner(autoencoder(B, 4), 7);
    const step = runner.entries.find((e) => e.name === 'step');
    const bindings = step!.inputs.map((i) => ({ field: i.name, input: i.name, reshape: false }));
    expect(await testLoss(runner, step!, 'cost', split(B - 1, 0), bindings, B)).toBeUndefined();
  });
});
