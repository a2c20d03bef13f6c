// `dlc sample` in-process: a sample entry's image output as a PNG grid.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DlcError } from '../../../runtime/errors';
import { bigram, tinyMnist } from '../../runtime/train/programs';
import { loadMobyDick } from '../../../runtime/data/moby-dick-node';
import { fakeLower, runCommand, tempDir } from '../../runtime/train/harness';

const vocab = loadMobyDick().vocab;
const lower = fakeLower({ 'tiny.dl': () => tinyMnist({ batch: 400 }), 'bigram.dl': () => bigram(vocab.length) });

describe('dlc sample', () => {
  it('writes image outputs as a PNG grid, one tile per image', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'tiny.safetensors');
    await runCommand('train', lower, ['tiny.dl', '--steps', '5', '--checkpoint', ckpt, '--backend', 'reference']);
    const out = join(dir, 'draw.png');
    const r = await runCommand('sample', lower, [
      'tiny.dl',
      '--checkpoint',
      ckpt,
      '--out',
      out,
      '--backend',
      'reference',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 10 images from draw.images to ${out}\n`);
    // Progress on stderr: what runs and where, then the time it took (the number is not checked).
    const where = 'reference executor \\(CPU, float32 rounding\\)';
    expect(r.stderr).toMatch(new RegExp(`^sampling draw of tiny_mnist on ${where}…\\nsampled in \\d+\\.\\d s\\n$`));
    const png = PNG.sync.read(readFileSync(out));
    // 10 tiles of 28×28 at scale 2 in rows of ceil(sqrt(10)) = 4: 4 columns, 3 rows.
    expect(png.width).toBeGreaterThan(4 * 56);
    expect(png.height).toBeGreaterThan(3 * 56);
    expect(png.height).toBeLessThan(png.width);
    // --scale 4: every tile twice as wide as at the default scale 2.
    const big = join(dir, 'big.png');
    const scaled = ['tiny.dl', '--checkpoint', ckpt, '--out', big, '--scale', '4', '--backend', 'reference'];
    expect((await runCommand('sample', lower, scaled)).code).toBe(0);
    const bigPng = PNG.sync.read(readFileSync(big));
    expect(bigPng.width - 5).toBe(2 * (png.width - 5)); // 4 columns of 28·scale pixels, 5 one-pixel pads
    const badScale = await runCommand('sample', lower, [...scaled.slice(0, 5), '--scale', '0']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((badScale as DlcError).message).toBe("--scale must be a whole number from 1 to 32, got '0'");

    const err = await runCommand('sample', lower, [
      'tiny.dl',
      '--checkpoint',
      ckpt,
      '--out',
      join(dir, 'x.txt'),
      '--backend',
      'reference',
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DlcError);
    expect((err as DlcError).message).toBe("'draw' returns images (images); write them to a .png file");
    const bad = await runCommand('sample', lower, ['tiny.dl', '--checkpoint', ckpt, '--out', join(dir, 'x.jpg')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((bad as DlcError).message).toMatch(
      /^--out .*x\.jpg: the file must end in \.png \(images\) or \.txt \(text\)$/,
    );
  });

  it('trains a token model on moby-dick by default and writes its token output as text', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'bigram.safetensors');
    const t = await runCommand('train', lower, [
      'bigram.dl',
      '--steps',
      '30',
      '--checkpoint',
      ckpt,
      '--json',
      '--loss-every',
      '5',
    ]);
    const lines = t.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ final: true, step: 30, skipped: 0 });
    expect(lines[0]!.loss as number).toBeLessThan(Math.log(vocab.length));
    const r = await runCommand('sample', lower, ['bigram.dl', '--checkpoint', ckpt]);
    const text = r.stdout.slice(0, -1);
    expect(Array.from(text)).toHaveLength(vocab.length);
    // After 't' comes 'h' in English prose.
    expect(Array.from(text)[vocab.indexOf('t')]).toBe('h');
    const out = join(dir, 'babble.txt');
    await runCommand('sample', lower, ['bigram.dl', '--checkpoint', ckpt, '--out', out]);
    expect(readFileSync(out, 'utf8')).toBe(`${text}\n`);
  });
});
