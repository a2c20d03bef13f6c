// `dlc train` in-process on hand-built MNIST models (the lowering is faked): real
// MNIST data on the default device, --json records, plots, resume bit-identity,
// the non-finite guard and the error paths.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlcError } from '../../../runtime/errors';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { writeNpy } from '../../../runtime/data/npy-node';
import { hostTensor } from '../../../runtime/data/tensor';
import { mkdirSync } from 'node:fs';
import { autoencoder, tinyMnist } from '../../runtime/train/programs';
import { fakeLower, runCommand, tempDir } from '../../runtime/train/harness';

// Batch 400: 20 steps per epoch over the 8,000 training digits, 5 test batches.
const lower = fakeLower({
  'tiny.dl': () => tinyMnist({ batch: 400, lr: 0.5 }),
  'drop.dl': () => tinyMnist({ batch: 400, lr: 0.5, dropout: 0.2, model: 'tiny_dropout' }),
  'blowup.dl': () => tinyMnist({ batch: 400, lr: 1e10, lossScale: 1e30, model: 'tiny_blowup' }),
  'other.dl': () => tinyMnist({ batch: 400, model: 'other_model' }),
  'small.dl': () => tinyMnist({ batch: 10, lr: 0.5 }),
  'ae.dl': () => autoencoder(),
});

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function expectDlcError(p: Promise<unknown>, message: RegExp, exitCode: number): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DlcError);
  expect((err as DlcError).message).toMatch(message);
  expect((err as DlcError).message).not.toContain('\n    at ');
  expect((err as DlcError).exitCode).toBe(exitCode);
}

