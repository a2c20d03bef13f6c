// The optimizer examples (Hessian-free, L-BFGS: update rules written with grad and
// hvp as values; vSGD: the built-in optimizer with no learning rate) at small sizes on the device: every entry matches
// the reference executor from the same state, and steps on a fixed batch of real
// MNIST digits bring the loss down.
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

// [example, sizes, entries, factor the loss falls by in 12 steps on one batch]
const cases: [string, Record<string, number>, string[], number][] = [
  ['lbfgs', { batch: 32, hidden: 16, m: 4 }, ['predict', 'momentum', 'step'], 0.5],
  ['hessian_free', { batch: 32, hidden: 16, cg_iters: 4 }, ['predict', 'step'], 0.5],
  // vSGD's slow start keeps its first steps small (2.39 -> 2.11 in 12 steps when written).
  ['vsgd', { batch: 32, hidden: 16 }, ['predict', 'step'], 0.95],
];

describe('optimizer examples on the device', () => {
  for (const [name, defines, entries, factor] of cases) {
    it(`${name}: entries match the reference executor, and the loss falls`, async () => {
      const program = lowerExample(name, defines);
      const { x, y } = mnistBatch(defines.batch!);
      await withGpuRunner(program, async (runner) => {
        expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual(entries);
      });
      await withGpuRunner(program, async (runner) =>
        expectFalls(await trainCurve(runner, 'step', { x, y }, 'loss', 12), factor),
      );
    });
  }
});
