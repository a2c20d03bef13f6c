// The zoo runner's pieces that need no device: every example has a recipe, the
// figures taken from `dlc train --json`'s last record, and the table.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figuresOf } from '../../scripts/zoo/figures';
import { recipeArgs, RECIPES, totalSteps } from '../../scripts/zoo/recipes';
import { formatTable } from '../../scripts/zoo/table';

describe('zoo recipes', () => {
  it('cover every example in examples/', () => {
    const files = readdirSync(join(__dirname, '../../examples'))
      .filter((f) => f.endsWith('.dl'))
      .map((f) => `examples/${f}`)
      .sort();
    // A file may have several recipes (an optimizer example and its baseline entry); a picture's
    // model (deconvnet.dl, drawn from alexnet_small's weights) is covered by its recipe.
    const covered = RECIPES.flatMap((r) => (r.picture ? [r.file, r.picture.file] : [r.file]));
    expect([...new Set(covered)].sort()).toEqual(files);
  });
  it('schedules end with the run (62 full batches of 128 in the 8,000 training digits)', () => {
    expect(
      totalSteps(
        RECIPES.find((r) => r.name === 'mnist_mlp')!,
        50,
      ),
    ).toBe(62 * 50);
  });
});

describe('zoo recipe arguments', () => {
  it('a scheduled recipe gets its stage lengths and its -D defines (sfnn_det: the deterministic net)', () => {
    const det = RECIPES.find((r) => r.name === 'sfnn_det')!;
    expect(recipeArgs(det, undefined, 'c.safetensors')).toEqual([
      'examples/sfnn.dl',
      '--json',
      '--seed',
      '0',
      '-D',
      'epochs=20',
      '-D',
      'stochastic=0',
      '-D',
      'm=1',
      '-D',
      'm_test=1',
      '--checkpoint',
      'c.safetensors',
    ]);
    expect(recipeArgs(det, 1, 'c.safetensors')).toContain('epochs=1');
  });
  it('the DBN and SDAE recipes and their random-init baselines all train on shifted digits', () => {
    for (const name of ['dbn', 'dbn_random', 'sdae', 'sdae_random']) {
      const args = recipeArgs(
        RECIPES.find((r) => r.name === name)!,
        undefined,
        'c.safetensors',
      );
      expect(args.slice(args.indexOf('--augment'), args.indexOf('--augment') + 2)).toEqual(['--augment', 'shift:2']);
      expect(args).toContain('fine_epochs=50');
    }
  });
  it('tica trains on mnist-patches', () => {
    const args = recipeArgs(
      RECIPES.find((r) => r.name === 'tica')!,
      undefined,
      'c.safetensors',
    );
    expect(args.slice(args.indexOf('--data'), args.indexOf('--data') + 2)).toEqual(['--data', 'mnist-patches']);
  });
});

describe('zoo figures', () => {
  it('a classifier: test accuracy in percent and whether it meets the bar', () => {
    const final = {
      epoch: 3,
      step: 186,
      loss: 0.1,
      test_accuracy: 0.9695,
      train_metrics: { accuracy: 0.98 },
      skipped: 0,
      seconds: 9,
      final: true,
    };
    expect(figuresOf(final, 0.97)).toEqual({
      'train loss': 0.1,
      'train accuracy': 0.98,
      'test accuracy %': 96.95,
      'bar 97.0%': 'below',
    });
    expect(figuresOf({ ...final, test_accuracy: 0.97 }, 0.97)['bar 97.0%']).toBe('met');
  });
  it('a generative model: the score entry’s test means and skipped updates', () => {
    const final = {
      epoch: 1,
      step: 400,
      loss: -3.9,
      test_metrics: { recon: 18.1, pseudo_likelihood: -106 },
      train_metrics: { recon: 32.8 },
      skipped: 2,
      seconds: 20,
    };
    expect(figuresOf(final, 0)).toEqual({
      'train loss': -3.9,
      'train recon': 32.8,
      'test recon': 18.1,
      'test pseudo_likelihood': -106,
      'skipped updates': 2,
    });
  });
});

describe('zoo table', () => {
  it('one Markdown row per example with its figures and wall time', () => {
    expect(
      formatTable([
        { name: 'rbm', figures: { 'test recon': 12.34567, 'test pseudo_likelihood': -123.456 }, wallSeconds: 83.4 },
      ]),
    ).toBe(
      '| example | figures | training wall time |\n|---|---|---|\n| rbm | test recon 12.3457, test pseudo_likelihood -123.5 | 1m23s |\n',
    );
  });
});
