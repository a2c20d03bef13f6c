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

const cases: [string, Record<string, number>, string[]][] = [
  ['lbfgs', { batch: 32, hidden: 16, m: 4 }, ['predict', 'momentum', 'step']],
  ['hessian_free', { batch: 32, hidden: 16, cg_iters: 4 }, ['predict', 'step']],
  ['vsgd', { batch: 32, hidden: 16 }, ['predict', 'step']],
];

describe('optimizer examples on the device', () => {
  for (const [name, defines, entries] of cases) {
    it(`${name}: entries match the reference executor, and the loss falls`, async () => {
      const program = lowerExample(name, defines);
      const { x, y } = mnistBatch(defines.batch!);
      await withGpuRunner(program, async (runner) => {
        expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual(entries);
      });
      await withGpuRunner(program, async (runner) =>
        expectFalls(await trainCurve(runner, 'step', { x, y }, 'loss', 12), 0.5),
      );
    });
  }
});
