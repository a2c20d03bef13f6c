// examples/devise.dl at small sizes on the device: its score entry matches the
// reference executor, and a few steps on a fixed batch of digits bring down the loss of both
// stages (the seen-class classifier, then the map into the word space).
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

const small = { batch: 16, hidden: 16 };

describe('devise example', () => {
  it('score matches the reference executor; both stages lower their loss', async () => {
    const program = lowerExample('devise', small);
    const { x, y } = mnistBatch(small.batch);
    expect([...y].some((label) => label >= 7)).toBe(true); // held-out digits are in the batch, masked out
    await withGpuRunner(program, async (runner) => {
      // The score entry alone (the train entries' ops are all checked elsewhere): top_k, argmax and the masks.
      expect(await expectEntriesMatchReference(program, runner, { x, y }, ['score'])).toEqual(['score']);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'classify', { x, y }, 'loss', 20), 0.7);
      expectFalls(await trainCurve(fresh, 'embed', { x, y }, 'loss', 20), 0.9);
    });
  });
});
