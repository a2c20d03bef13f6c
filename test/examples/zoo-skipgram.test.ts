// examples/skipgram.dl at small sizes on the device: every entry (the noise words drawn
// by categorical(p, shape) included) matches the reference executor, a few steps on a
// fixed batch of Moby-Dick windows bring the loss down, and the word counts the model
// loads are those of the `moby-dick-words` dataset.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadMobyDickWords } from '../../runtime/data/moby-dick-node';
import { readNpy } from '../../runtime/data/npy-node';
import { wordWindowDataset } from '../../runtime/data/words';
import { expectEntriesMatchReference, expectFalls, lowerExample, trainCurve, withGpuRunner } from './zoo-harness';

const small = { batch: 16, dim: 8, m: 8, lr: 1 };

describe('skipgram example', () => {
  it('loads the counts of the moby-dick-words vocabulary, most frequent first', () => {
    const corpus = loadMobyDickWords();
    const counts = readNpy(join(__dirname, '../../examples/data/moby_dick_word_counts.npy'));
    expect([...counts.data]).toEqual([...corpus.counts]);
    expect(corpus.vocab.slice(0, 3)).toEqual(['the', 'of', 'and']);
    // The neighbours sample's query ids in examples/skipgram.dl.
    expect([21, 55, 62, 78, 56, 82, 108, 52, 100, 116].map((id) => corpus.vocab[id])).toEqual([
      'whale',
      'ship',
      'sea',
      'boat',
      'ahab',
      'captain',
      'stubb',
      'man',
      'white',
      'three',
    ]);
  });

  it('step, score and neighbours match the reference executor; the loss falls on a fixed batch', async () => {
    const program = lowerExample('skipgram', small);
    const windows = wordWindowDataset(loadMobyDickWords(), 5).train.words!;
    const words = windows.data.slice(5000 * 5, (5000 + small.batch) * 5) as Int32Array;
    await withGpuRunner(program, async (runner) => {
      expect(await expectEntriesMatchReference(program, runner, { words })).toEqual(['step', 'score', 'neighbours']);
    });
    await withGpuRunner(program, async (fresh) => {
      expectFalls(await trainCurve(fresh, 'step', { words }, 'loss', 20), 0.9);
    });
  });
});
