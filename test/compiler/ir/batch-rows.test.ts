// Which entries take fewer rows than the compiled batch (compiler/ir/batch-rows.ts):
// every example model's entries, and small models for each rule that keeps or mixes rows.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { planBatch } from '../../../compiler/ir/batch-rows';
import { lowerFile } from '../../../compiler/lower/index';
import { formatSpan } from '../../../runtime/errors';

const source =
  (text: string) =>
  (p: string): Uint8Array => {
    if (p === 'm.dl') return new TextEncoder().encode(text);
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  };

/** One line per entry: the rows it takes, or why it needs the full batch and where. */
function batches(path: string, read?: (p: string) => Uint8Array): Record<string, string> {
  const lowered = lowerFile(path, {}, read);
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('\n'));
  const program = lowered.program;
  const out: Record<string, string> = {};
  for (const entry of program.entries) {
    const b = planBatch(program, entry);
    if (!b) out[entry.name] = 'no batch inputs';
    else if (b.fixed)
      out[entry.name] = `fixed: ${b.fixed.reason}${b.fixed.span ? ` @ ${formatSpan(b.fixed.span)}` : ''}`;
    else out[entry.name] = `rows ${b.size}: ${b.inputs.join(',')} -> ${b.outputs.join(',') || 'none'}`;
  }
  return out;
}

/** A model around one entry body over x: f32[batch, 4] (batch 8), with a param W: f32[4, 4]. */
function entry(body: string, outputs = 'y'): string {
  const text = `model m(batch = 8) {
  input x: f32[batch, 4]
  param W: f32[4, 4] = normal(0, 0.1)
  state s: f32[batch, 4] = zeros
  infer run(x) -> ${outputs} {
${body}
  }
}
`;
  return batches('m.dl', source(text)).run!;
}

describe('batch rows of the example models', () => {
  it('classifiers predict row by row; their train steps need the full batch', () => {
    expect(batches('examples/mnist_mlp.dl')).toEqual({
      predict: 'rows 128: x -> prob',
      step: "fixed: output 'loss' combines rows of the batch @ examples/mnist_mlp.dl:22:12",
    });
    expect(batches('examples/lenet.dl').predict).toBe('rows 64: x -> prob');
  });

  it('RBM scores, features and Gibbs chains are row by row', () => {
    expect(batches('examples/rbm.dl')).toEqual({
      cd: "fixed: output 'cost' combines rows of the batch @ examples/rbm.dl:18:12",
      pcd: "fixed: output 'cost' combines rows of the batch @ examples/rbm.dl:26:12",
      score: 'rows 20: v0 -> energy,recon',
      hidden: 'rows 20: v0 -> h',
      dream: 'rows 20: v0 -> v',
      ais: 'no batch inputs',
    });
  });

  it('a model without [batch, …] inputs has nothing to vary', () => {
    expect(batches('examples/char_rnn.dl').generate).toBe('no batch inputs');
  });

  it('keeps rows through per-row ops, matmul by a param, reductions and softmax over other axes', () => {
    expect(entry('    y = softmax(relu(x @ W + 1), axis = 1)')).toBe('rows 8: x -> y');
    expect(entry('    y = sum(x * x, axis = 1)')).toBe('rows 8: x -> y');
    expect(entry('    y = (W @ x.T).T')).toBe('rows 8: x -> y');
    expect(entry('    y = concat([x, x @ W], axis = 1)')).toBe('rows 8: x -> y');
  });

  it('refuses ops that combine rows: a batch norm, a contraction over rows, a slice of rows', () => {
    expect(entry('    y = x - mean(x, axis = 0)')).toBe("fixed: output 'y' combines rows of the batch @ m.dl:6:13");
    expect(entry('    y = x.T @ x')).toBe("fixed: output 'y' combines rows of the batch @ m.dl:6:13");
    expect(entry('    y = softmax(x, axis = 0)')).toBe("fixed: output 'y' combines rows of the batch @ m.dl:6:9");
    expect(entry('    y = x.T')).toBe("fixed: output 'y' holds the rows on axis 1, not 0 @ m.dl:6:9");
  });

  it('refuses an entry that writes state from the rows', () => {
    expect(entry('    s <- x\n    y = x * 2')).toBe("fixed: it writes 's' from the batch rows @ m.dl:6:5");
  });
});
