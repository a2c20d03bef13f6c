// `dlc train --order`: the order changes what is trained, is saved in the checkpoint,
// resumes bit-exactly, and a resume with another order is refused.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { writeNpy } from '../../../runtime/data/npy-node';
import { hostTensor } from '../../../runtime/data/tensor';
import { DlcError } from '../../../runtime/errors';
import { runCommand, tempDir } from './harness';

const file = 'test/runtime/train/fixtures/order_fit.dl';

function dataDir(dir: string): string {
  const data = join(dir, 'data');
  mkdirSync(data);
  const n = 20; // the seeded 80/20 split leaves 16 training rows: 4 steps per epoch at batch 4
  writeNpy(
    join(data, 'x.npy'),
    hostTensor(
      'f32',
      [n, 2],
      Float32Array.from({ length: 2 * n }, (_, i) => (i * 37) % 11),
    ),
  );
  return data;
}

describe('dlc train --order', () => {
  it('trains differently per order, records it, and resumes striped training bit for bit', async () => {
    const dir = tempDir();
    const data = dataDir(dir);
    const common = ['--data', data, '--backend', 'reference'];
    const w = (p: string) => [
      ...readCheckpoint(p).tensors[Object.keys(readCheckpoint(p).tensors).find((k) => k.endsWith('w'))!]!.data,
    ];
    const run = async (name: string, ...argv: string[]) => {
      const r = await runCommand('train', lowerFile, [file, ...common, '--checkpoint', join(dir, name), ...argv]);
      expect(r.code).toBe(0);
      return r;
    };
    const whole = await run('whole', '--order', 'striped', '--steps', '6');
    expect(whole.stdout).toContain('4 steps per epoch, striped order');
    await run('seq', '--order', 'sequential', '--steps', '6');
    await run('shuf', '--steps', '6');
    expect(w(join(dir, 'seq'))).not.toEqual(w(join(dir, 'shuf')));
    expect(w(join(dir, 'whole'))).not.toEqual(w(join(dir, 'seq')));
    expect(readCheckpoint(join(dir, 'whole')).info.extra?.['train.order']).toBe('striped');

    await run('parts', '--order', 'striped', '--steps', '3');
    await run('parts', '--steps', '6', '--resume'); // the order comes from the checkpoint
    expect(w(join(dir, 'parts'))).toEqual(w(join(dir, 'whole')));

    const err = await runCommand('train', lowerFile, [
      file,
      ...common,
      '--checkpoint',
      join(dir, 'parts'),
      '--resume',
      '--steps',
      '8',
      '--order',
      'shuffled',
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DlcError);
    expect((err as DlcError).message).toBe(
      `${join(dir, 'parts')} was trained with --order striped, not shuffled; resuming needs the same order`,
    );
  });

  it('refuses an unknown order', async () => {
    const err = await runCommand('train', lowerFile, [file, '--order', 'random']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as DlcError).message).toBe("--order must be one of shuffled, sequential, striped, got 'random'");
    expect((err as DlcError).exitCode).toBe(2);
  });
});
