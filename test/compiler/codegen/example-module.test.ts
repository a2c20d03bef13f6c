// The end-to-end check: examples/mnist_mlp.dl compiled by `dlc compile`, and
// the generated module imported by a plain Node script (no dlc code besides the
// module and its bundled runtime) that trains on a fixed batch: the loss falls and
// predict's probabilities sum to 1.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { compile } from '../../../compiler/cli/commands/compile';
import { moduleScratchDir, repoRoot } from '../../helpers/module-scratch';

const run = promisify(execFile);
const root = repoRoot;
const dir = moduleScratchDir('dlc-example-test-');

const B = 32;
const script = `
import { createModel } from './mnist_mlp.js';
const model = await createModel({ seed: 1 });
const x = new Float32Array(${B} * 784);
const y = new Int32Array(${B});
for (let r = 0; r < ${B}; r++) {
  y[r] = r % 10;
  for (let i = 0; i < 784; i++) x[r * 784 + i] = (i * 7 + r * 13) % 29 === y[r] ? 1 : 0;
}
const losses = [];
for (let i = 0; i < 25; i++) losses.push((await model.step({ x, y })).loss);
const { prob } = await model.predict({ x });
const sums = [];
for (let r = 0; r < ${B}; r++) sums.push(prob.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0));
console.log(JSON.stringify({ losses, sums }));
`;

describe('examples/mnist_mlp.dl through dlc compile', () => {
  it('trains from a plain Node script and predicts probabilities', async () => {
    let stdout = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    let code: number;
    try {
      code = await compile.run([
        join(root, 'examples', 'mnist_mlp.dl'),
        '-o',
        dir,
        '-D',
        `batch=${B}`,
        '-D',
        'hidden=64',
        '--json',
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.model).toBe('mnist_mlp');
    expect(report.entries.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['predict', 'step']));
    expect(readFileSync(join(dir, 'mnist_mlp.d.ts'), 'utf8')).toContain(`/** i32[${B}] */`);

    writeFileSync(join(dir, 'train.mjs'), script);
    const out = await run(process.execPath, [join(dir, 'train.mjs')], { cwd: dir, timeout: 240_000 });
    const { losses, sums } = JSON.parse(out.stdout.trim().split('\n').pop()!);
    const first = (losses[0] + losses[1] + losses[2]) / 3;
    const last = (losses.at(-1) + losses.at(-2) + losses.at(-3)) / 3;
    expect(last).toBeLessThan(first * 0.9);
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
  });
});
