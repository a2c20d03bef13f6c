import { describe, expect, it } from 'vitest';
import { loadMobyDick } from '../../runtime/data/moby-dick-node';
import { buildVocab, charCorpus, decodeText, encodeText, windowDataset } from '../../runtime/data/text';

describe('character corpora', () => {
  it('sorts the vocabulary by code point and round-trips text, astral characters included', () => {
    const text = 'ba\u{1F40B}a c';
    const vocab = buildVocab(text);
    expect(vocab).toEqual([' ', 'a', 'b', 'c', '\u{1F40B}']);
    const ids = encodeText(text, vocab);
    expect(Array.from(ids)).toEqual([2, 1, 4, 1, 0, 3]);
    expect(decodeText(ids, vocab)).toBe(text);
  });

  it('names unknown characters and ids', () => {
    expect(() => encodeText('az', ['a'])).toThrow('character "z" (U+007A) at position 1 is not in the vocabulary');
    expect(() => decodeText([0, 5], ['a'])).toThrow('token id 5 is outside the vocabulary of 1 characters');
  });

  it('makes next-character windows with y shifted by one', () => {
    const c = charCorpus('t', 'abcdefghijklmnopqrstuvwxyz'.repeat(4));
    const ds = windowDataset(c, 5);
    const x = ds.train.x!.data;
    const y = ds.train.y!.data;
    expect(ds.train.x!.shape).toEqual([Math.floor((c.train.length - 1) / 5), 5]);
    expect(decodeText(x.subarray(0, 5), c.vocab)).toBe('abcde');
    expect(decodeText(y.subarray(0, 5), c.vocab)).toBe('bcdef');
    expect(decodeText(x.subarray(5, 10), c.vocab)).toBe('fghij');
  });

  it('loads Moby Dick with a sorted vocabulary, a 90/10 split and an exact round trip', () => {
    const c = loadMobyDick();
    expect(c.vocab.length).toBeGreaterThan(60);
    expect(c.vocab.length).toBeLessThan(120);
    expect([...c.vocab].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)).toEqual(c.vocab);
    const n = c.train.length + c.test.length;
    expect(n).toBeGreaterThan(1_000_000);
    expect(c.train.length).toBe(Math.floor(n * 0.9));
    const train = decodeText(c.train, c.vocab);
    const at = train.indexOf('Loomings.\n\nCall me Ishmael.');
    expect(at).toBeGreaterThan(0);
    expect(Array.from(encodeText(train, c.vocab))).toEqual(Array.from(c.train));
    expect(decodeText(c.test, c.vocab)).toContain('Epilogue');
  });
});
