// The zoo's recipes are accepted by `dlc train` on the real examples: a one-epoch
// run of a recipe's exact flags (schedule, --entry, --data) at small sizes, in
// process, with the JSON records `npm run zoo` turns into its table.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../compiler/lower/index';
import { figuresOf, type TrainRecord } from '../../scripts/zoo/figures';
import { pictureArgs, RECIPES, recipeArgs } from '../../scripts/zoo/recipes';
import { runCommand, tempDir } from '../runtime/train/harness';

async function oneEpoch(name: string, small: string[]): Promise<TrainRecord> {
  const recipe = RECIPES.find((r) => r.name === name)!;
  const r = await runCommand('train', lowerFile, [
    ...recipeArgs(recipe, 1, join(tempDir(), `${name}.safetensors`)),
    ...small,
  ]);
  expect(r.stderr.replace(/^Warning: .*\n/gm, '')).toBe('');
  expect(r.code).toBe(0);
  const final = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TrainRecord;
  expect(final.final).toBe(true);
  return final;
}

describe('zoo recipes through dlc train', () => {
  it('mnist_mlp: the cosine schedule over the run; test accuracy well above chance after one epoch', async () => {
    const final = await oneEpoch('mnist_mlp', ['-D', 'hidden=32']);
    expect(final.step).toBe(62);
    expect(figuresOf(final, 0.97)['test accuracy %']).toBeGreaterThan(50);
  });

  it('hessian_free: an update rule with no minimize trains through dlc train; well above chance after one epoch', async () => {
    const final = await oneEpoch('hessian_free', ['-D', 'hidden=16', '-D', 'cg_iters=3']);
    expect(final.step).toBe(8);
    expect(Object.keys(final.train_metrics ?? {}).sort()).toEqual(['accuracy', 'damping', 'ratio']);
    expect(figuresOf(final, 0.96)['test accuracy %']).toBeGreaterThan(50);
  });

  it('lbfgs_momentum: the baseline entry of lbfgs.dl with its -D batch=100', async () => {
    const final = await oneEpoch('lbfgs_momentum', ['-D', 'hidden=16']);
    expect(final.step).toBe(80);
    expect(figuresOf(final, 0.96)['test accuracy %']).toBeGreaterThan(50);
  });

  it('vsgd: the elementwise entry (no learning rate, bbprop curvature) through dlc train', async () => {
    const final = await oneEpoch('vsgd', ['-D', 'hidden=16']);
    expect(final.step).toBe(80);
    expect(figuresOf(final, 0.96)['test accuracy %']).toBeGreaterThan(50);
  });

  it('grbm: --entry pcd on mnist pixels with its cosine schedule; the score entry reports the test reconstruction error', async () => {
    const final = await oneEpoch('grbm', ['-D', 'nh=16', '-D', 'batch=100']);
    expect(final.step).toBe(80);
    expect(Object.keys(final.test_metrics ?? {})).toContain('recon');
    expect(final.test_metrics!.recon).toBeGreaterThan(0);
    expect(Number.isFinite(final.test_metrics!.recon)).toBe(true);
    expect(Object.keys(final.train_metrics ?? {})).toEqual(['recon']);
  }, 300_000);

  it("dbm: the picture is drawn at the recipe's sizes, as it was trained", () => {
    const recipe = RECIPES.find((r) => r.name === 'dbm')!;
    const train = recipeArgs(recipe, undefined, 'dbm.safetensors');
    expect(train.join(' ')).toContain('-D pre_epochs=1 -D epochs=4');
    expect(train.join(' ')).toContain('-D nh1=100 -D nh2=100');
    expect(pictureArgs(recipe, 'dbm.safetensors', 'out')).toEqual([
      'examples/dbm.dl',
      '-D',
      'nh1=100',
      '-D',
      'nh2=100',
      '--init-from',
      'dbm.safetensors',
      '--out',
      'out/dbm-samples.png',
    ]);
  });
});
