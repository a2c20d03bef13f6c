// `dlc train --init-from`: a DBN-style pipeline (pretrain a layer in one model,
// start a classifier from it), what is reported, and the refusals.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { encodeSafetensors } from '../../../runtime/checkpoint/safetensors';
import { runCommand, tempDir } from '../../runtime/train/harness';

const DATA = '[[1, 0, 0.5, -1], [0, 1, -0.5, 0.25], [0.5, 0.5, 1, 0]]';

// Stage 1: an autoencoder layer W1 trained alone.
const PRETRAIN = `
model pre {
  param W1: f32[4, 3] = normal(0, 0.5)
  train step() -> loss {
    v = ${DATA}
    loss = mean((tanh(v @ W1) @ W1.T - v) ** 2)
    minimize loss with sgd(lr = 0.5, momentum = 0.5)
  }
}`;

// Stage 2: a classifier over W1 that trains only its head.
const CLASSIFY = (w1 = 'f32[4, 3]') => `
model clf {
  param W1: ${w1} = normal(0, 0.5)
  param W2: f32[3, 2] = normal(0, 0.5)
  train step() -> loss {
    h = tanh(${DATA} @ W1)
    loss = mean(cross_entropy(h @ W2, [0, 1, 1]))
    minimize loss with sgd(lr = 0.5) over [W2]
  }
}`;

async function trainA(dir: string): Promise<string> {
  writeFileSync(join(dir, 'pre.dl'), PRETRAIN);
  const a = join(dir, 'a.safetensors');
  const r = await runCommand('train', lowerFile, [join(dir, 'pre.dl'), '--steps', '5', '--checkpoint', a]);
  expect(r.code, r.stderr).toBe(0);
  return a;
}

describe('dlc train --init-from', () => {
  it("starts model B from model A's weights by name: the shared layer is A's, the rest B's own", async () => {
    const dir = tempDir();
    const a = await trainA(dir);
    writeFileSync(join(dir, 'clf.dl'), CLASSIFY());
    const b = join(dir, 'b.safetensors');
    const fresh = join(dir, 'fresh.safetensors');
    const r = await runCommand('train', lowerFile, [
      join(dir, 'clf.dl'),
      '--steps',
      '3',
      '--init-from',
      a,
      '--checkpoint',
      b,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `init from ${a}: loaded 1 param: W1\n  kept their initializers: W2\n  not used from the file: step.W1.momentum\n`,
    );
    const own = await runCommand('train', lowerFile, [join(dir, 'clf.dl'), '--steps', '3', '--checkpoint', fresh]);
    expect(own.code, own.stderr).toBe(0);
    const [pre, clf, alone] = [a, b, fresh].map((p) => readCheckpoint(p).tensors);
    // W1 is frozen in clf, so after training it still equals the pretrained W1 exactly.
    expect(Array.from(clf!.W1!.data)).toEqual(Array.from(pre!.W1!.data));
    expect(Array.from(alone!.W1!.data)).not.toEqual(Array.from(pre!.W1!.data));
    // Both heads start from clf's own initializer; they differ because they trained on different features.
    expect(Array.from(clf!.W2!.data)).not.toEqual(Array.from(alone!.W2!.data));
  });

  it('loads a plain safetensors file (no dlc metadata), and --init-from-strict requires every param', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'clf.dl'), CLASSIFY());
    const w2 = Float32Array.from([1, -1, 0.5, 0.5, -0.25, 2]);
    const plain = join(dir, 'head.safetensors');
    writeFileSync(
      plain,
      encodeSafetensors({ tensors: { W2: { dtype: 'f32', shape: [3, 2], data: w2 } }, metadata: {} }),
    );
    const strict = await runCommand('train', lowerFile, [
      join(dir, 'clf.dl'),
      '--steps',
      '1',
      '--init-from',
      plain,
      '--init-from-strict',
    ]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(strict?.message).toBe(`--init-from-strict: ${plain} has no 'W1' (params of clf)`);
    const out = join(dir, 'out.safetensors');
    const r = await runCommand('train', lowerFile, [
      join(dir, 'clf.dl'),
      '--steps',
      '1',
      '--init-from',
      plain,
      '--checkpoint',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `init from ${plain}: loaded 1 param: W2\n  kept their initializers: W1\n  not used from the file: none\n`,
    );
  });

  it('refuses a param of another shape, and --init-from with --resume', async () => {
    const dir = tempDir();
    const a = await trainA(dir);
    writeFileSync(join(dir, 'wide.dl'), CLASSIFY('f32[4, 5]').replace('W2: f32[3, 2]', 'W2: f32[5, 2]'));
    const fail = (argv: string[]) =>
      runCommand('train', lowerFile, argv).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    const shape = await fail([join(dir, 'wide.dl'), '--steps', '1', '--init-from', a]);
    expect(shape?.message).toBe(`--init-from ${a}: 'W1' is f32[4,3] there but f32[4,5] in clf`);
    const both = await fail([join(dir, 'wide.dl'), '--steps', '1', '--init-from', a, '--checkpoint', a, '--resume']);
    expect(both?.message).toBe(
      '--init-from starts a new run from other weights and --resume continues this one: give one of them',
    );
    const missing = await fail([join(dir, 'wide.dl'), '--steps', '1', '--init-from', join(dir, 'nothing.safetensors')]);
    expect(missing?.message).toBe(`--init-from: cannot read ${join(dir, 'nothing.safetensors')}: no such file`);
  });
});
