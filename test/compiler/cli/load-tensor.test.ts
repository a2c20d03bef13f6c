// `param E: ... = load("file", "name")`: a param and a state start from tensors in
// a .safetensors and a .npy file beside the .dl file, and training starts from them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { encodeSafetensors } from '../../../runtime/checkpoint/safetensors';
import { encodeNpy } from '../../../runtime/data/npy';
import { hostTensor } from '../../../runtime/data/tensor';
import { runCommand, tempDir } from '../../runtime/train/harness';

const MODEL = `
model m {
  param E: f32[3, 2] = load("data/vectors.safetensors", "emb")
  state t: f32[4] = load("data/table.npy")
  train step() -> loss {
    loss = sum(E * [[1, 2], [3, 4], [5, 6]]) + sum(t)
    minimize loss with sgd(lr = 0.5)
  }
}`;

describe('params and state loaded from files', () => {
  it("start training from the files' values (one SGD step moves E by -lr·c; t stays)", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    const emb = Float32Array.from([0.5, -1, 2, 0.25, 3, -0.75]);
    const tensors = { emb: { dtype: 'f32' as const, shape: [3, 2], data: emb } };
    writeFileSync(join(dir, 'data', 'vectors.safetensors'), encodeSafetensors({ tensors, metadata: {} }));
    const table = Float32Array.from([1, 2, 3, 4]);
    writeFileSync(join(dir, 'data', 'table.npy'), encodeNpy(hostTensor('f32', [4], table)));
    writeFileSync(join(dir, 'm.dl'), MODEL);
    const ckpt = join(dir, 'out.safetensors');
    // Run from elsewhere: the paths are relative to the .dl file, not the working directory.
    const r = await runCommand('train', lowerFile, [join(dir, 'm.dl'), '--steps', '1', '--checkpoint', ckpt, '--json']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const first = JSON.parse(r.stdout.trim().split('\n')[0]!) as { loss: number };
    const c = [1, 2, 3, 4, 5, 6];
    expect(first.loss).toBeCloseTo(emb.reduce((s, e, k) => s + e * c[k]!, 0) + 10, 4);
    const saved = readCheckpoint(ckpt).tensors;
    expect(Array.from(saved.E!.data)).toEqual(Array.from(emb, (e, k) => Math.fround(e - 0.5 * c[k]!)));
    expect(Array.from(saved.t!.data)).toEqual(Array.from(table));
  });
});
