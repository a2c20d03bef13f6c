// Integer inputs used as indices (compiler/ir/index-ranges.ts) are checked before they
// reach the index ops, which read an out-of-range id as zero: every call on the device
// and on the reference executor, every value of a dataset field before `dlc train`'s
// first step, and the CLI's message names the .dl line of the use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import { compileProgram } from '../../compiler/driver';
import { lowerFile } from '../../compiler/lower/index';
import { createReferenceRunner } from '../../compiler/reference/runner';
import { writeNpy } from '../../runtime/data/npy-node';
import { Model } from '../../runtime/model';
import { planEntries, type ModelRunner } from '../../runtime/train/runner';
import { bindEntry } from '../../runtime/train/feeds';
import { runCli } from '../helpers/cli';

const BATCH = 4;
const lowered = lowerFile('examples/mnist_mlp.dl', { defines: { batch: BATCH, hidden: 8 } });
const program = lowered.program!;
const plan = compileProgram(program, { family: 'register' }).plan;
const labels = (...ys: number[]): Int32Array => Int32Array.from(ys);
const USE = "examples/mnist_mlp.dl:22:17: input 'y' indexes one of the 10 classes of cross_entropy here";

// A small model for the calls (few kernels to build on the device): word ids into a table, labels into its classes.
const WORDS = `model words(batch = ${BATCH}) {
  input ids: i32[batch]
  input y: i32[batch]
  param E: f32[6, 3] = normal(0, 1)
  infer score(ids, y) -> loss { loss = mean(cross_entropy(gather(E, ids), y)) }
}
`;
const small = lowerFile('words.dl', {}, (p) => {
  if (p === 'words.dl') return new TextEncoder().encode(WORDS);
  throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
}).program!;

let model: Model;
let reference: ModelRunner;
beforeAll(async () => {
  model = await Model.create(compileProgram(small, { family: 'register' }).plan);
  reference = createReferenceRunner(small, 0);
});
afterAll(() => model.destroy());

describe.each(['device', 'reference'])('calls on the %s', (where) => {
  const run = (ids: Int32Array, y: Int32Array) =>
    where === 'device' ? model.run('score', { ids, y }) : reference.run('score', { ids, y });

  it('take ids and labels in range, the edges included', async () => {
    const out = await run(labels(0, 5, 3, 5), labels(0, 2, 1, 2));
    expect(Number.isFinite(out.loss as number)).toBe(true);
  });

  it('refuse an id past the last row or class, or below 0, naming the use', async () => {
    await expect(run(labels(0, 1, 6, 2), labels(0, 0, 0, 0))).rejects.toThrow(
      "words.dl:5:59: input 'ids' indexes a row of 'E' here, so its values must lie in [0, 6); the call to 'score' gave 6 at element 2",
    );
    await expect(run(labels(0, 1, 2, 3), labels(0, 3, 0, 0))).rejects.toThrow(
      "words.dl:5:45: input 'y' indexes one of the 3 classes of cross_entropy here, so its values must lie in [0, 3); the call to 'score' gave 3 at element 1",
    );
    await expect(run(labels(-1, 1, 2, 3), labels(0, 0, 0, 0))).rejects.toThrow('gave -1 at element 0');
  });
});

describe('datasets', () => {
  it('the plan carries the range; binding a field with an id out of range is refused before any step', () => {
    const step = planEntries(plan).find((e) => e.name === 'step')!;
    expect(step.indexRanges).toEqual([expect.objectContaining({ input: 'y', size: 10 })]);
    const split = {
      x: { dtype: 'f32', shape: [3, 784], data: new Float32Array(3 * 784) },
      y: { dtype: 'i32', shape: [3], data: labels(4, 12, 0) },
    } as const;
    expect(() => bindEntry('digits', split as never, step, {})).toThrow(
      `${USE}, so its values must lie in [0, 10); dataset 'digits' field 'y' holds 12 (example 1)`,
    );
  });

  it('dlc train reports it at the .dl line and trains nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-index-ranges-'));
    try {
      const n = 20;
      writeNpy(join(dir, 'x.npy'), { dtype: 'f32', shape: [n, 784], data: new Float32Array(n * 784) } as never);
      writeNpy(join(dir, 'y.npy'), {
        dtype: 'i32',
        shape: [n],
        data: Int32Array.from({ length: n }, (_, i) => i % 12),
      } as never);
      const res = await runCli([
        'train',
        'examples/mnist_mlp.dl',
        '--data',
        dir,
        '-D',
        'batch=4',
        '-D',
        'hidden=8',
        '--epochs',
        '1',
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`dlc: error: ${USE}, so its values must lie in [0, 10); dataset '`);
      expect(res.stderr).not.toMatch(/epoch|at .*\.js/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
