import { describe, expect, it } from 'vitest';
import { imageLayout, runSample } from '../../compiler/train/sample';
import type { EntryInfo, ModelRunner } from '../../compiler/train/runner';

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
    await expect(runSample(runner, entry, { vocab: ['a', 'b', 'c'], prime: 'z' })).rejects.toThrow('character "z" (U+007A) at position 0 is not in the vocabulary');
    await expect(runSample(runner, entry, { output: 'nope' })).rejects.toThrow("entry 'generate' has no output 'nope' (outputs: text)");
  });

  it('sees 784-wide and [.,1,28,28] f32 outputs as images', () => {
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [20, 784] })).toEqual([20, 1, 28, 28]);
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [2, 5, 784] })).toEqual([10, 1, 28, 28]);
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [8, 1, 28, 28] })).toEqual([8, 1, 28, 28]);
    expect(imageLayout({ name: 'v', dtype: 'f32', shape: [8, 10] })).toBeUndefined();
    expect(imageLayout({ name: 'v', dtype: 'i32', shape: [8, 784] })).toBeUndefined();
  });
});
