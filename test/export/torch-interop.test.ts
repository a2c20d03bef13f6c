// docs/interop.md's PyTorch scripts, run as written: a dlc checkpoint loaded into
// the equivalent torch.nn model predicts what dlc predicts, and a torch state_dict
// written as safetensors and loaded by --init-from gives dlc the torch model's
// predictions (and `dlc eval --init-from` takes it). Needs
// python3 with torch (and numpy); skipped, with a message, where there is none.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCheckpoint } from '../../runtime/train/checkpoints';
import { mnistPosition } from '../runtime/checkpoint-helpers';
import { writeCheckpoint } from '../../runtime/checkpoint/file-node';
import { initFrom } from '../../runtime/train/init-from';
import { lowerFile } from '../../compiler/lower/index';
import { runCommand } from '../runtime/train/harness';
import { gpuRunner, lowerExample, mnistBatch } from '../examples/zoo-harness';

const PYTHONS = ['/usr/bin/python3', 'python3'];
const python = PYTHONS.find((p) => spawnSync(p, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0);
if (!python) console.log(`torch-interop: skipped: no python3 with torch and numpy (tried ${PYTHONS.join(', ')})`);

const BATCH = 8;
const HIDDEN = 32;

/** The ```python block of docs/interop.md whose first line is `# NAME ...`. */
function docScript(name: string): string {
  const doc = readFileSync(join(__dirname, '../../docs/interop.md'), 'utf8');
  const block = [...doc.matchAll(/```python\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.startsWith(`# ${name} `));
  if (!block) throw new Error(`docs/interop.md has no python block starting '# ${name}'`);
  return block;
}

function py(args: readonly string[], cwd: string): void {
  const r = spawnSync(python!, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed:\n${r.stderr}`);
}

const f32 = (path: string): Float32Array => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe.skipIf(!python)('docs/interop.md with PyTorch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-torch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('dlc → torch predicts as dlc does; torch → dlc gives dlc the torch predictions (mnist_mlp)', async () => {
    writeFileSync(join(dir, 'dlc_to_torch.py'), docScript('dlc_to_torch.py'));
    writeFileSync(join(dir, 'torch_to_dlc.py'), docScript('torch_to_dlc.py'));
    const lowered = lowerExample('mnist_mlp', { batch: BATCH, hidden: HIDDEN });
    const program = { ...lowered, entries: lowered.entries.filter((e) => e.name === 'step' || e.name === 'predict') };
    const digits = mnistBatch(BATCH);
    writeFileSync(join(dir, 'digits.f32'), digits.x);
    const runner = await gpuRunner(program);
    try {
      for (let i = 0; i < 3; i++) await runner.run('step', digits);
      const ckpt = join(dir, 'mlp.safetensors');
      writeCheckpoint(ckpt, await makeCheckpoint(runner, mnistPosition(3), 'test'));
      const dlcProb = (await runner.run('predict', { x: digits.x })).prob as Float32Array;

      py(['dlc_to_torch.py', ckpt, 'digits.f32', 'torch.f32', String(HIDDEN)], dir);
      expect(maxAbsDiff(f32(join(dir, 'torch.f32')), dlcProb)).toBeLessThan(1e-4);

      // A fresh torch model (other weights), saved as a state_dict, back into dlc.
      const make = [
        'import sys, torch, numpy as np',
        'sys.path.insert(0, ".")',
        'from dlc_to_torch import MnistMlp',
        'torch.manual_seed(7)',
        `m = MnistMlp(${HIDDEN}).eval()`,
        'torch.save(m.state_dict(), "torch_weights.pt")',
        'x = torch.from_numpy(np.fromfile("digits.f32", dtype="<f4").reshape(-1, 784))',
        'm(x).detach().numpy().astype("<f4").tofile("torch_own.f32")',
      ].join('\n');
      py(['-c', make], dir);
      const back = join(dir, 'from_torch.safetensors');
      py(['torch_to_dlc.py', 'torch_weights.pt', back, 'fc1', 'fc2', 'out'], dir);
      // What `--init-from FILE --init-from-strict` does: every param by name, nothing else.
      const report = await initFrom(runner, readFileSync(back), back, true);
      expect(report).toEqual({ loaded: ['fc1.W', 'fc1.b', 'fc2.W', 'fc2.b', 'out.W', 'out.b'], kept: [], unused: [] });
      const fromTorch = (await runner.run('predict', { x: digits.x })).prob as Float32Array;
      expect(maxAbsDiff(fromTorch, f32(join(dir, 'torch_own.f32')))).toBeLessThan(1e-4);
      expect(maxAbsDiff(fromTorch, dlcProb)).toBeGreaterThan(1e-3);

      // The documented command evaluates the file as it is.
      const file = join(__dirname, '../../examples/mnist_mlp.dl');
      const argv = [file, '-D', `hidden=${HIDDEN}`, '--init-from', back, '--init-from-strict', '--json'];
      const evaluated = await runCommand('eval', lowerFile, argv);
      expect(evaluated.code).toBe(0);
      const params = 'fc1.W, fc1.b, fc2.W, fc2.b, out.W, out.b';
      expect(evaluated.stderr).toContain(`init from ${back}: loaded 6 params: ${params}\n`);
      expect((JSON.parse(evaluated.stdout) as { step: number }).step).toBe(0);
    } finally {
      runner.destroy();
    }
  }, 240_000);
});
