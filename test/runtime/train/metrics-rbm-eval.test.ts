// The pseudo-likelihood `dlc train`/`dlc eval` print for examples/rbm.dl (its score
// entry's `energy`, run by the executor) against the host estimate from the
// checkpoint's weights (rbm-host.ts), the same bits flipped (seed 0).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { loadMnist } from '../../../runtime/data/mnist-node';
import { binarize, pseudoLikelihood } from '../../../runtime/train/metrics/pseudo-likelihood';
import { freeEnergy, reconstructionError } from '../../../runtime/train/metrics/rbm-host';
import { runCommand, tempDir } from './harness';

describe('rbm pseudo-likelihood through dlc train and dlc eval', () => {
  it('matches the host estimate from the checkpoint; the test recon matches the host reconstruction', async () => {
    const ckpt = join(tempDir(), 'rbm.safetensors');
    const common = ['-D', 'nh=16', '--backend', 'reference'];
    const t = await runCommand('train', lowerFile, [
      'examples/rbm.dl',
      '--entry',
      'cd',
      '--steps',
      '50',
      '--json',
      '--checkpoint',
      ckpt,
      ...common,
    ]);
    expect(t.code).toBe(0);
    const final = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { test_metrics: Record<string, number> };
    const e = await runCommand('eval', lowerFile, ['examples/rbm.dl', '--checkpoint', ckpt, '--json', ...common]);
    const evaluated = JSON.parse(e.stdout) as { entry: string; test_metrics: Record<string, number> };
    expect(evaluated.entry).toBe('score');
    expect(evaluated.test_metrics).toEqual(final.test_metrics);

    const saved = readCheckpoint(ckpt).tensors;
    const w = { W: saved.W!.data as Float32Array, a: saved.a!.data as Float32Array, b: saved.b!.data as Float32Array };
    const test = loadMnist().test.x!.data as Float32Array;
    const host = await pseudoLikelihood((rows, count) => freeEnergy(w, rows, count), binarize(test), 784, {
      bits: 'one',
      seed: 0,
      batch: 20,
    });
    const pl = final.test_metrics.pseudo_likelihood!;
    expect(pl).toBeLessThan(0);
    // f32 on the executor vs f64 on the host; 784 × log σ(ΔF) amplifies rounding a little
    expect(Math.abs(pl - host)).toBeLessThan(1e-3 * Math.abs(host));
    expect(final.test_metrics.recon).toBeCloseTo(reconstructionError(w, test), 2);
  }, 300_000);
});
