// The training loop against a scripted fake model: which steps read the loss, the
// learning rate each step gets, and how non-finite losses and weights are undone.
import { describe, expect, it } from 'vitest';
import { trainLoop, type LoopConfig } from '../../../runtime/train/loop';
import type { EntryInfo, ModelRunner } from '../../../runtime/train/runner';
import { makeDataset } from '../../../runtime/data/dataset';
import { TrainBatches } from '../../../runtime/data/batches';
import { hostTensor } from '../../../runtime/data/tensor';
import { parseSchedule } from '../../../runtime/schedule';

const entry: EntryInfo = {
  name: 'step',
  kind: 'train',
  inputs: [{ name: 'x', dtype: 'f32', shape: [2, 1] }],
  outputs: [{ name: 'loss', dtype: 'f32', shape: [] }],
};

/** A model with one weight w: each step adds its batch's sum to w (or makes w NaN / returns a NaN loss when scripted). */
class FakeRunner {
  w = new Float32Array([0]);
  step = 0;
  readonly lrs: number[] = [];
  readonly reads: number[] = [];
  lr = 0;
  constructor(private readonly script: Record<number, 'nan-loss' | 'nan-weight'> = {}) {}
  get runner(): ModelRunner {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      model: 'fake',
      where: 'test',
      entries: [entry],
      persistent: [{ name: 'w', kind: 'param', dtype: 'f32', shape: [1] }],
      scalars: [{ name: 'lr', value: 0.1 }],
      programHash: 'h',
      seed: 0,
      get step() {
        return self.step;
      },
      set step(v: number) {
        self.step = v;
      },
      async run(name, inputs, outputs): Promise<Record<string, number>> {
        // The no-input infer entry of the eval-every-steps test: reads w, changes nothing.
        if (name === 'score') return { score: self.w[0]! };
        const call = self.step++;
        self.lrs.push(self.lr);
        const x = inputs.x as Float32Array;
        const what = self.script[call];
        self.w[0] = what === 'nan-weight' ? NaN : self.w[0]! + x[0]! + x[1]!;
        const loss = what === 'nan-loss' ? NaN : 1 / (call + 1);
        if (outputs && outputs.length > 0) self.reads.push(call + 1);
        return outputs && outputs.length === 0 ? {} : { loss };
      },
      async save() {
        return { w: Float32Array.from(self.w) };
      },
      load(values) {
        self.w = Float32Array.from(values.w as Float32Array);
      },
      setScalar(_name, v) {
        self.lr = v;
      },
      destroy() {},
    };
  }
}

// 10 examples with values 0..9; batches of 2: 5 steps per epoch.
const dataset = makeDataset(
  'ten',
  {
    x: hostTensor(
      'f32',
      [10, 1],
      Float32Array.from({ length: 10 }, (_, i) => i),
    ),
  },
  { x: hostTensor('f32', [2, 1], new Float32Array(2)) },
);
const bindings = [{ input: 'x', field: 'x', reshape: false }];

function config(fake: FakeRunner, over: Partial<LoopConfig>): LoopConfig {
  return {
    runner: fake.runner,
    entry,
    loss: 'loss',
    metrics: [],
    dataset,
    bindings,
    totalSteps: 12,
    schedule: parseSchedule('constant'),
    lrScalars: [{ name: 'lr', base: 0.1 }],
    dataName: 'ten',
    bindSpec: '',
    dlcVersion: 'test',
    lossEvery: 4,
    maxBad: 3,
    ...over,
  };
}

describe('training loop', () => {
  it('reads the loss on the first step, every N-th step, at epoch ends and at the end; sets the scheduled lr every step', async () => {
    const fake = new FakeRunner();
    // evalEvery null: the test loss (test-loss.test.ts) would add its own reads of the train entry.
    const schedule = parseSchedule('step:every=5,gamma=0.5');
    const result = await trainLoop(config(fake, { schedule, evalEvery: null }));
    expect(fake.reads).toEqual([1, 4, 5, 8, 10, 12]);
    expect(fake.lrs).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
    expect(result.epochs.map((e) => [e.epoch, e.step, e.loss])).toEqual([
      [1, 5, (1 + 1 / 4 + 1 / 5) / 3],
      [2, 10, (1 / 8 + 1 / 10) / 2],
    ]);
    expect(result.final).toMatchObject({ epoch: 3, step: 12, loss: 1 / 12, skipped: 0 });
    // Every example of each epoch was seen once: w is the sum over 2 full epochs (45 each) plus 2 batches.
    expect(fake.w[0]! - 90).toBeGreaterThanOrEqual(1);
    expect(fake.w[0]! - 90).toBeLessThanOrEqual(30);
  });

  it('eval every K steps: a record at each K-th step (evaluated) besides the epoch ends, and at the end', async () => {
    const fake = new FakeRunner();
    const score: EntryInfo = {
      name: 'score',
      kind: 'infer',
      inputs: [],
      outputs: [{ name: 'score', dtype: 'f32', shape: [] }],
    };
    const result = await trainLoop(
      config(fake, { evalEvery: { count: 4, unit: 'steps' }, eval: { entry: score, bindings: [] } }),
    );
    expect(result.epochs.map((e) => [e.epoch, e.step, e.test_metrics !== undefined])).toEqual([
      [1, 4, true],
      [1, 5, false],
      [2, 8, true],
      [2, 10, false],
    ]);
    expect(result.final.step).toBe(12);
    expect(result.final.test_metrics).toEqual({ score: fake.w[0] });
  });

  it('undoes a step whose loss is not finite and counts it', async () => {
    const fake = new FakeRunner({ 3: 'nan-loss' });
    const messages: string[] = [];
    const result = await trainLoop(config(fake, { onMessage: (m) => messages.push(m), evalEvery: null }));
    expect(result.final.skipped).toBe(1);
    expect(messages).toEqual(['step 4: loss is NaN; update skipped (1 skipped so far)']);
    // After the bad step every step is read until one is good.
    expect(fake.reads).toEqual([1, 4, 5, 8, 10, 12]);
    // w is the sum of every batch but step 4's.
    const order = new TrainBatches(dataset.train, 2, 0);
    let want = 0;
    for (let s = 1; s <= 12; s++) {
      const b = order.next().fields.x!.data;
      if (s !== 4) want += b[0]! + b[1]!;
    }
    expect(fake.w[0]).toBe(want);
  });

  it('goes back to the last good weights when an unread step made them NaN', async () => {
    const fake = new FakeRunner({ 1: 'nan-weight' });
    const messages: string[] = [];
    const result = await trainLoop(config(fake, { onMessage: (m) => messages.push(m) }));
    // Step 2 (unread) made w NaN; step 4's check finds it and goes back to the weights before step 1.
    expect(messages[0]).toBe(
      'step 4: the weights went non-finite (w[0] = NaN) since step 0; going back to step 0 (3 updates skipped)',
    );
    expect(result.final.skipped).toBe(3);
    expect(Number.isFinite(fake.w[0]!)).toBe(true);
  });

  it('stops after maxBad bad steps in a row, naming the step', async () => {
    const fake = new FakeRunner({ 3: 'nan-loss', 4: 'nan-loss', 5: 'nan-weight' });
    await expect(trainLoop(config(fake, {}))).rejects.toThrow(
      'training stopped at step 6: 3 checked steps in a row had a non-finite loss or update ' +
        '(from step 4); 3 updates skipped in all. Try a lower learning rate.',
    );
    expect(Number.isFinite(fake.w[0]!)).toBe(true);
  });
});
