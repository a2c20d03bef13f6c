// The classifier examples at small sizes on the device: every entry matches the
// reference executor (dropout masks included), and a few steps on a fixed batch of
// real MNIST digits bring the loss down.
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  gpuRunner,
  lowerExample,
  mnistBatch,
  trainCurve,
} from './zoo-harness';

const BATCH = 16;

const cases: [string, Record<string, number>, number][] = [
  // name, small sizes, how far the loss must fall in 40 steps (last 3 vs first 3)
  ['mnist_mlp', { batch: BATCH, hidden: 32 }, 0.75],
  ['mnist_maxout', { batch: BATCH, hidden: 16, pieces: 3 }, 0.75],
  ['mnist_sigmoid', { batch: BATCH, hidden: 32 }, 0.75],
  ['lenet', { batch: 8 }, 0.75],
];

describe('classifier examples on the device', () => {
  for (const [name, defines, factor] of cases) {
    it(`${name}: entries match the reference executor, and the loss falls`, async () => {
      const program = lowerExample(name, defines);
      const { x, y } = mnistBatch(defines.batch!);
      const runner = await gpuRunner(program);
      try {
        expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual(['predict', 'step']);
        const fresh = await gpuRunner(program);
        try {
          expectFalls(await trainCurve(fresh, 'step', { x, y }, 'loss', 40), factor);
        } finally {
          fresh.destroy();
        }
      } finally {
        runner.destroy();
      }
    });
  }
});
