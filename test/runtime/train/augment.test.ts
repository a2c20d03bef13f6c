// `dlc train --augment`: the shifted images change what is trained, alike for one
// entry and for a schedule's stage; the checkpoint records the augmentation, a
// resume keeps it bit for bit, and a resume with another one is refused.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { writeNpy } from '../../../runtime/data/npy-node';
import { hostTensor } from '../../../runtime/data/tensor';
import { DlcError } from '../../../runtime/errors';
import { runCommand, tempDir } from './harness';

const file = 'test/runtime/train/fixtures/augment_fit.dl';

const weights = (path: string) => [...readCheckpoint(path).tensors['w']!.data];

async function refusal(argv: string[]): Promise<DlcError> {
  const err = await runCommand('train', lowerFile, [file, '--backend', 'reference', ...argv]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DlcError);
  return err as DlcError;
}

describe('dlc train --augment', () => {
  it('trains on shifted digits, records it, resumes bit for bit, and refuses another augmentation on resume', async () => {
    const dir = tempDir();
    const run = async (name: string, ...argv: string[]) => {
      const r = await runCommand('train', lowerFile, [
        file,
        '--backend',
        'reference',
        '--checkpoint',
        join(dir, name),
        ...argv,
      ]);
      expect(r.code).toBe(0);
      return r;
    };
    const whole = await run('whole', '--entry', 'step', '--augment', 'shift:2', '--steps', '4');
    expect(whole.stdout).toContain('1000 steps per epoch, augmented shift:2)');
    expect(readCheckpoint(join(dir, 'whole')).info.extra?.['train.augment']).toBe('shift:2');
    await run('plain', '--entry', 'step', '--steps', '4');
    expect(weights(join(dir, 'plain'))).not.toEqual(weights(join(dir, 'whole')));
    expect(readCheckpoint(join(dir, 'plain')).info.extra?.['train.augment']).toBeUndefined();

    // The schedule's stage draws the same offsets for the same steps.
    const staged = await run('staged', '--augment', 'shift:2', '--steps', '4');
    expect(staged.stdout).toContain(
      'stage fit: training augment_fit.step on mnist (8000 examples, batch 8, 1000 steps per epoch, augmented shift:2)',
    );
    expect(weights(join(dir, 'staged'))).toEqual(weights(join(dir, 'whole')));

    await run('parts', '--entry', 'step', '--augment', 'shift:2', '--steps', '2');
    await run('parts', '--entry', 'step', '--steps', '4', '--resume'); // the augmentation comes from the checkpoint
    expect(weights(join(dir, 'parts'))).toEqual(weights(join(dir, 'whole')));

    const other = await refusal([
      '--entry',
      'step',
      '--checkpoint',
      join(dir, 'parts'),
      '--resume',
      '--steps',
      '6',
      '--augment',
      'shift:1',
    ]);
    expect(other.message).toBe(
      `${join(dir, 'parts')} was trained with --augment shift:2, not --augment shift:1; resuming needs the same`,
    );
    const none = await refusal([
      '--entry',
      'step',
      '--checkpoint',
      join(dir, 'plain'),
      '--resume',
      '--steps',
      '6',
      '--augment',
      'shift:2',
    ]);
    expect(none.message).toBe(
      `${join(dir, 'plain')} was trained without --augment, not --augment shift:2; resuming needs the same`,
    );
  });

  it('refuses a malformed spec and data without images', async () => {
    expect((await refusal(['--augment', 'shift:9'])).message).toBe(
      "--augment must be shift:N with N an integer from 1 to 7, got 'shift:9'",
    );
    // A folder of .npy files has no image shape, though its rows have 784 values.
    const data = join(tempDir(), 'data');
    mkdirSync(data);
    writeNpy(join(data, 'x.npy'), hostTensor('f32', [20, 784], new Float32Array(20 * 784)));
    writeNpy(join(data, 'y.npy'), hostTensor('i32', [20], new Int32Array(20)));
    const err = await refusal(['--entry', 'step', '--augment', 'shift:2', '--data', data]);
    expect(err.message).toBe("--augment shift:2: dataset 'data' has no image shape; it needs images");
    expect(err.exitCode).toBe(2);
  });
});
