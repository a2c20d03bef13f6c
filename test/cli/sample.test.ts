// `dlc sample` in-process: a sample entry's image output as a PNG grid.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DlcError } from '../../runtime/errors';
import { tinyMnist } from '../train/programs';
import { fakeLower, runCommand, tempDir } from '../train/harness';

const lower = fakeLower({ 'tiny.dl': () => tinyMnist({ batch: 400 }) });

describe('dlc sample', () => {
  it('writes image outputs as a PNG grid, one tile per image', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'tiny.safetensors');
    await runCommand('train', lower, ['tiny.dl', '--steps', '5', '--checkpoint', ckpt, '--backend', 'reference']);
    const out = join(dir, 'draw.png');
    const r = await runCommand('sample', lower, ['tiny.dl', '--checkpoint', ckpt, '--out', out, '--backend', 'reference']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 10 images from draw.images to ${out}\n`);
    const png = PNG.sync.read(readFileSync(out));
    // 10 tiles of 28×28 at scale 2 in rows of ceil(sqrt(10)) = 4: 4 columns, 3 rows.
    expect(png.width).toBeGreaterThan(4 * 56);
    expect(png.height).toBeGreaterThan(3 * 56);
    expect(png.height).toBeLessThan(png.width);

    const err = await runCommand('sample', lower, ['tiny.dl', '--checkpoint', ckpt, '--out', join(dir, 'x.txt'), '--backend', 'reference']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DlcError);
    expect((err as DlcError).message).toBe("'draw' returns images (images); write them to a .png file");
    const bad = await runCommand('sample', lower, ['tiny.dl', '--checkpoint', ckpt, '--out', join(dir, 'x.jpg')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((bad as DlcError).message).toMatch(/^--out .*x\.jpg: the file must end in \.png \(images\) or \.txt \(text\)$/);
  });
});
