// Calls with fewer rows than the compiled batch (PlanBatch, runtime/executor/rows.ts):
// on the device and on the reference executor, n rows give the first n rows of the
// zero-padded full batch, bit for bit; entries that combine rows refuse, naming why.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import { compileProgram } from '../../compiler/driver';
import { lowerFile } from '../../compiler/lower/index';
import { createReferenceRunner } from '../../compiler/reference/runner';
import type { Program } from '../../compiler/ir/program';
import { Model } from '../../runtime/model';
import type { ModelRunner } from '../../runtime/train/runner';
import { rng } from '../helpers/rng';

const BATCH = 6;

function randomRows(rows: number, width: number, seed: number, binary = false): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * width }, () => (binary ? (r() < 0.3 ? 1 : 0) : r()));
}

// A short Gibbs chain on 8x8 images (examples/rbm.dl's runs 1000 steps) and a per-row score.
const CHAIN = `model chain(batch = ${BATCH}, nv = 64, nh = 12) {
  input v0: f32[batch, nv]
  param W: f32[nv, nh] = normal(0, 0.1)
  param a: f32[nv] = zeros
  fn p_h(v) = sigmoid(v @ W)
  fn p_v(h) = sigmoid(h @ W.T + a)
  sample dream(v0) -> v { v = repeat 3 carry s = v0 { s = bernoulli(p_v(bernoulli(p_h(s)))) } }
  infer score(v0) -> recon { recon = sum((v0 - p_v(p_h(v0))) ** 2, axis = 1) }
}
`;

function lower(path: string, defines: Record<string, number>): Program {
  const read = (p: string): Uint8Array => (p === 'chain.dl' ? new TextEncoder().encode(CHAIN) : readFileSync(p));
  const lowered = lowerFile(path, { defines }, read);
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('\n'));
  return lowered.program;
}

const mlp = lower('examples/mnist_mlp.dl', { batch: BATCH, hidden: 16 });
const rbm = lower('chain.dl', {});

interface Backend {
  run(entry: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
  setStep(step: number): void;
}

function onModel(model: Model): Backend {
  return { run: (e, i) => model.run(e, i), setStep: (s) => (model.step = s) };
}

function onReference(runner: ModelRunner): Backend {
  return { run: (e, i) => runner.run(e, i), setStep: (s) => (runner.step = s) };
}

let models: Model[] = [];
const backends: Record<string, { mlp: Backend; rbm: Backend }> = {};

beforeAll(async () => {
  const mlpModel = await Model.create(compileProgram(mlp, { family: 'register' }).plan);
  const rbmModel = await Model.create(compileProgram(rbm, { family: 'register' }).plan);
  models = [mlpModel, rbmModel];
  backends.device = { mlp: onModel(mlpModel), rbm: onModel(rbmModel) };
  backends.reference = {
    mlp: onReference(createReferenceRunner(mlp, 0)),
    rbm: onReference(createReferenceRunner(rbm, 0)),
  };
});

afterAll(() => {
  for (const m of models) m.destroy();
});

describe.each(['device', 'reference'])('fewer rows on the %s', (where) => {
  it('predict on 1 and 4 rows gives the first rows of the full batch', async () => {
    const { mlp: m } = backends[where]!;
    const x = randomRows(BATCH, 784, 1);
    const full = (await m.run('predict', { x })).prob as Float32Array;
    expect(full.length).toBe(BATCH * 10);
    for (const n of [1, 4]) {
      const part = (await m.run('predict', { x: x.slice(0, n * 784) })).prob as Float32Array;
      expect(part.length).toBe(n * 10);
      expect(Array.from(part)).toEqual(Array.from(full.subarray(0, n * 10)));
    }
  });

  it('a Gibbs chain (random draws) and its per-row scores keep the first rows', async () => {
    const { rbm: m } = backends[where]!;
    const v0 = randomRows(BATCH, 64, 2, true);
    m.setStep(5);
    const full = await m.run('dream', { v0 });
    m.setStep(5);
    const part = await m.run('dream', { v0: v0.slice(0, 2 * 64) });
    expect(Array.from(part.v as Float32Array)).toEqual(Array.from((full.v as Float32Array).subarray(0, 2 * 64)));
    const score = await m.run('score', { v0: v0.slice(0, 3 * 64) });
    expect((score.recon as Float32Array).length).toBe(3);
    const fullScore = await m.run('score', { v0 });
    expect(Array.from(score.recon as Float32Array)).toEqual(
      Array.from((fullScore.recon as Float32Array).subarray(0, 3)),
    );
  });

  it('refuses fewer rows for a train step (its mean loss and update combine rows)', async () => {
    const { mlp: m } = backends[where]!;
    const x = randomRows(2, 784, 3);
    const y = new Int32Array(2);
    await expect(m.run('step', { x, y })).rejects.toThrow(
      "step: input 'x' has 2 rows of f32[6,784]; step takes all 6 rows because output 'loss' combines rows of the batch " +
        '(examples/mnist_mlp.dl:22:12)',
    );
    await expect(m.run('step', { x, y: new Int32Array(3) })).rejects.toThrow(
      "step: input 'y' has 3 rows but 'x' has 2 rows; batch inputs take the same rows",
    );
  });

  it('still refuses lengths that are not whole rows, with the full shape', async () => {
    const { mlp: m } = backends[where]!;
    await expect(m.run('predict', { x: new Float32Array(700) })).rejects.toThrow(/^predict: input 'x'.* 4704 elements/);
  });
});

it('device and reference agree on one row', async () => {
  const x = randomRows(1, 784, 4);
  const gpu = (await backends.device!.mlp.run('predict', { x })).prob as Float32Array;
  const ref = (await backends.reference!.mlp.run('predict', { x })).prob as Float32Array;
  expect(gpu.length).toBe(10);
  for (let i = 0; i < 10; i++) expect(Math.abs(gpu[i]! - ref[i]!)).toBeLessThan(1e-5);
});

it('a wrong typed array of fewer rows is refused with the rows given', async () => {
  await expect(backends.device!.mlp.run('predict', { x: new Int32Array(784) })).rejects.toThrow(
    "predict: input 'x' expects a Float32Array of 784 elements (f32[1,784]), given Int32Array of 784 elements",
  );
});
