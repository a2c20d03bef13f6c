// A generated module's weight files: Model.saveSafetensors / loadSafetensors read and
// write the CLI's checkpoints (same format, names and checks), both ways.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../compiler/ops/index';
import '../../compiler/ops/control';
import { generatePlan, DEFAULT_LIMITS } from '../../compiler/codegen/generate-plan';
import { decodeCheckpoint } from '../../runtime/checkpoint/codec';
import { Model } from '../../runtime/model';
import { tinyMnist } from './train/programs';
import { fakeLower, runCommand, tempDir } from './train/harness';

const lower = fakeLower({ 'tiny.dl': () => tinyMnist({ batch: 400 }) });
const plan = (model?: string) =>
  generatePlan(tinyMnist({ batch: 400, ...(model ? { model } : {}) }), { family: 'register', limits: DEFAULT_LIMITS });

let ckpt = '';
let accuracy = 0;

beforeAll(async () => {
  ckpt = join(tempDir(), 'tiny.safetensors');
  const argv = ['tiny.dl', '--steps', '10', '--checkpoint', ckpt, '--json', '--backend', 'reference'];
  const r = await runCommand('train', lower, argv);
  accuracy = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { test_accuracy: number }).test_accuracy;
});

describe('Model safetensors', () => {
  it('loads a checkpoint written by dlc train, and dlc eval reads the one it saves', async () => {
    const bytes = readFileSync(ckpt);
    const want = decodeCheckpoint(bytes, ckpt);
    const model = await Model.create(plan());
    model.loadSafetensors(bytes, ckpt);
    const params = await model.params();
    for (const name of ['W', 'b']) expect(params[name]).toEqual(want.tensors[name]!.data);
    expect(model.step).toBe(want.info.rng.model_step);

    const saved = join(tempDir(), 'module.safetensors');
    writeFileSync(saved, await model.saveSafetensors());
    const back = decodeCheckpoint(readFileSync(saved), saved);
    for (const [name, t] of Object.entries(want.tensors)) expect(back.tensors[name]!.data).toEqual(t.data);
    const r = await runCommand('eval', lower, ['tiny.dl', '--checkpoint', saved, '--json', '--backend', 'reference']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { test_accuracy: number }).test_accuracy).toBe(accuracy);
    model.destroy();
  });

  it('refuses another model, another seed and a changed file, as the CLI loader does', async () => {
    const bytes = readFileSync(ckpt);
    const other = await Model.create(plan('other_model'));
    const fromOther = "w.safetensors: file is from model 'tiny_mnist', not 'other_model'";
    expect(() => other.loadSafetensors(bytes, 'w.safetensors')).toThrow(fromOther);
    other.destroy();
    const seeded = await Model.create(plan(), { seed: 3 });
    const seedMessage = 'w.safetensors: saved with seed 0, the model was created with seed 3';
    expect(() => seeded.loadSafetensors(bytes, 'w.safetensors')).toThrow(seedMessage);
    const changed = new Uint8Array(bytes);
    changed[changed.length - 1]! ^= 1;
    expect(() => seeded.loadSafetensors(changed, 'w.safetensors')).toThrow('w.safetensors: checksum mismatch');
    seeded.destroy();
  });
});
