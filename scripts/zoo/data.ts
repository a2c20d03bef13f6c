// Data the zoo prepares for `dlc train`: MNIST standardised per pixel (for the
// Gaussian-Bernoulli RBM) as a folder of .npy files that `--data DIR` reads.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist } from '../../runtime/data/mnist-node';
import { writeNpy } from '../../runtime/data/npy-node';
import { hostTensor } from '../../runtime/data/tensor';

/** A pixel whose training deviation is below this (the always-black border) is divided by it instead. */
export const MIN_DEVIATION = 0.1;

export interface PixelStats {
  readonly mean: Float64Array;
  readonly deviation: Float64Array;
}

/** Per-pixel mean and deviation (floored at MIN_DEVIATION) of rows of `width` values. */
export function pixelStats(x: Float32Array, width: number): PixelStats {
  const n = x.length / width;
  const mean = new Float64Array(width);
  const sq = new Float64Array(width);
  for (let i = 0; i < x.length; i++) {
    mean[i % width]! += x[i]! / n;
    sq[i % width]! += (x[i]! * x[i]!) / n;
  }
  const deviation = mean.map((m, p) => Math.max(MIN_DEVIATION, Math.sqrt(Math.max(0, sq[p]! - m * m))));
  return { mean, deviation };
}

export function standardise(x: Float32Array, stats: PixelStats): Float32Array {
  const width = stats.mean.length;
  return x.map((v, i) => (v - stats.mean[i % width]!) / stats.deviation[i % width]!);
}

/** MNIST's x standardised with the training split's statistics: { train, test } as [N,784]. */
export function standardisedMnist(): { train: Float32Array; test: Float32Array } {
  const mnist = loadMnist();
  const train = mnist.train.x!.data as Float32Array;
  const stats = pixelStats(train, 784);
  return { train: standardise(train, stats), test: standardise(mnist.test.x!.data as Float32Array, stats) };
}

/** Writes DIR/train/x.npy and DIR/test/x.npy of standardised MNIST; returns DIR. */
export function writeStandardisedMnist(dir: string): string {
  const { train, test } = standardisedMnist();
  for (const [split, x] of [['train', train], ['test', test]] as const) {
    mkdirSync(join(dir, split), { recursive: true });
    writeNpy(join(dir, split, 'x.npy'), hostTensor('f32', [x.length / 784, 784], x));
  }
  return dir;
}
