// The deep sequence and tree examples at small sizes on the device: every entry
// matches the reference executor, and a few steps on a fixed batch of real data
// (Moby Dick windows; bool-trees) bring the loss down.
import { describe, expect, it } from 'vitest';
import { selectRows } from '../../runtime/data/dataset';
import { boolTrees } from '../../runtime/data/trees';
import {
  expectEntriesMatchReference,
  expectFalls,
  lowerExample,
  mobyDickWindows,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

describe('sequence and tree examples on the device', () => {
  it('deep_lstm: step and generate match the reference executor on Moby Dick; the loss falls', async () => {
    const T = 4;
    const batch = 4;
    const { tokens, vocab } = mobyDickWindows(batch, T + 1);
    const program = lowerExample(
      'deep_lstm',
      { batch, T, hidden: 8, vocab },
      { 'length = 400': 'length = 6', 'lr = 0.01': 'lr = 0.05' },
    );
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { tokens, prime: tokens.subarray(0, 1) })).toEqual([
        'step',
        'generate',
      ]);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { tokens }, 'loss', 20), 0.8);
    });
  });

  it('recursive: predict and step match the reference executor on bool-trees; the loss falls', async () => {
    const batch = 8;
    const rows = selectRows(
      boolTrees().train,
      Array.from({ length: batch }, (_, i) => i),
    );
    const feeds = {
      sym: rows.sym!.data as Int32Array,
      left: rows.left!.data as Int32Array,
      right: rows.right!.data as Int32Array,
      y: rows.y!.data as Int32Array,
    };
    const program = lowerExample('recursive', { batch, d: 8 });
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, feeds)).toEqual(['predict', 'step']);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', feeds, 'loss', 20), 0.7);
    });
  });
});
