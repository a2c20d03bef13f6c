// `dlc eval` in-process on a hand-built MNIST model and a checkpoint trained for it.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { encodeUnchecked } from '../../runtime/checkpoint-helpers';
import { join } from 'node:path';
import { DlcError } from '../../../runtime/errors';
import { bigram, tinyMnist } from '../../runtime/train/programs';
import { loadMobyDick } from '../../../runtime/data/moby-dick-node';
import { fakeLower, runCommand, tempDir } from '../../runtime/train/harness';

const lower = fakeLower({
  'tiny.dl': () => tinyMnist({ batch: 400 }),
  // Batch 384: the 2,000 test digits make 5 full batches and one padded batch of 80.
  'odd.dl': () => tinyMnist({ batch: 384 }),
  'other.dl': () => tinyMnist({ batch: 400, model: 'other_model' }),
  // No infer entry: windows of 65 characters, 58 striped test batches of 32.
  'bigram.dl': () => bigram(loadMobyDick().vocab.length, 32, 64),
});

let ckpt = '';
let trained: Record<string, unknown> = {};

beforeAll(async () => {
  ckpt = join(tempDir(), 'tiny.safetensors');
  const r = await runCommand('train', lower, [
    'tiny.dl',
    '--steps',
    '10',
    '--checkpoint',
    ckpt,
    '--json',
    '--backend',
    'reference',
  ]);
  trained = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
});

