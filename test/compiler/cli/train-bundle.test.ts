// The built `dlc` (node bin/dlc.js) on the shipped examples: train, eval and sample
// end to end through the real lowering, and how failures look on the terminal.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dlcStderr, runCli } from '../../helpers/cli';

const small = ['-D', 'hidden=32'];

describe('dlc train / eval / sample (built CLI)', () => {
  it('trains examples/mnist_mlp.dl, then evaluates and refuses a differently shaped model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-bundle-'));
    const ckpt = join(dir, 'mlp.safetensors');
    const train = await runCli(
      ['train', 'examples/mnist_mlp.dl', ...small, '--steps', '4', '--json', '--checkpoint', ckpt],
      { timeoutMs: 300_000 },
    );
    expect(dlcStderr(train)).toBe('');
    expect(train.code).toBe(0);
    const final = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(final).toMatchObject({ final: true, epoch: 1, step: 4, skipped: 0 });
    expect(typeof final.test_accuracy).toBe('number');
    const evaluated = await runCli(['eval', 'examples/mnist_mlp.dl', ...small, '--checkpoint', ckpt, '--json'], {
      timeoutMs: 300_000,
    });
    expect(evaluated.code).toBe(0);
    expect((JSON.parse(evaluated.stdout) as Record<string, unknown>).test_accuracy).toBe(final.test_accuracy);
    const wrong = await runCli(['eval', 'examples/mnist_mlp.dl', '-D', 'hidden=48', '--checkpoint', ckpt], {
      timeoutMs: 300_000,
    });
    expect(wrong.code).toBe(1);
    expect(dlcStderr(wrong)).toBe(
      `dlc: error: ${ckpt}: saved by another model named 'mnist_mlp', with other tensors: ` +
        'tensor fc1.W has shape [784,32], model wants [784,48]; tensor fc1.b has shape [32], model wants [48]; ' +
        'tensor fc2.W has shape [32,32], model wants [48,48]; and 7 more',
    );
  });

  it('samples images from an RBM checkpoint into a PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-bundle-'));
    const ckpt = join(dir, 'rbm.safetensors');
    const png = join(dir, 'dream.png');
    const rbm = ['examples/rbm.dl', '-D', 'nh=32'];
    const train = await runCli(['train', ...rbm, '--entry', 'pcd', '--steps', '2', '--checkpoint', ckpt], {
      timeoutMs: 300_000,
    });
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/^done: step 2, /m);
    const sample = await runCli(['sample', ...rbm, '--checkpoint', ckpt, '--out', png], { timeoutMs: 300_000 });
    expect(sample.code).toBe(0);
    expect(sample.stdout).toBe(`wrote 20 images from dream.v to ${png}\n`);
    expect(readFileSync(png).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('reports failures as one line (exit 2 for usage, 1 for the model) or as located diagnostics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-bundle-'));
    const bad = join(dir, 'bad.dl');
    writeFileSync(
      bad,
      'model broken(batch = 4) {\n  input x: f32[batch, 784]\n  infer f(x) -> y { y = nosuch(x) }\n}\n',
    );
    const cases: [string[], number, RegExp][] = [
      [['train', 'examples/nosuch.dl'], 2, /^dlc: error: .*examples\/nosuch\.dl/],
      [
        ['train', 'examples/rbm.dl'],
        2,
        /^dlc: error: model 'rbm' has several train entry points \(cd, pcd\); pick one with --entry$/,
      ],
      [['train', 'examples/mnist_mlp.dl', '--data', 'nosuch'], 2, /^dlc: error: unknown dataset 'nosuch'/],
      [['eval', 'examples/mnist_mlp.dl'], 2, /^dlc: error: dlc eval needs --checkpoint PATH/],
      [['sample', 'examples/rbm.dl', '--checkpoint', join(dir, 'none')], 2, /^dlc: error: no checkpoint at /],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(argv, { timeoutMs: 300_000 });
      expect(r.code, argv.join(' ')).toBe(code);
      expect(dlcStderr(r).split('\n')[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    const r = await runCli(['train', bad]);
    expect(r.code).toBe(1);
    expect(dlcStderr(r)).toMatch(/bad\.dl:3:\d+: error: /);
  });
});
