// `dlc train` on an entry with no inputs: it trains for --steps with no dataset,
// resumes from a checkpoint, and refuses flags that need data.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { DlcError } from '../../../runtime/errors';
import { runCommand, tempDir } from './harness';

const file = 'test/runtime/train/fixtures/no_data.dl';

function weights(path: string): number[] {
  const t = readCheckpoint(path).tensors;
  const w = Object.entries(t).find(([k]) => k.endsWith('w'))![1];
  return [...w.data];
}

describe('dlc train without data', () => {
  it('trains an input-free entry for --steps; w moves to the target as plain sgd says', async () => {
    const ckpt = join(tempDir(), 'fit.ckpt');
    const r = await runCommand('train', lowerFile, [
      file,
      '--steps',
      '4',
      '--backend',
      'reference',
      '--checkpoint',
      ckpt,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^training fit_target\.step without data \(it takes no inputs\) to step 4;/);
    // loss = mean((w-3)^2) over 4 elements: dloss/dw = (w-3)/2, so w <- w - 0.25 (w-3)/2 = w + (3-w)/8.
    let w = 0;
    for (let i = 0; i < 4; i++) w += (3 - w) / 8;
    for (const x of weights(ckpt)) expect(x).toBeCloseTo(w, 5);
  });

  it('resumes: 2 steps then 2 more equal 4 in one run, bit for bit', async () => {
    const dir = tempDir();
    const whole = join(dir, 'whole.ckpt');
    const parts = join(dir, 'parts.ckpt');
    const ref = ['--backend', 'reference'];
    expect((await runCommand('train', lowerFile, [file, '--steps', '4', '--checkpoint', whole, ...ref])).code).toBe(0);
    expect((await runCommand('train', lowerFile, [file, '--steps', '2', '--checkpoint', parts, ...ref])).code).toBe(0);
    expect(
      (await runCommand('train', lowerFile, [file, '--steps', '4', '--checkpoint', parts, '--resume', ...ref])).code,
    ).toBe(0);
    expect(weights(parts)).toEqual(weights(whole));
  });

  it('refuses --data, and needs --steps', async () => {
    for (const [argv, message] of [
      [['--data', 'mnist', '--steps', '2'], "entry 'step' takes no inputs, so it trains without data; drop --data"],
      [
        ['--epochs', '2'],
        "entry 'step' takes no inputs, so it trains without data: give --steps N (there are no epochs without data)",
      ],
    ] as const) {
      const err = await runCommand('train', lowerFile, [file, ...argv, '--backend', 'reference']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DlcError);
      expect((err as DlcError).message).toBe(message);
      expect((err as DlcError).exitCode).toBe(2);
    }
  });
});
