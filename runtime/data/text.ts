// Character-level text corpora for language models. Browser-safe: the caller gives the text.
//
// Vocabulary: the distinct characters of the whole text (Unicode code points, so a
// character outside the BMP is one token), sorted by code point; token id = index
// in that list. Split: the first 90% of the tokens (rounded down) are train, the
// last 10% test, so test text is unseen contiguous prose.
import { DlcError } from '../errors';
import { makeDataset, type Dataset } from './dataset';
import { hostTensor } from './tensor';

export interface CharCorpus {
  readonly name: string;
  /** vocab[id] is the character of token id. */
  readonly vocab: readonly string[];
  readonly train: Int32Array;
  readonly test: Int32Array;
}

export const TEXT_TEST_FRACTION = 0.1;

export function buildVocab(text: string): string[] {
  return [...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

export function encodeText(text: string, vocab: readonly string[]): Int32Array {
  const index = new Map(vocab.map((c, i) => [c, i]));
  const chars = Array.from(text);
  const ids = new Int32Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const id = index.get(chars[i]!);
    if (id === undefined) {
      const code = chars[i]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw new DlcError(`character ${JSON.stringify(chars[i])} (U+${code}) at position ${i} is not in the vocabulary`);
    }
    ids[i] = id;
  }
  return ids;
}

export function decodeText(ids: ArrayLike<number>, vocab: readonly string[]): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) {
    const c = vocab[ids[i]!];
    if (c === undefined)
      throw new DlcError(`token id ${ids[i]} is outside the vocabulary of ${vocab.length} characters`);
    s += c;
  }
  return s;
}

export function charCorpus(name: string, text: string): CharCorpus {
  const vocab = buildVocab(text);
  const ids = encodeText(text, vocab);
  const cut = Math.floor(ids.length * (1 - TEXT_TEST_FRACTION));
  return { name, vocab, train: ids.slice(0, cut), test: ids.slice(cut) };
}

/**
 * Next-character examples for a model with a fixed context: non-overlapping windows
 * of `context + 1` tokens taken from the start of each split (a trailing remainder
 * shorter than a window is dropped); x = window[0..context), y = window[1..context].
 * Fields: x i32[N,context], y i32[N,context].
 */
export function windowDataset(corpus: CharCorpus, context: number): Dataset {
  if (!Number.isInteger(context) || context < 1)
    throw new DlcError(`context length must be a positive integer, got ${context}`);
  const windows = (ids: Int32Array) => {
    const n = Math.floor((ids.length - 1) / context);
    const x = new Int32Array(n * context);
    const y = new Int32Array(n * context);
    for (let i = 0; i < n; i++) {
      x.set(ids.subarray(i * context, (i + 1) * context), i * context);
      y.set(ids.subarray(i * context + 1, (i + 1) * context + 1), i * context);
    }
    return { x: hostTensor('i32', [n, context], x), y: hostTensor('i32', [n, context], y) };
  };
  return makeDataset(corpus.name, windows(corpus.train), windows(corpus.test), {
    vocab: corpus.vocab,
    vocabSize: corpus.vocab.length,
    context,
  });
}
