import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../../compiler/ir/parse';
import { printGraph, printProgram } from '../../../compiler/ir/print';
import type { Program } from '../../../compiler/ir/program';
import { verifyGraph } from '../../../compiler/ir/verify';
import { SAMPLE_TEXT, sampleGraph } from './sample';

describe('IR text', () => {
  it('prints the sample graph as the golden text', () => {
    expect(printGraph(sampleGraph())).toBe(SAMPLE_TEXT);
  });

  it('parses the golden text back to a graph that prints the same and verifies', () => {
    const g = parseGraph(SAMPLE_TEXT);
    expect(printGraph(g)).toBe(SAMPLE_TEXT);
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('round-trips multiple outputs, no-input ops, odd names and special numbers', () => {
    const text = `graph g {
  input %0: f32[2] "my input"
  %1: f32[2] = constant [dtype="f32", shape=[2], value=-Infinity]
  %2: f32[2] = add %0, %1
  return "the sum"=%2, b=%1
}
`;
    const g = parseGraph(text);
    expect(g.args[0].name).toBe('my input');
    expect(g.nodes[0].attrs.value).toBe(-Infinity);
    expect(printGraph(g)).toBe(text);
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('round-trips tensor literals and tensors loaded from files (by where they came from)', () => {
    const text = `graph g {
  param %E: f32[2,2] = load(file="vectors.safetensors", tensor="emb")
  %1: f32[2,2] = literal [data=[1,0.5,-2,0], dtype="f32", shape=[2,2]]
  %2: f32[2,2] = matmul %E, %1 [transpose_a=false, transpose_b=false]
  return y=%2
}
`;
    const g = parseGraph(text);
    expect(g.args[0].init?.source).toEqual({ file: 'vectors.safetensors', tensor: 'emb' });
    expect(g.nodes[0].attrs.data).toEqual([1, 0.5, -2, 0]);
    expect(printGraph(g)).toBe(text);
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('reports parse errors with their line', () => {
    expect(() => parseGraph('graph g {\n  %1: f32[2] = neg %0\n  return x=%1\n}\n')).toThrow(
      'line 2: %0 is not defined',
    );
    expect(() => parseGraph('graph g {\n  input %x: q32[2]\n  return\n}\n')).toThrow("line 2: unknown dtype 'q32'");
    expect(() => parseGraph('graph g {\n  input %x: f32[2]\n')).toThrow("graph 'g' is not closed");
  });
});

describe('program text', () => {
  it('heads each entry with its kind and span; every graph in it parses back to the same text', () => {
    const g = sampleGraph();
    const program: Program = {
      model: 'm',
      hyper: { lr: 0.5, batch: 4 },
      persistent: [],
      scalars: [{ name: 'step.lr', value: 0.5 }],
      entries: [
        { name: 'a', kind: 'infer', graph: g, span: { file: 'm.dl', line: 3, col: 2, endLine: 3, endCol: 9 } },
        { name: 'b', kind: 'train', graph: g },
      ],
    };
    const text = printProgram(program);
    expect(
      text.startsWith('# model m [batch=4, lr=0.5]\n# scalar step.lr = 0.5\n\n# entry a: infer, m.dl:3:2\ngraph '),
    ).toBe(true);
    expect(text).toContain('\n# entry b: train\ngraph ');
    const graphs = text
      .split(/^# entry .*\n/m)
      .slice(1)
      .map((t) => t.replace(/\n\n$/, '\n'));
    expect(graphs).toHaveLength(2);
    for (const t of graphs) expect(printGraph(parseGraph(t))).toBe(t);
  });
});
