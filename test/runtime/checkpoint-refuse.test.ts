// Checkpoints that dlc would never write are refused on read, naming the file and
// what is wrong: non-finite tensors, and metadata that resuming could not use.
// Also the check that a checkpoint path can be written before a run starts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWritable, readCheckpoint } from '../../runtime/checkpoint/file-node';
import { infoToMetadata } from '../../runtime/checkpoint/metadata';
import { checkpoint, encodeUnchecked, signature } from './checkpoint-helpers';

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
