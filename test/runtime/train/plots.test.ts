// `--plots DIR`: which pictures a run's history gives. Models with a `recon` train
// output (the RBMs) get recon.png instead of loss.png; an accuracy curve appears
// from the first evaluation on; a model without accuracy plots its test loss.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { History } from '../../../runtime/train/loop';
import type { EntryInfo, ModelRunner } from '../../../runtime/train/runner';
import { filterParam, writePlots } from '../../../runtime/train/plots';
import { tempDir } from './harness';

const runner = { model: 'm' } as ModelRunner;
const ORANGE = [255, 127, 14];

function history(parts: Partial<History>): History {
  return {
    loss: [
      [1, 2],
      [2, 1.5],
    ],
    accuracy: [],
    testLoss: [],
    trainMetrics: {},
    testMetrics: {},
    ...parts,
  };
}

function pixels(path: string, rgb: readonly number[]): number {
  const png = PNG.sync.read(readFileSync(path));
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (png.data[i] === rgb[0] && png.data[i + 1] === rgb[1] && png.data[i + 2] === rgb[2]) n++;
  return n;
}

describe('--plots pictures', () => {
  it('writes the accuracy curve after one epoch', async () => {
    const dir = tempDir();
    await writePlots(dir, history({ accuracy: [[62, 0.91]] }), runner, undefined);
    expect(readdirSync(dir).sort()).toEqual(['accuracy.png', 'loss.png']);
  });

  it('plots the reconstruction error of an RBM rather than its CD cost', async () => {
    const dir = tempDir();
    const recon = history({
      trainMetrics: {
        recon: [
          [1, 60],
          [2, 50],
        ],
      },
      testMetrics: { recon: [[2, 52]] },
    });
    expect(await writePlots(dir, recon, runner, undefined)).toEqual([join(dir, 'recon.png')]);
    expect(existsSync(join(dir, 'loss.png'))).toBe(false);
    // The test series (second colour) is drawn: its marker beside its legend bar.
    expect(pixels(join(dir, 'recon.png'), ORANGE)).toBeGreaterThan(28);
  });

  it('adds the test loss to the loss plot of a model without accuracy', async () => {
    const dir = tempDir();
    await writePlots(dir, history({ testLoss: [[2, 1.7]] }), runner, undefined);
    expect(pixels(join(dir, 'loss.png'), ORANGE)).toBeGreaterThan(28);
    const none = tempDir();
    await writePlots(none, history({}), runner, undefined);
    expect(pixels(join(none, 'loss.png'), ORANGE)).toBe(0);
  });

  it('draws the filters of an s×s input (8×8 patches) as s×s tiles, ceil(sqrt(n)) a row', async () => {
    const param = (d: number, n: number) => ({ name: 'W', kind: 'param', dtype: 'f32', shape: [d, n] });
    const entry = (row: number[]) =>
      ({ inputs: [{ name: 'x', dtype: 'f32', shape: [20, ...row] }] }) as unknown as EntryInfo;
    const values = new Float32Array(64 * 100).map((_, i) => Math.sin(i));
    const patches = {
      model: 'm',
      persistent: [param(64, 100)],
      save: async () => ({ W: values }),
    } as unknown as ModelRunner;
    expect(filterParam(patches, entry([64]))).toEqual({ name: 'W', side: 8 });
    const digits = { model: 'm', persistent: [param(784, 10)] } as unknown as ModelRunner;
    expect(filterParam(digits, entry([784]))).toEqual({ name: 'W', side: 28 });
    expect(filterParam(digits, entry([1, 28, 28]))).toEqual({ name: 'W', side: 28 });
    // 48 values are no square image, and 16 (4×4) too small to be taken for one.
    expect(filterParam(patches, entry([48]))).toBeUndefined();
    expect(filterParam({ persistent: [param(16, 4)] } as unknown as ModelRunner, entry([16]))).toBeUndefined();
    const dir = tempDir();
    await writePlots(dir, history({}), patches, { name: 'W', side: 8 });
    const png = PNG.sync.read(readFileSync(join(dir, 'filters.png')));
    // 10 tiles a row and 10 rows, each tile 8 pixels at scale 7.
    expect(png.width).toBe(png.height);
    expect(png.width).toBeGreaterThan(10 * 56);
    expect(png.width).toBeLessThan(11 * 56);
  });
});
