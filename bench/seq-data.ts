// The sizes and fixed inputs of the benchmark's sequence and embedding rows, shared
// by every column so that each trains exactly the same model on the same data:
//   charlstm: 96 symbols → embedding 64 → LSTM 256 → dense 96, BPTT window 50, batch 32,
//             mean next-character cross-entropy, SGD momentum 0.9 (bench/models/charlstm.dl);
//   skipgram: V = 10k, d = 128, 5 negatives per (center, context), batch 128,
//             -log σ(u·v) - Σ log σ(-u·n) averaged, plain SGD lr 0.1 (bench/models/skipgram.dl).
import { lcg } from './models';

export const CHAR = { batch: 32, window: 50, vocab: 96, dim: 64, hidden: 256, lr: 0.01, momentum: 0.9 } as const;
export const SKIPGRAM = { batch: 128, vocab: 10_000, dim: 128, negatives: 5, lr: 0.1 } as const;

const ints = (count: number, below: number, seed: number): Int32Array => {
  const u = lcg(seed);
  return Int32Array.from({ length: count }, () => Math.floor(u() * below));
};

/** One window of characters: [batch, window + 1] ids, inputs 0..window-1, targets 1..window. */
export function charTokens(seed = 1): Int32Array {
  return ints(CHAR.batch * (CHAR.window + 1), CHAR.vocab, seed);
}

export interface SkipgramBatch {
  readonly center: Int32Array; // [batch]
  readonly context: Int32Array; // [batch]
  readonly negatives: Int32Array; // [batch, negatives]
}

/** One batch of (center, context, negatives) word ids, uniform over the vocabulary. */
export function skipgramBatch(seed = 1): SkipgramBatch {
  return {
    center: ints(SKIPGRAM.batch, SKIPGRAM.vocab, seed),
    context: ints(SKIPGRAM.batch, SKIPGRAM.vocab, seed + 1),
    negatives: ints(SKIPGRAM.batch * SKIPGRAM.negatives, SKIPGRAM.vocab, seed + 2),
  };
}
