// examples/curriculum.dl: its train step lowers the loss on a fixed batch on the
// device, and its recipe runs through `dlc train` at small sizes: the prototypes
// stage, then stages on the easiest quarter and half of the digits, then all of them.
// (The clause itself is checked exactly in test/runtime/train/curriculum.test.ts.)
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../compiler/lower/index';
import { RECIPES, recipeArgs } from '../../scripts/zoo/recipes';
import { runCommand, tempDir } from '../runtime/train/harness';
import { expectFalls, lowerExample, mnistBatch, trainCurve, withGpuRunner } from './zoo-harness';

describe('curriculum example', () => {
  it('the train step lowers the loss on a fixed batch', async () => {
    const program = lowerExample('curriculum', { batch: 16, hidden: 16 });
    await withGpuRunner(program, async (runner) => {
      expectFalls(await trainCurve(runner, 'step', mnistBatch(16), 'loss', 20), 0.7);
    });
  });

  it('dlc train runs the recipe: each curriculum stage trains on its easiest fraction', async () => {
    const recipe = RECIPES.find((r) => r.name === 'curriculum')!;
    const small = ['-D', 'hidden=16', '-D', 'steps_each=5', '-D', 'steps_all=5', '-D', 'batch=100'];
    const r = await runCommand('train', lowerFile, [...recipeArgs(recipe, undefined, join(tempDir(), 'c')), ...small]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('stage easy: training curriculum.step on mnist (2000 of 8000 examples');
    expect(r.stderr).toContain('stage medium: training curriculum.step on mnist (4000 of 8000 examples');
    const final = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { final: boolean; loss: number };
    expect(final.final).toBe(true);
    expect(Number.isFinite(final.loss)).toBe(true);
  });
});
