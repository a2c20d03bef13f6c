// Word-level text corpora for word-vector models (examples/skipgram.dl). Browser-safe:
// the caller gives the text.
//
// Words: maximal runs of the letters a–z after lower-casing (so "Whale's" is "whale"
// and "s"). Vocabulary: the `size` most frequent words of the whole text, most
// frequent first, ties in alphabetical order, so an id is a frequency rank. Words
// outside it are dropped from the stream (as word2vec discards rare words), so a
// window spans the kept words on either side. Split: the first 90% of the kept words
// (rounded down) are train, the last 10% test, as for character corpora (text.ts).
import { DlcError } from '../errors';
import { makeDataset, type Dataset } from './dataset';
import { hostTensor } from './tensor';
import { TEXT_TEST_FRACTION } from './text';

export interface WordCorpus {
  readonly name: string;
  /** vocab[id] is the word of token id (id 0 is the most frequent word). */
  readonly vocab: readonly string[];
  /** counts[id]: how often vocab[id] occurs in the whole text. */
  readonly counts: Float32Array;
  readonly train: Int32Array;
  readonly test: Int32Array;
}

export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

export function wordCorpus(name: string, text: string, size: number): WordCorpus {
  const words = splitWords(text);
  const seen = new Map<string, number>();
  for (const w of words) seen.set(w, (seen.get(w) ?? 0) + 1);
  if (seen.size < size) throw new DlcError(`${name}: the text has ${seen.size} distinct words, fewer than ${size}`);
  const ranked = [...seen].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, size);
  const vocab = ranked.map(([w]) => w);
  const index = new Map(vocab.map((w, i) => [w, i]));
  const ids: number[] = [];
  for (const w of words) {
    const id = index.get(w);
    if (id !== undefined) ids.push(id);
  }
  const all = Int32Array.from(ids);
  const cut = Math.floor(all.length * (1 - TEXT_TEST_FRACTION));
  const counts = Float32Array.from(ranked, ([, c]) => c);
  return { name, vocab, counts, train: all.slice(0, cut), test: all.slice(cut) };
}

/**
 * Skip-gram examples: every window of `width` consecutive kept words (stride 1), so
 * with width 2c+1 the middle word is a centre and the others its context.
 * Field: words i32[N, width].
 */
export function wordWindowDataset(corpus: WordCorpus, width: number): Dataset {
  if (!Number.isInteger(width) || width < 2)
    throw new DlcError(`a word window needs at least 2 words, got ${width}`, 2);
  const windows = (ids: Int32Array) => {
    const n = Math.max(ids.length - width + 1, 0);
    const out = new Int32Array(n * width);
    for (let i = 0; i < n; i++) out.set(ids.subarray(i, i + width), i * width);
    return { words: hostTensor('i32', [n, width], out) };
  };
  return makeDataset(corpus.name, windows(corpus.train), windows(corpus.test), {
    vocab: corpus.vocab,
    vocabSize: corpus.vocab.length,
    words: true,
    context: width,
  });
}
