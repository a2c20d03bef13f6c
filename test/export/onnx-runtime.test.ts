// dlc export checked by a real engine: train a few steps on the device, save a
// checkpoint, export the infer entry, run the .onnx in ONNX Runtime (CPU) and
// compare with the same entry run by dlc on the device, on real MNIST digits, to
// 1e-4. The exported batch axis is dynamic: half the batch gives the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { lowerFile } from '../../compiler/lower/index';
import { makeCheckpoint } from '../../runtime/train/checkpoints';
import { mnistPosition } from '../runtime/checkpoint-helpers';
import { runExport } from '../../compiler/cli/commands/run-export';
import { writeCheckpoint } from '../../runtime/checkpoint/file-node';
import { gpuRunner, lowerExample, mnistBatch } from '../examples/zoo-harness';

const dir = mkdtempSync(join(tmpdir(), 'dlc-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BATCH = 8;

interface Case {
  readonly model: string;
  readonly defines: Record<string, number>;
  readonly train: string;
  readonly infer: string;
  /** The infer entry's input and output. */
  readonly input: string;
  readonly output: string;
  /** The input's shape per example (after the batch axis). */
  readonly example: readonly number[];
  /** The train entry's feeds from the digits. */
  feeds(d: { x: Float32Array; y: Int32Array }): Record<string, Float32Array | Int32Array>;
}

const CASES: readonly Case[] = [
  {
    model: 'mnist_mlp',
    defines: { batch: BATCH, hidden: 64 },
    train: 'step',
    infer: 'predict',
    input: 'x',
    output: 'prob',
    example: [784],
    feeds: (d) => d,
  },
  {
    model: 'lenet',
    defines: { batch: BATCH },
    train: 'step',
    infer: 'predict',
    input: 'x',
    output: 'prob',
    example: [1, 28, 28],
    feeds: (d) => d,
  },
  {
    model: 'mnist_maxout',
    defines: { batch: BATCH, hidden: 32, pieces: 3 },
    train: 'step',
    infer: 'predict',
    input: 'x',
    output: 'prob',
    example: [784],
    feeds: (d) => d,
  },
  {
    model: 'rbm',
    defines: { batch: BATCH, nh: 32 },
    train: 'cd',
    infer: 'hidden',
    input: 'v0',
    output: 'h',
    example: [784],
    feeds: (d) => ({ v0: d.x }),
  },
];

const sink = (): { stream: NodeJS.WritableStream; text: () => string } => {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('dlc export → ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.model}.${c.infer}: ONNX Runtime matches dlc on the device to 1e-4 after 3 training steps`, async () => {
      // Only the two entries used: fewer pipelines to build on a software adapter.
      const lowered = lowerExample(c.model, c.defines);
      const program = { ...lowered, entries: lowered.entries.filter((e) => e.name === c.train || e.name === c.infer) };
      const digits = mnistBatch(BATCH);
      const runner = await gpuRunner(program);
      let dlcOut: Float32Array;
      const ckpt = join(dir, `${c.model}.safetensors`);
      try {
        for (let i = 0; i < 3; i++) await runner.run(c.train, c.feeds(digits));
        writeCheckpoint(ckpt, await makeCheckpoint(runner, mnistPosition(3), 'test'));
        dlcOut = (await runner.run(c.infer, { [c.input]: digits.x }))[c.output] as Float32Array;
      } finally {
        runner.destroy();
      }
      const onnxPath = join(dir, `${c.model}.onnx`);
      const err = sink();
      const out = sink();
      const file = join('examples', `${c.model}.dl`);
      const code = await runExport(
        lowerFile,
        { file, checkpoint: ckpt, out: onnxPath, entry: c.infer, fixedBatch: false, defines: c.defines },
        {
          stdout: out.stream,
          stderr: err.stream,
        },
      );
      expect(err.text()).toBe('');
      expect(code).toBe(0);
      expect(out.text()).toContain('batch axis N');

      const session = await ort.InferenceSession.create(onnxPath);
      const full = await session.run({ [c.input]: new ort.Tensor('float32', digits.x, [BATCH, ...c.example]) });
      const got = full[c.output]!.data as Float32Array;
      expect(maxAbsDiff(got, dlcOut)).toBeLessThan(1e-4);
      // Another batch size through the same model: the first half of the rows.
      const half = BATCH / 2;
      const per = dlcOut.length / BATCH;
      const part = await session.run({
        [c.input]: new ort.Tensor('float32', digits.x.slice(0, (half * digits.x.length) / BATCH), [half, ...c.example]),
      });
      expect(part[c.output]!.dims[0]).toBe(half);
      expect(maxAbsDiff(part[c.output]!.data as Float32Array, dlcOut.slice(0, half * per))).toBeLessThan(1e-4);
    }, 180_000);
  }
});
