// examples/sdae.dl at small sizes: every entry matches the reference executor on the
// device (the masking noise's Bernoulli draws included), each denoising autoencoder
// and the fine-tuning lower their loss on a fixed batch of real digits, and the
// filters entry draws the first layer's columns, each scaled to [0, 1].
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

const small = { batch: 16, nh1: 32, nh2: 24, n_filters: 8 };
// Five entries to compile and compare: slow on a shared CPU adapter.
const SLOW = 600_000;

describe('sdae example', () => {
  it(
    'entries match the reference executor; the autoencoders and the fine-tuning lower their losses',
    async () => {
      const program = lowerExample('sdae', small);
      const { x, y } = mnistBatch(small.batch);
      await withGpuRunner(program, async (runner) => {
        expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual([
          'dae1',
          'dae2',
          'finetune',
          'predict',
          'filters',
        ]);
        const w = (await runner.run('filters', {}, ['w'])).w as Float32Array;
        expect(w.length).toBe(8 * 784);
        expect(Math.min(...w)).toBe(0);
        expect(Math.max(...w)).toBeCloseTo(1, 5);
        // The schedule's order on the same runner (one compile): dae2 and the fine-tuning
        // start from what dae1 learnt.
        for (const [entry, metric, feeds, factor] of [
          ['dae1', 'cost', { x }, 0.8],
          ['dae2', 'cost', { x }, 0.95],
          ['finetune', 'loss', { x, y }, 0.95],
        ] as const)
          expectFalls(await trainCurve(runner, entry, feeds, metric, 20), factor);
      });
    },
    SLOW,
  );
});
