// The optimizer examples (Hessian-free, L-BFGS: update rules written with grad and
// hvp as values; vSGD with no learning rate: the built-in optimizer, and vSGD-fd, vSGD-l and the
// elementwise rule with bbprop's curvature written in .dl) at small sizes on the device: every entry matches
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

// [example, sizes, entries, the entry trained, factor its loss falls by in 12 steps on one batch]
const cases: [string, Record<string, number>, string[], string, number][] = [
  ['lbfgs', { batch: 32, hidden: 16, m: 4 }, ['predict', 'momentum', 'step'], 'step', 0.5],
  ['hessian_free', { batch: 32, hidden: 16, cg_iters: 4 }, ['predict', 'step'], 'step', 0.5],
  // vSGD's slow start keeps the first steps small (built-in: 2.39 -> 2.11 in 12 steps when written).
  // eps 1e-4 floors fd's |ḡ|: where ḡ ≈ 1e-8 the finite difference |Δg|/|ḡ| (~1e9) keeps
  // only the last digits of Δg, which a different summation order on the device changes.
  ['vsgd', { batch: 32, hidden: 16, eps: 1e-4 }, ['predict', 'step', 'fd', 'layerwise', 'elementwise'], 'step', 0.95],
  ['vsgd', { batch: 32, hidden: 16 }, [], 'fd', 0.9],
  // bbprop's curvature on the same batch (when written: layerwise 2.13 -> 1.21, elementwise 2.13 -> 0.24).
  ['vsgd', { batch: 32, hidden: 16 }, [], 'layerwise', 0.75],
  ['vsgd', { batch: 32, hidden: 16 }, [], 'elementwise', 0.3],
];

describe('optimizer examples on the device', () => {
  for (const [name, defines, entries, train, factor] of cases) {
    it(`${name}: entries match the reference executor, and the loss of ${train} falls`, async () => {
      const program = lowerExample(name, defines);
      const { x, y } = mnistBatch(defines.batch!);
      if (entries.length > 0)
        await withGpuRunner(program, async (runner) => {
          expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual(entries);
        });
      await withGpuRunner(program, async (runner) =>
        expectFalls(await trainCurve(runner, train, { x, y }, 'loss', 12), factor),
      );
    });
  }
});