describe('dlc eval', () => {
  it('reports the same test accuracy as the end of training', async () => {
    const r = await runCommand('eval', lower, ['tiny.dl', '--checkpoint', ckpt, '--json', '--backend', 'reference']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      model: 'tiny_mnist',
      entry: 'predict',
      data: 'mnist',
      step: 10,
      examples: 2000,
      test_accuracy: trained.test_accuracy,
    });
    expect(out.test_accuracy).toBeGreaterThan(0.5);
    const text = await runCommand('eval', lower, ['tiny.dl', '--checkpoint', ckpt, '--backend', 'reference']);
    expect(text.stdout).toBe(
      `tiny_mnist at step 10, predict on the 2000 test examples of mnist:\ntest accuracy: ${(100 * (trained.test_accuracy as number)).toFixed(2)}%\n`,
    );
  });

  it('evaluates weights given by --init-from as --checkpoint does (step 0: no run to resume)', async () => {
    const r = await runCommand('eval', lower, ['tiny.dl', '--init-from', ckpt, '--json', '--backend', 'reference']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    const want = { model: 'tiny_mnist', entry: 'predict', data: 'mnist', step: 0, examples: 2000 };
    expect(out).toEqual({ ...want, test_accuracy: trained.test_accuracy });
    expect(r.stderr).toMatch(/^init from .*: loaded 2 params: /);
    const both = await runCommand('eval', lower, ['tiny.dl', '--init-from', ckpt, '--checkpoint', ckpt]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(both?.message).toMatch(/^dlc eval takes one of --checkpoint PATH or --init-from FILE\n/);
  });

  it('runs on the WebGPU device too, agreeing with the reference executor', async () => {
    // The checkpoint holds the reference backend's program hash; train a GPU one of its own.
    const gpu = join(tempDir(), 'gpu.safetensors');
    const t = await runCommand('train', lower, ['tiny.dl', '--steps', '10', '--checkpoint', gpu, '--json']);
    const final = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    const r = await runCommand('eval', lower, ['tiny.dl', '--checkpoint', gpu, '--json']);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    expect(out.test_accuracy).toBe(final.test_accuracy);
    expect(Math.abs(out.test_accuracy! - (trained.test_accuracy as number))).toBeLessThan(0.01);
  });

  it('counts only the real rows of the padded last batch', async () => {
    const odd = join(tempDir(), 'odd.safetensors');
    await runCommand('train', lower, ['odd.dl', '--steps', '3', '--checkpoint', odd, '--backend', 'reference']);
    const r = await runCommand('eval', lower, ['odd.dl', '--checkpoint', odd, '--json', '--backend', 'reference']);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    expect(out.examples).toBe(2000);
    // Accuracy is a count over exactly 2,000 examples.
    expect(Math.abs(out.test_accuracy! * 2000 - Math.round(out.test_accuracy! * 2000))).toBeLessThan(1e-9);
  });

  it('uses the weights of a checkpoint written by another build of the program, with a note; resuming from it is refused', async () => {
    // The fake lowering puts -D values into the program, so `-D build=2` compiles to another program hash.
    const other = ['tiny.dl', '--checkpoint', ckpt, '--json', '--backend', 'reference', '-D', 'build=2'];
    const r = await runCommand('eval', lower, other);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^note: .*tiny\.safetensors was written by another build of the compiler \(program [0-9a-f]{12}…, now [0-9a-f]{12}…\); using its weights\n$/,
    );
    expect((JSON.parse(r.stdout) as Record<string, unknown>).test_accuracy).toBe(trained.test_accuracy);
    const resumed = await runCommand('train', lower, [
      'tiny.dl',
      '--steps',
      '20',
      '--checkpoint',
      ckpt,
      '--resume',
      '--backend',
      'reference',
      '-D',
      'build=2',
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((resumed as Error).message).toMatch(/was saved by a different compiled program/);
  });

  it('refuses a missing checkpoint, a checkpoint of another model and a corrupted one, with one-line errors', async () => {
    const fail = async (argv: string[], message: RegExp, code: number) => {
      const err = await runCommand('eval', lower, argv).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DlcError);
      expect((err as DlcError).message).toMatch(message);
      expect((err as DlcError).exitCode).toBe(code);
    };
    await fail(['tiny.dl'], /^dlc eval needs --checkpoint PATH/, 2);
    await fail(
      ['tiny.dl', '--checkpoint', '/nonexistent/x.safetensors'],
      /^no checkpoint at \/nonexistent\/x\.safetensors$/,
      2,
    );
    await fail(
      ['other.dl', '--checkpoint', ckpt, '--backend', 'reference'],
      /file is from model 'tiny_mnist', not 'other_model'$/,
      1,
    );
    await fail(
      ['tiny.dl', '--checkpoint', ckpt, '--entry', 'nosuch', '--backend', 'reference'],
      /^model 'tiny_mnist' has no entry point 'nosuch'/,
      2,
    );
    await fail(
      ['tiny.dl', '--checkpoint', ckpt, '--backend', 'reference', '--seed', '3'],
      /^unknown option '--seed' for 'dlc eval'/,
      2,
    );
    const bytes = readFileSync(ckpt);
    const broken = join(tempDir(), 'broken.safetensors');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(broken, bytes.subarray(0, bytes.length - 100));
    await fail(
      ['tiny.dl', '--checkpoint', broken, '--backend', 'reference'],
      /broken\.safetensors: .*(truncated|end)/,
      1,
    );
    expect(readFileSync(broken).length).toBe(bytes.length - 100);
  });

  it('eval and sample refuse a checkpoint holding NaN, naming the file and the tensor', async () => {
    const saved = readCheckpoint(ckpt);
    const name = Object.keys(saved.tensors).find((k) => saved.tensors[k]!.dtype === 'f32')!;
    const data = Float32Array.from(saved.tensors[name]!.data as Float32Array);
    data[7] = NaN;
    const bad = join(tempDir(), 'nan.safetensors');
    writeFileSync(
      bad,
      encodeUnchecked({ ...saved, tensors: { ...saved.tensors, [name]: { ...saved.tensors[name]!, data } } }),
    );
    const message = `${bad}: tensor ${name} holds NaN at element 7; a checkpoint must be finite`;
    const out = join(tempDir(), 'x.png');
    for (const [which, argv] of [
      ['eval', []],
      ['sample', ['--out', out]],
    ] as const) {
      const err = await runCommand(which, lower, [
        'tiny.dl',
        '--checkpoint',
        bad,
        '--backend',
        'reference',
        ...argv,
      ]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DlcError);
      expect((err as DlcError).message).toBe(message);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('scores a model with no infer entry by its train loss on the test split, as training does', async () => {
    const ck = join(tempDir(), 'bigram.safetensors');
    const flags = ['--checkpoint', ck, '--json']; // on the device: the reference executor is slow over 58 batches
    const t = await runCommand('train', lower, ['bigram.dl', '--steps', '5', '--order', 'striped', ...flags]);
    const final = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    const r = await runCommand('eval', lower, ['bigram.dl', ...flags]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      model: 'bigram',
      entry: 'step',
      data: 'moby-dick',
      step: 5,
      order: 'striped',
      test_loss: final.test_loss,
    });
    // Below the uniform guess over the vocabulary: the five steps learned something.
    expect(out.test_loss).toBeLessThan(Math.log(loadMobyDick().vocab.length));
  });
});
