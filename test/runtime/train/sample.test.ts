import { describe, expect, it } from 'vitest';
import { imageLayout, runSample } from '../../../runtime/train/sample';
import type { EntryInfo, ModelRunner } from '../../../runtime/train/runner';

/** A runner whose sample entry echoes its prime input shifted by one token. */
function echoRunner(seen: Record<string, unknown>[]): { runner: ModelRunner; entry: EntryInfo } {
  const entry: EntryInfo = {
    name: 'generate',
    kind: 'sample',
    inputs: [{ name: 'prime', dtype: 'i32', shape: [4] }],
    outputs: [{ name: 'text', dtype: 'i32', shape: [4] }],
  };
  const runner = {
    model: 'echo',
    entries: [entry],
    async run(_name: string, inputs: Readonly<Record<string, unknown>>) {
      seen.push({ ...inputs });
      return { text: (inputs.prime as Int32Array).map((t) => (t + 1) % 3) };
    },
  } as unknown as ModelRunner;
  return { runner, entry };
}

describe('sampling', () => {
  it('feeds --prime through the vocabulary, right-aligned, and decodes tokens to text', async () => {
    const seen: Record<string, unknown>[] = [];
    const { runner, entry } = echoRunner(seen);
    const r = await runSample(runner, entry, { vocab: ['a', 'b', 'c'], prime: 'ab' });
    expect(Array.from(seen[0]!.prime as Int32Array)).toEqual([0, 0, 0, 1]);
    expect(r).toEqual({ kind: 'text', output: 'text', text: 'bbbc' });
    const ids = await runSample(runner, entry);
    expect(ids).toEqual({ kind: 'text', output: 'text', text: '1 1 1 1' });
    await expect(runSample(runner, entry, { vocab: ['a', 'b', 'c'], prime: 'z' })).rejects.toThrow(
      'character "z" (U+007A) at position 0 is not in the vocabulary',
    );
    await expect(runSample(runner, entry, { output: 'nope' })).rejects.toThrow(
      "entry 'generate' has no output 'nope' (outputs: text)",
    );
  });

  it('prints word ids through a word vocabulary: spaced, one row of the output a line', async () => {
    const entry: EntryInfo = {
      name: 'neighbours',
      kind: 'sample',
      inputs: [],
      outputs: [{ name: 'near', dtype: 'i32', shape: [2, 3] }],
    };
    const runner = {
      model: 'words',
      entries: [entry],
      run: async () => ({ near: Int32Array.from([0, 2, 1, 1, 0, 2]) }),
    } as unknown as ModelRunner;
    const r = await runSample(runner, entry, { vocab: ['whale', 'shark', 'sperm'], words: true });
    expect(r).toEqual({ kind: 'text', output: 'near', text: 'whale sperm shark\nshark whale sperm' });
  });

  it('sees 784-wide and [.,1,28,28] f32 outputs as images', () => {
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [20, 784] })).toEqual([20, 1, 28, 28]);
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [2, 5, 784] })).toEqual([10, 1, 28, 28]);
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [8, 1, 28, 28] })).toEqual([8, 1, 28, 28]);
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [8, 10] })).toBeUndefined();
    expect(imageLayout({ name: 'v', dtype: 'i32', shape: [8, 784] })).toBeUndefined();
  });

  it('feeds given inputs (a chain start) and maps image values through toPixels before drawing', async () => {
    const entry: EntryInfo = {
      name: 'dream',
      kind: 'sample',
      inputs: [{ name: 'v0', dtype: 'f32', shape: [2, 784] }],
      outputs: [{ name: 'v', dtype: 'f32', shape: [2, 784] }],
    };
    const seen: Record<string, unknown>[] = [];
    const runner = {
      model: 'chain',
      entries: [entry],
      async run(_name: string, inputs: Readonly<Record<string, unknown>>) {
        seen.push({ ...inputs });
        return { v: (inputs.v0 as Float32Array).map((x) => x - 1) }; // "standardised" values in [-1, 0]
      },
    } as unknown as ModelRunner;
    const start = new Float32Array(2 * 784).fill(1);
    const r = await runSample(runner, entry, {
      feeds: { v0: start },
      toPixels: (v) => Float32Array.from(v, (x) => x + 1),
    });
    expect(seen[0]!.v0).toBe(start);
    if (r.kind !== 'image') throw new Error('expected an image');
    expect(r.count).toBe(2);
    // toPixels mapped 0 back to 1: white tiles (2 images × 784 values × 2×2 pixels × RGB), not values clamped to black
    const white = (img: { data: Uint8Array }) => img.data.filter((b, i) => i % 4 !== 3 && b === 255).length;
    expect(white(r.image)).toBeGreaterThanOrEqual(2 * 784 * 4 * 3);
    const unmapped = await runSample(runner, entry, { feeds: { v0: start } });
    if (unmapped.kind !== 'image') throw new Error('expected an image');
    expect(white(unmapped.image)).toBeLessThan(white(r.image) / 10);
  });
});
