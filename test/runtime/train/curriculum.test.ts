// `easiest F by ENTRY` in a schedule stage: the stage trains on the examples the
// infer entry scores lowest, chosen when the stage starts, and a run stopped
// mid-stage resumes on the same examples (their rows are saved in the checkpoint).
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { writeNpy } from '../../../runtime/data/npy-node';
import { hostTensor } from '../../../runtime/data/tensor';
import { runCommand, tempDir } from './harness';

const model = 'test/runtime/train/fixtures/curriculum.dl';
// 16 training rows; difficulty (column 0) is a permutation of 0..15, column 1 is 1 + row.
const difficulty = [9, 3, 14, 0, 7, 12, 5, 1, 15, 10, 2, 8, 6, 13, 4, 11];

function dataDir(dir: string): string {
  const data = join(dir, 'data');
  for (const [split, n] of [
    ['train', 16],
    ['test', 4],
  ] as const) {
    mkdirSync(join(data, split), { recursive: true });
    const x = Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? difficulty[i / 2]! : 1 + (i - 1) / 2));
    writeNpy(join(data, split, 'x.npy'), hostTensor('f32', [n, 2], x));
  }
  return data;
}

async function train(argv: string[]) {
  const r = await runCommand('train', lowerFile, [model, '--backend', 'reference', ...argv]);
  expect(r.code).toBe(0);
  return r;
}

function weights(path: string): number[] {
  return [...(readCheckpoint(path).tensors.w!.data as Float32Array)];
}

/** w after `epochs` whole epochs over `rows` at lr 0.125, batch 4. */
function expected(rows: number[], epochs: number): number[] {
  const sum = [0, 1].map((c) => rows.reduce((s, r) => s + (c === 0 ? difficulty[r]! : 1 + r), 0));
  return sum.map((s) => (-0.125 * epochs * s) / 4);
}

describe('curriculum stages (easiest F by ENTRY)', () => {
  it('trains on the fraction the entry scores lowest, and resumes on the same rows', async () => {
    const dir = tempDir();
    const data = dataDir(dir);
    const half = join(dir, 'half');
    const r = await train(['--data', data, '--checkpoint', half]);
    expect(r.stdout).toContain('(8 of 16 examples, batch 4, 2 steps per epoch)');
    const easiest = [...difficulty.keys()].filter((row) => difficulty[row]! < 8);
    expect(weights(half)).toEqual(expected(easiest, 2));

    const all = join(dir, 'all');
    await train(['--data', data, '--checkpoint', all, '-D', 'part=1']);
    expect(weights(all)).toEqual(expected([...difficulty.keys()], 2));

    // Stopped after 3 of 4 steps, w has moved: the resumed stage keeps the rows it chose at its start.
    const parts = join(dir, 'parts');
    await train(['--data', data, '--checkpoint', parts, '--steps', '3', '--order', 'sequential']);
    await train(['--data', data, '--checkpoint', parts, '--resume']);
    const whole = join(dir, 'whole');
    await train(['--data', data, '--checkpoint', whole, '--order', 'sequential']);
    expect(weights(parts)).toEqual(weights(whole));
    expect(weights(whole)).toEqual(expected(easiest, 2));
  });
});
