// The sizes and fixed inputs of the benchmark's sequence and embedding rows, shared
// by every column so that each trains exactly the same model on the same data:
//   charlstm: 96 symbols → embedding 64 → LSTM 256 → dense 96, BPTT window 50, batch 32,
//             mean next-character cross-entropy, SGD momentum 0.9 (bench/models/charlstm.dl);
//   skipgram: V = 10k, d = 128, 5 negatives per (center, context), batch 128,
//             -log σ(u·v) - Σ log σ(-u·n) averaged, plain SGD lr 0.1 (bench/models/skipgram.dl).
import { lcg } from './models';

export interface CharSizes {
  readonly batch: number;
  readonly window: number;
  readonly vocab: number;
  readonly dim: number;
  readonly hidden: number;
}
export interface SkipgramSizes {
  readonly batch: number;
  readonly vocab: number;
  readonly dim: number;
  readonly negatives: number;
}

// The .dl files' defaults; test/bench/seq-rows.test.ts checks both sides agree at smaller sizes.
export const CHAR: CharSizes = { batch: 32, window: 50, vocab: 96, dim: 64, hidden: 256 };
export const CHAR_LR = 0.01;
export const CHAR_MOMENTUM = 0.9;
export const SKIPGRAM: SkipgramSizes = { batch: 128, vocab: 10_000, dim: 128, negatives: 5 };
export const SKIPGRAM_LR = 0.1;

const ints = (count: number, below: number, seed: number): Int32Array => {
  const u = lcg(seed);
  return Int32Array.from({ length: count }, () => Math.floor(u() * below));
};

/** One window of characters: [batch, window + 1] ids, inputs 0..window-1, targets 1..window. */
export function charTokens(sizes = CHAR, seed = 1): Int32Array {
  return ints(sizes.batch * (sizes.window + 1), sizes.vocab, seed);
}

export interface SkipgramBatch {
  readonly center: Int32Array; // [batch]
  readonly context: Int32Array; // [batch]
  readonly negatives: Int32Array; // [batch, negatives]
}

/** One batch of (center, context, negatives) word ids, uniform over the vocabulary. */
export function skipgramBatch(sizes = SKIPGRAM, seed = 1): SkipgramBatch {
  return {
    center: ints(sizes.batch, sizes.vocab, seed),
    context: ints(sizes.batch, sizes.vocab, seed + 1),
    negatives: ints(sizes.batch * sizes.negatives, sizes.vocab, seed + 2),
  };
}

/**
 * Deterministic N(0, std²) values (Box–Muller over lcg): the embedding tables' initial
 * values, the same in the TF.js and jax-js columns (dlc draws its own `normal(0, 0.01)`).
 */
export function normalInit(count: number, std: number, seed: number): Float32Array {
  const u = lcg(seed);
  return Float32Array.from(
    { length: count },
    () => std * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()),
  );
}