describe('dlc train', () => {
  it('trains on real MNIST: --json gives one record per epoch and a final one; the loss falls', async () => {
    const dir = tempDir();
    const r = await runCommand('train', lower, [
      'tiny.dl',
      '--epochs',
      '2',
      '--json',
      '--seed',
      '1',
      '--loss-every',
      '2',
      '--plots',
      join(dir, 'plots'),
    ]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(3);
    const [e1, e2, final] = lines as [Record<string, number>, Record<string, number>, Record<string, unknown>];
    for (const [i, rec] of [e1, e2].entries()) {
      expect(Object.keys(rec).sort()).toEqual(['epoch', 'loss', 'seconds', 'skipped', 'step', 'test_accuracy']);
      expect(rec.epoch).toBe(i + 1);
      expect(rec.step).toBe(20 * (i + 1));
      expect(rec.skipped).toBe(0);
      expect(rec.seconds).toBeGreaterThan(0);
    }
    expect(e2.loss).toBeLessThan(e1.loss);
    expect(e1.loss).toBeLessThan(Math.log(10));
    expect(e2.test_accuracy).toBeGreaterThan(0.8);
    expect(final).toMatchObject({
      final: true,
      epoch: 2,
      step: 40,
      loss: e2.loss,
      test_accuracy: e2.test_accuracy,
      skipped: 0,
    });
    for (const f of ['loss.png', 'accuracy.png', 'filters.png']) {
      const bytes = readFileSync(join(dir, 'plots', f));
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    }
  });

  it('prints a header, epoch lines and a summary without --json', async () => {
    const r = await runCommand('train', lower, ['tiny.dl', '--steps', '3', '--backend', 'reference']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^training tiny_mnist\.step on mnist \(8000 examples, batch 400, 20 steps per epoch\) to step 3; lr schedule constant; on reference executor/,
    );
    expect(r.stdout).toMatch(/^step 3\/3 epoch 1 loss \d\.\d{4} /m);
    expect(r.stdout).toMatch(/^done: step 3, loss \d\.\d{4}, test accuracy \d+\.\d\d%, /m);
  });

  it('resuming gives bit-identical weights, optimizer slots and position to one run (dropout, across an epoch boundary)', async () => {
    const dir = tempDir();
    const one = join(dir, 'one.safetensors');
    const two = join(dir, 'two.safetensors');
    const base = ['drop.dl', '--seed', '5', '--loss-every', '3', '--lr-schedule', 'exp:gamma=0.97', '--json'];
    expect((await runCommand('train', lower, [...base, '--steps', '26', '--checkpoint', one])).code).toBe(0);
    expect((await runCommand('train', lower, [...base, '--steps', '13', '--checkpoint', two])).code).toBe(0);
    const resumed = await runCommand('train', lower, [...base, '--steps', '26', '--checkpoint', two, '--resume']);
    expect(resumed.code).toBe(0);
    const a = readCheckpoint(one);
    const b = readCheckpoint(two);
    expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
    expect(Object.keys(a.tensors).length).toBeGreaterThan(2); // params and momentum slots
    for (const name of Object.keys(a.tensors)) {
      expect(Buffer.from(b.tensors[name]!.data.buffer).equals(Buffer.from(a.tensors[name]!.data.buffer)), name).toBe(
        true,
      );
    }
    expect(b.info.step).toBe(26);
    expect(b.info.dataCursor).toBe(a.info.dataCursor);
    expect(b.info.rng).toEqual(a.info.rng);
    expect(b.info.lr).toEqual({ spec: 'exp:gamma=0.97', step: 26 });
    // The previous generation is kept next to the checkpoint.
    expect(readCheckpoint(`${two}.prev`).info.step).toBe(13);
    const finalOne = jsonLines(
      (await runCommand('eval', lower, ['drop.dl', '--checkpoint', one, '--json'])).stdout,
    )[0]!;
    const finalTwo = jsonLines(resumed.stdout).at(-1)!;
    expect(finalTwo.test_accuracy).toBe(finalOne.test_accuracy);
  });

  for (const backend of ['auto', 'reference']) {
    it(`skips and counts non-finite updates, stops after 5 in a row and never saves NaN weights (--backend ${backend})`, async () => {
      const dir = tempDir();
      const ckpt = join(dir, 'blowup.safetensors');
      const run = runCommand('train', lower, [
        'blowup.dl',
        '--steps',
        '60',
        '--checkpoint',
        ckpt,
        '--backend',
        backend,
        '--loss-every',
        '4',
      ]);
      await expectDlcError(
        run,
        new RegExp(
          '^training stopped at step \\d+: 5 checked steps in a row had a non-finite loss or update ' +
            '\\(from step \\d+\\); \\d+ updates skipped in all; the last good weights are saved in ',
        ),
        1,
      );
      const saved = readCheckpoint(ckpt);
      expect(Number(saved.info.extra?.['train.skipped'])).toBeGreaterThanOrEqual(5);
      for (const t of Object.values(saved.tensors)) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    });
  }

  it('--check-numerics stops at the first kernel that makes a non-finite value', async () => {
    await expectDlcError(
      runCommand('train', lower, ['blowup.dl', '--steps', '10', '--check-numerics']),
      /^tiny_blowup\.step: kernel \w+ \(IR nodes? [^)]+\) wrote -?(Infinity|NaN) to '[^']+' element \d+$/,
      1,
    );
  });

  it('trains on .npy files bound by --bind, checkpoints every N steps, and eval finds the same data', async () => {
    const dir = tempDir();
    const data = join(dir, 'blobs');
    mkdirSync(data);
    const n = 100;
    const feat = new Float32Array(n * 784);
    const label = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      label[i] = i % 2;
      for (let j = 0; j < 784; j++)
        feat[i * 784 + j] = ((i * 7919 + j * 104729) % 1000) / 4000 + (label[i] === 1 && j < 392 ? 0.5 : 0);
    }
    writeNpy(join(data, 'feat.npy'), hostTensor('f32', [n, 784], feat));
    writeNpy(join(data, 'label.npy'), hostTensor('i32', [n], label));
    const ckpt = join(dir, 'small.safetensors');
    const r = await runCommand('train', lower, [
      'small.dl',
      '--data',
      data,
      '--bind',
      'feat=x,label=y',
      '--epochs',
      '3',
      '--every',
      '5',
      '--checkpoint',
      ckpt,
      '--json',
      '--backend',
      'reference',
    ]);
    const lines = jsonLines(r.stdout);
    // 80 training examples (the seeded 80/20 split) in batches of 10: 8 steps per epoch.
    expect(lines.map((l) => l.step)).toEqual([8, 16, 24, 24]);
    expect(lines[2]!.test_accuracy).toBe(1);
    expect(readCheckpoint(ckpt).info.step).toBe(24);
    expect(readCheckpoint(ckpt).info.extra?.['train.data']).toBe(data);
    expect(readCheckpoint(`${ckpt}.prev`).info.step).toBe(20);
    expect(readCheckpoint(ckpt).info.extra?.['train.bind']).toBe('feat=x,label=y');
    // eval takes the data and the binding the checkpoint recorded.
    const e = await runCommand('eval', lower, ['small.dl', '--checkpoint', ckpt, '--json', '--backend', 'reference']);
    expect(JSON.parse(e.stdout)).toMatchObject({ data: 'blobs', examples: 20, test_accuracy: 1 });
  });

  it('feeds MNIST images to an unlabelled model by fit, reports its other outputs and averages its infer outputs', async () => {
    const r = await runCommand('train', lower, ['ae.dl', '--steps', '4', '--json', '--backend', 'reference']);
    const [final] = jsonLines(r.stdout) as [Record<string, unknown>];
    expect(Object.keys(final).sort()).toEqual([
      'epoch',
      'final',
      'loss',
      'seconds',
      'skipped',
      'step',
      'test_loss',
      'test_metrics',
      'train_metrics',
    ]);
    // No accuracy: the train entry's cost on the test split is the test loss.
    expect(final.test_loss as number).toBeGreaterThan(0);
    expect(final.test_loss as number).toBeCloseTo(final.loss as number, 1);
    const train = final.train_metrics as Record<string, number>;
    const test = final.test_metrics as Record<string, number>;
    // recon sums the 784 squared errors that cost averages.
    expect(train.recon! / 784).toBeCloseTo(final.loss as number, 5);
    expect(Object.keys(test)).toEqual(['r']);
    expect(test.r).toBeGreaterThan(0);
    expect(test.r).toBeLessThan(1);
  });

  it('refuses bad arguments with one-line errors', async () => {
    const dir = tempDir();
    const existing = join(dir, 'exists.safetensors');
    writeFileSync(existing, 'x');
    const cases: [string[], RegExp, number][] = [
      [
        ['tiny.dl', '--entry', 'nosuch'],
        /^model 'tiny_mnist' has no entry point 'nosuch' \(entries: predict \(infer\), step \(train\), draw \(sample\)\)$/,
        2,
      ],
      [
        ['tiny.dl', '--entry', 'predict'],
        /^entry point 'predict' of model 'tiny_mnist' is a infer entry, not a train entry$/,
        2,
      ],
      [
        ['tiny.dl', '--data', 'nosuch'],
        /^unknown dataset 'nosuch': not one of mnist, mnist-standardized, mnist-patches, moby-dick, moby-dick-words, bool-trees and no such folder$/,
        2,
      ],
      [['tiny.dl', '--bind', 'y=x'], /^dtype mismatch: field 'y' \(i32\[\] per example\) for model input 'x'/, 2],
      [['tiny.dl', '--bind', 'nope=x'], /^no field named 'nope' in dataset 'mnist'/, 2],
      [['tiny.dl', '--bind', 'x=image'], /^the model has no input named 'image' \(inputs: x, y\)$/, 2],
      [['tiny.dl', '--resume'], /^--resume needs --checkpoint PATH$/, 2],
      [['tiny.dl', '--checkpoint', existing], /already exists; add --resume/, 2],
      [['tiny.dl', '--checkpoint', join(dir, 'none'), '--resume'], /^no checkpoint at .*none$/, 2],
      [['tiny.dl', '--epochs', '1', '--steps', '2'], /^give --epochs or --steps, not both$/, 2],
      [['tiny.dl', '--steps', 'x'], /^--steps must be an integer ≥ 1, got 'x'$/, 2],
      [['tiny.dl', '--lr-schedule', 'wobble'], /^learning-rate schedule 'wobble': unknown kind/, 2],
      [['tiny.dl', '--frobnicate'], /^unknown option '--frobnicate' for 'dlc train'/, 2],
      [['tiny.dl', '--backend', 'nosuch'], /^unknown backend 'nosuch'/, 2],
      [['tiny.dl', '-O3'], /^-O3: optimisation levels are 0, 1 and 2$/, 2],
      [[], /^dlc train needs a FILE/, 2],
      [['missing.dl'], /^missing\.dl: 1 error; nothing was run$/, 1],
    ];
    for (const [argv, message, code] of cases) await expectDlcError(runCommand('train', lower, argv), message, code);
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });

  it('names both models when the other model recorded a binding this one cannot use', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'ae.safetensors');
    expect(
      (await runCommand('train', lower, ['ae.dl', '--steps', '1', '--checkpoint', ckpt, '--backend', 'reference']))
        .code,
    ).toBe(0);
    expect(readCheckpoint(ckpt).info.extra?.['train.bind']).toBe('x=v0');
    const before = readFileSync(ckpt);
    await expectDlcError(
      runCommand('train', lower, [
        'tiny.dl',
        '--steps',
        '2',
        '--checkpoint',
        ckpt,
        '--resume',
        '--backend',
        'reference',
      ]),
      /ae\.safetensors: file is from model 'autoencoder', not 'tiny_mnist'$/,
      1,
    );
    expect(readFileSync(ckpt).equals(before)).toBe(true);
  });

  it('reports an unwritable checkpoint path before training starts', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'missing', 'm.safetensors');
    await expectDlcError(
      runCommand('train', lower, ['tiny.dl', '--steps', '2', '--checkpoint', ckpt, '--backend', 'reference']),
      /^cannot save checkpoint .*m\.safetensors: folder .*missing does not exist \(ENOENT\)$/,
      2,
    );
  });

  it('writes nothing when a resume has nothing left to train', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'm.safetensors');
    const args = ['tiny.dl', '--checkpoint', ckpt, '--backend', 'reference'];
    expect((await runCommand('train', lower, [...args, '--steps', '2'])).code).toBe(0);
    expect((await runCommand('train', lower, [...args, '--steps', '3', '--resume'])).code).toBe(0);
    const [now, prev] = [readFileSync(ckpt), readFileSync(`${ckpt}.prev`)];
    const again = await runCommand('train', lower, [...args, '--steps', '3', '--resume']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already at step 3 of 3; nothing to train');
    expect(readFileSync(ckpt).equals(now)).toBe(true);
    // The generation before stays: step 2, not a copy of step 3.
    expect(readFileSync(`${ckpt}.prev`).equals(prev)).toBe(true);
    expect(readCheckpoint(`${ckpt}.prev`).info.step).toBe(2);
  });

  it('refuses to resume from a checkpoint of another model, and leaves the file untouched', async () => {
    const dir = tempDir();
    const ckpt = join(dir, 'other.safetensors');
    expect(
      (await runCommand('train', lower, ['other.dl', '--steps', '1', '--checkpoint', ckpt, '--backend', 'reference']))
        .code,
    ).toBe(0);
    const before = readFileSync(ckpt);
    await expectDlcError(
      runCommand('train', lower, [
        'tiny.dl',
        '--steps',
        '2',
        '--checkpoint',
        ckpt,
        '--resume',
        '--backend',
        'reference',
      ]),
      /other\.safetensors: file is from model 'other_model', not 'tiny_mnist'/,
      1,
    );
    expect(readFileSync(ckpt).equals(before)).toBe(true);
  });
});
