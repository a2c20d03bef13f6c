// examples/dbn.dl at small sizes: every entry matches the reference executor on the
// device (the CD-1 Bernoulli draws included), each stage's entry lowers its
// measure on a fixed batch of real digits, and the whole schedule runs through
// `dlc train` with the zoo recipe's flags, one epoch per stage.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../compiler/lower/index';
import { type TrainRecord } from '../../scripts/zoo/figures';
import { RECIPES, recipeArgs } from '../../scripts/zoo/recipes';
import { runCommand, tempDir } from '../runtime/train/harness';
import {
  expectEntriesMatchReference,
  expectFalls,
  gpuRunner,
  lowerExample,
  mnistBatch,
  trainCurve,
  withGpuRunner,
} from './zoo-harness';

const small = { batch: 16, nh1: 32, nh2: 24 };
// Four entries to compile and compare, then three `dlc train` stages: slow on a shared CPU adapter.
const SLOW = 600_000;

describe('dbn example', () => {
  it(
    'entries match the reference executor; the RBMs reconstruct better and fine-tuning lowers the loss',
    async () => {
      const program = lowerExample('dbn', small);
      const { x, y } = mnistBatch(small.batch);
      const runner = await gpuRunner(program);
      try {
        expect(await expectEntriesMatchReference(program, runner, { x, y })).toEqual([
          'rbm1',
          'rbm2',
          'finetune',
          'predict',
        ]);
      } finally {
        runner.destroy();
      }
      for (const [entry, metric, feeds, factor] of [
        ['rbm1', 'recon', { x }, 0.7],
        // From random init the sigmoid stack starts slowly (2.43 -> 2.10 in 30 steps when written).
        ['finetune', 'loss', { x, y }, 0.93],
      ] as const) {
        await withGpuRunner(program, async (fresh) =>
          expectFalls(await trainCurve(fresh, entry, feeds, metric, 30), factor),
        );
      }
    },
    SLOW,
  );

  it(
    'dlc train runs the recipe: the three stages in order, each with its records',
    async () => {
      const accuracy: Record<string, number> = {};
      for (const name of ['dbn', 'dbn_random']) {
        const recipe = RECIPES.find((r) => r.name === name)!;
        const sizes = ['-D', 'nh1=32', '-D', 'nh2=32', '-D', 'batch=100'];
        const r = await runCommand('train', lowerFile, [
          ...recipeArgs(recipe, 1, join(tempDir(), 'dbn.safetensors')),
          ...sizes,
        ]);
        expect(r.code).toBe(0);
        const records = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as TrainRecord & { stage: string; stage_done?: boolean });
        const stages = records.filter((x) => x.stage_done).map((x) => x.stage);
        expect(stages).toEqual(name === 'dbn' ? ['layer1', 'layer2', 'finetune'] : ['finetune']);
        const final = records.at(-1)!;
        expect(final.final).toBe(true);
        expect(final.step).toBe(80); // 8000 digits at batch 100, one epoch of fine-tuning
        accuracy[name] = final.test_accuracy!;
      }
      // One epoch per stage at these sizes: pretrained 47.4%, random init 12.2% when written.
      expect(accuracy['dbn']).toBeGreaterThan(accuracy['dbn_random']! + 0.1);
    },
    SLOW,
  );
});
