// `dlc sample --init-from`: weights from another model's checkpoint carry no dataset,
// and a sample entry taking digits gets MNIST's first test digits (not zeros). Here
// deconvnet.dl draws with filters from a safetensors file; its first tile is a digit.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { lowerFile } from '../../../compiler/lower/index';
import { encodeSafetensors } from '../../../runtime/checkpoint/safetensors';
import { runCommand, tempDir } from '../../runtime/train/harness';
import { rng } from '../../helpers/rng';

const SMALL = ['-D', 'n1=6', '-D', 'n2=8'];

describe('dlc sample --init-from', () => {
  it("feeds a digit-shaped input MNIST's test digits", async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'weights.safetensors');
    const r0 = rng(7);
    const tensor = (shape: number[]) => ({
      dtype: 'f32' as const,
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r0() - 0.5),
    });
    // The conv filters only: the biases keep their initializers.
    const tensors = { 'c1.W': tensor([6, 1, 5, 5]), 'c2.W': tensor([8, 6, 3, 3]) };
    writeFileSync(ckpt, encodeSafetensors({ tensors, metadata: {} }));
    const out = join(dir, 'deconv.png');
    const args = [
      'examples/deconvnet.dl',
      ...SMALL,
      '-D',
      'batch=2',
      '-D',
      'units=1',
      '--init-from',
      ckpt,
      '--out',
      out,
    ];
    const r = await runCommand('sample', lowerFile, [...args, '--backend', 'reference']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 4 images from project.image to ${out}\n`);
    // 4 tiles in 2 columns, 28×28 at scale 2 after 1 pixel of padding: the first is the first test digit.
    const png = PNG.sync.read(readFileSync(out));
    let brightest = 0;
    for (let y = 1; y < 57; y++)
      for (let x = 1; x < 57; x++) brightest = Math.max(brightest, png.data[(y * png.width + x) * 4]);
    expect(brightest).toBeGreaterThan(200);
  });
});
