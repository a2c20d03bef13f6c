// The reference models every column of the benchmark trains, described once so
// each peer builds exactly the same thing: batch 128, SGD with momentum 0.9.
//   mlp:   784-512-512-10, ReLU, softmax cross-entropy
//   adam_mlp: the mlp trained by Adam (ADAM below) instead: what the optimizer's update costs
//   lenet: conv 5×5×20 → ReLU → max-pool 2 → conv 5×5×50 → ReLU → max-pool 2 → 800-500 ReLU → 10, softmax CE
//   rbm:   784-500 binary RBM, CD-1 (one Gibbs step), free-energy cost (as LANGUAGE.md's rbm)

export type ModelName = 'mlp' | 'adam_mlp' | 'lenet' | 'rbm';
export const MODELS: readonly ModelName[] = ['mlp', 'adam_mlp', 'lenet', 'rbm'];

export const BATCH = 128;
export const LEARNING_RATE = 0.01;
export const MOMENTUM = 0.9;
/** adam_mlp's optimizer (bench/models/adam_mlp.dl says the same). */
export const ADAM = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;
export const MLP_SIZES = [784, 512, 512, 10] as const;
export const RBM_VISIBLE = 784;
export const RBM_HIDDEN = 500;

/** A fixed batch: pixels in [0,1) (binarised for the RBM) and one-hot labels. */
export interface Batch {
  readonly x: Float32Array; // [BATCH, 784]
  readonly labels: Int32Array; // [BATCH]
  readonly oneHot: Float32Array; // [BATCH, 10]
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function makeBatch(model: ModelName, seed = 1): Batch {
  const u = lcg(seed);
  const x = Float32Array.from({ length: BATCH * 784 }, () => (model === 'rbm' ? (u() < 0.3 ? 1 : 0) : u()));
  const labels = Int32Array.from({ length: BATCH }, () => Math.floor(u() * 10));
  const oneHot = new Float32Array(BATCH * 10);
  labels.forEach((l, i) => (oneHot[i * 10 + l] = 1));
  return { x, labels, oneHot };
}

/** Glorot-uniform-like initial weights, deterministic. */
export function initWeights(count: number, fanIn: number, fanOut: number, seed: number): Float32Array {
  const u = lcg(seed);
  const r = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: count }, () => (u() * 2 - 1) * r);
}
