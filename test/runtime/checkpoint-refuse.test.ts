// Checkpoints that dlc would never write are refused on read, naming the file and
// what is wrong: non-finite tensors, and metadata that resuming could not use.
// Also the check that a checkpoint path can be written before a run starts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExport } from '../../compiler/cli/commands/run-export';
import { lowerFile } from '../../compiler/lower/index';
import { checkWritable, readCheckpoint } from '../../runtime/checkpoint/file-node';
import { checkSameModel, infoToMetadata } from '../../runtime/checkpoint/metadata';
import { checkpoint, encodeUnchecked, signature } from './checkpoint-helpers';
import { runCommand } from './train/harness';

const dir = () => mkdtempSync(join(tmpdir(), 'dlc-ckpt-'));

function written(bytes: Uint8Array): string {
  const path = join(dir(), 'm.safetensors');
  writeFileSync(path, bytes);
  return path;
}

describe('checkpoints holding NaN or Inf', () => {
  it('are refused naming the file, the tensor and the element, with or without a model to check against', () => {
    for (const [value, text] of [
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
    ] as const) {
      const ckpt = checkpoint(1);
      (ckpt.tensors['fc1.b']!.data as Float32Array)[3] = value;
      const path = written(encodeUnchecked(ckpt));
      const message = `${path}: tensor fc1.b holds ${text} at element 3; a checkpoint must be finite`;
      expect(() => readCheckpoint(path)).toThrow(message);
      expect(() => readCheckpoint(path, signature())).toThrow(message);
    }
  });
});

describe('metadata that resuming could not use', () => {
  const withMeta = (edit: (m: Record<string, string>) => void): string => {
    const ckpt = checkpoint(1);
    const meta = infoToMetadata(ckpt.info);
    edit(meta);
    return written(encodeUnchecked(ckpt, meta));
  };
  it('names the file and the key', () => {
    const cursor = withMeta((m) => (m['dlc.data_cursor'] = 'soon'));
    expect(() => readCheckpoint(cursor)).toThrow(
      `${cursor}: metadata dlc.data_cursor is invalid: data cursor 'soon' is not of the form epoch:position`,
    );
    const lr = withMeta((m) => (m['dlc.lr'] = JSON.stringify({ spec: 'wobble', step: 0 })));
    expect(() => readCheckpoint(lr)).toThrow(
      new RegExp(`^${lr}: metadata dlc.lr is invalid: learning-rate schedule 'wobble'`),
    );
    const skipped = withMeta((m) => (m['train.skipped'] = 'many'));
    expect(() => readCheckpoint(skipped)).toThrow(`${skipped}: metadata train.skipped 'many' is not a count`);
  });
});

