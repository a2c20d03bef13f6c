import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../../compiler/ir/parse';
import { printGraph } from '../../../compiler/ir/print';
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

  it('reports parse errors with their line', () => {
    expect(() => parseGraph('graph g {\n  %1: f32[2] = neg %0\n  return x=%1\n}\n')).toThrow('line 2: %0 is not defined');
    expect(() => parseGraph('graph g {\n  input %x: q32[2]\n  return\n}\n')).toThrow("line 2: unknown dtype 'q32'");
    expect(() => parseGraph('graph g {\n  input %x: f32[2]\n')).toThrow("graph 'g' is not closed");
  });
});
