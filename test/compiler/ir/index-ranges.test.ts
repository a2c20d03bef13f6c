// Which integer inputs are used as indices, and the range of their values
// (compiler/ir/index-ranges.ts): the example models, and small models for each rule.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { entryIndexRanges } from '../../../compiler/ir/index-ranges';
import { lowerFile } from '../../../compiler/lower/index';
import { formatSpan } from '../../../runtime/errors';

const source =
  (text: string) =>
  (p: string): Uint8Array => {
    if (p === 'm.dl') return new TextEncoder().encode(text);
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  };

/** Per entry, one line per index input: `input < size: use @ file:line:col`. */
function ranges(path: string, read?: (p: string) => Uint8Array): Record<string, string[]> {
  const lowered = lowerFile(path, {}, read);
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('\n'));
  const out: Record<string, string[]> = {};
  for (const entry of lowered.program.entries)
    out[entry.name] = entryIndexRanges(entry).map(
      (r) => `${r.input} < ${r.size}: ${r.use}${r.span ? ` @ ${formatSpan(r.span)}` : ''}`,
    );
  return out;
}

describe('index ranges of the example models', () => {
  it('labels index the classes of cross_entropy', () => {
    expect(ranges('examples/mnist_mlp.dl')).toEqual({
      predict: [],
      step: ['y < 10: one of the 10 classes of cross_entropy @ examples/mnist_mlp.dl:22:17'],
    });
  });
  it('word ids index the rows of the embedding tables', () => {
    expect(ranges('examples/skipgram.dl').step).toEqual(["words < 5000: a row of 'emb' @ examples/skipgram.dl:30:9"]);
  });
  it('character ids index the embedding and the classes', () => {
    // The embedding layer's gather is written in the prelude; its table names the layer.
    expect(ranges('examples/char_rnn.dl')).toEqual({
      generate: [],
      step: ["tokens < 96: a row of 'emb.E' @ prelude.dl:25:12"],
    });
  });
});

/** The ranges of `run` in a model with ids: i32[batch, 3], y: i32[batch] and a table E: f32[20, 8]. */
function entry(body: string, outputs = 'out'): string[] {
  const text = `model m(batch = 4) {
  input ids: i32[batch, 3]
  input y: i32[batch]
  param E: f32[20, 8] = normal(0, 0.1)
  infer run(ids, y) -> ${outputs} {
${body}
  }
}
`;
  return ranges('m.dl', source(text)).run!;
}

describe('index ranges: the rules', () => {
  it('a slice of the input is the input', () => {
    expect(entry('    out = gather(E, ids[:, 1])')).toEqual(["ids < 20: a row of 'E' @ m.dl:6:11"]);
  });
  it('an id computed from the input is not checked', () => {
    expect(entry('    out = gather(E, ids + 1)')).toEqual([]);
  });
  it('the smallest range of several uses wins', () => {
    expect(entry('    out = sum(gather(E, ids)) + sum(one_hot(ids, 7))')).toEqual([
      'ids < 7: one of the 7 positions of one_hot @ m.dl:6:37',
    ]);
  });
  it('a captured input reaches a loop body; a carried one does not', () => {
    expect(entry('    out = repeat 2 carry s = zeros([4, 3, 8]) { s = s + gather(E, ids) }')).toEqual([
      "ids < 20: a row of 'E' @ m.dl:6:57",
    ]);
    expect(entry('    out, _ = repeat 2 carry s = zeros([4, 3, 8]), k = ids { s = s + gather(E, k) }')).toEqual([]);
  });
  it('labels index the classes of a loss; inputs used as data are not checked', () => {
    expect(entry('    out = mean(cross_entropy(gather(E, ids[:, 0]), y)) + mean(f32(y))')).toEqual([
      "ids < 20: a row of 'E' @ m.dl:6:30",
      'y < 8: one of the 8 classes of cross_entropy @ m.dl:6:16',
    ]);
  });
});