describe('a checkpoint of another model with the same name', () => {
  // Two versions of model 'codes': the second renamed its input and widened W. The
  // checkpoint of the first recorded the binding `x=v0`, which the second cannot use.
  const model = (input: string, width: number): string => `model codes(batch = 10) {
  input ${input}: f32[batch, 784]
  param W: f32[784, ${width}] = normal(0, 0.01)
  train step(${input}) -> loss {
    h = ${input} @ W
    loss = mean(h * h)
    minimize loss with sgd(lr = 0.01, momentum = 0.9)
  }
}
`;

  it('is refused naming the model and what differs, before the binding it recorded is used', async () => {
    const d = dir();
    writeFileSync(join(d, 'old.dl'), model('v0', 8));
    writeFileSync(join(d, 'new.dl'), model('v', 16));
    const ckpt = join(d, 'codes.safetensors');
    const argv = (file: string) => [join(d, file), '--steps', '2', '--checkpoint', ckpt, '--backend', 'reference'];
    expect((await runCommand('train', lowerFile, argv('old.dl'))).code).toBe(0);
    expect(readCheckpoint(ckpt).info.extra?.['train.bind']).toBe('x=v0');
    const refused = await runCommand('train', lowerFile, [...argv('new.dl'), '--resume']).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Was: "the model has no input named 'v0' (inputs: v)".
    expect((refused as Error).message).toBe(
      `${ckpt}: saved by another model named 'codes', with other tensors: ` +
        'tensor W has shape [784,8], model wants [784,16]; tensor step.W.momentum has shape [784,8], model wants [784,16]',
    );
  }, 120_000);

  it('is refused the same way by dlc export', async () => {
    const d = dir();
    const versioned = (width: number) => `model codes(batch = 10) {
  input v: f32[batch, 784]
  param W: f32[784, ${width}] = normal(0, 0.01)
  infer code(v) -> h { h = v @ W }
  train step(v) -> loss {
    loss = mean((v @ W) * (v @ W))
    minimize loss with sgd(lr = 0.01)
  }
}
`;
    writeFileSync(join(d, 'old.dl'), versioned(2));
    writeFileSync(join(d, 'new.dl'), versioned(3));
    const ckpt = join(d, 'codes.safetensors');
    const train = ['--steps', '2', '--checkpoint', ckpt, '--backend', 'reference'];
    expect((await runCommand('train', lowerFile, [join(d, 'old.dl'), ...train])).code).toBe(0);
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    const options = {
      file: join(d, 'new.dl'),
      checkpoint: ckpt,
      out: join(d, 'm.onnx'),
      fixedBatch: false,
      defines: {},
    };
    await expect(runExport(lowerFile, options, io)).rejects.toThrow(
      `${ckpt}: saved by another model named 'codes', with other tensors: tensor W has shape [784,2], model wants [784,3]`,
    );
  }, 120_000);

  it('lists at most three differences and counts the rest', () => {
    const info = checkpoint(1).info;
    const have = {
      a: { dtype: 'f32', shape: [1] },
      b: { dtype: 'f32', shape: [2] },
      flag: { dtype: 'u32', shape: [3] },
    };
    const want = {
      b: { dtype: 'i32', shape: [2] },
      c: { dtype: 'f32', shape: [] },
      d: { dtype: 'f32', shape: [4] },
      flag: { dtype: 'bool', shape: [3] },
    };
    expect(() => checkSameModel(info, have, { model: info.model, tensors: want }, 'f.safetensors')).toThrow(
      "f.safetensors: saved by another model named 'mnist_mlp', with other tensors: tensor b has dtype f32, model wants i32; " +
        'has no tensor c (model wants f32[]); has no tensor d (model wants f32[4]); and 1 more',
    );
    // A bool tensor is saved as u32: the same tensor, not a difference.
    expect(() =>
      checkSameModel(info, { flag: have.flag }, { model: info.model, tensors: { flag: want.flag } }, 'f'),
    ).not.toThrow();
  });
});

describe('checkWritable', () => {
  it('accepts a new file in an existing folder and an existing file', () => {
    const d = dir();
    expect(() => checkWritable(join(d, 'new.safetensors'))).not.toThrow();
    writeFileSync(join(d, 'old.safetensors'), 'x');
    expect(() => checkWritable(join(d, 'old.safetensors'))).not.toThrow();
  });
  it('refuses a missing folder, a file used as a folder and a folder used as the file', () => {
    const d = dir();
    const missing = join(d, 'nope', 'm.safetensors');
    expect(() => checkWritable(missing)).toThrow(
      `cannot save checkpoint ${missing}: folder ${join(d, 'nope')} does not exist (ENOENT)`,
    );
    writeFileSync(join(d, 'file'), 'x');
    const under = join(d, 'file', 'm.safetensors');
    expect(() => checkWritable(under)).toThrow(`cannot save checkpoint ${under}: ${join(d, 'file')} is not a folder`);
    mkdirSync(join(d, 'sub'));
    expect(() => checkWritable(join(d, 'sub'))).toThrow(`cannot save checkpoint ${join(d, 'sub')}: it is a folder`);
  });
});
