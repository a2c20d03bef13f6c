// unpool rebuilds the plane its switches index: by default the plane that
// max_pool_with_switches recorded them in (overlapping 3/2 windows on a 24-wide
// plane pool to 11, and (11 − 1)·2 + 3 would be 23), or `out` when given.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { lowerFile } from '../../../compiler/lower/index';

function unpooledShape(body: string): readonly number[] {
  const source = `model m {\n  input x: f32[1, 2, 24, 24]\n  infer f(x) -> y {\n${body}\n  }\n}\n`;
  const lowered = lowerFile('m.dl', {}, () => Buffer.from(source));
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  const graph = lowered.program.entries[0].graph;
  return graph.results[0].value.type.shape;
}

describe('unpool', () => {
  it('defaults to the plane the switches were recorded in', () => {
    expect(unpooledShape('p, s = max_pool_with_switches(x, 3, stride = 2)\n y = unpool(p, s, 3, stride = 2)')).toEqual([
      1, 2, 24, 24,
    ]);
  });

  it('takes out = [h, w] for switches that went through other ops', () => {
    const body =
      'p, s = max_pool_with_switches(x, 3, stride = 2)\n y = unpool(p, reshape(s, [1, 2, 11, 11]), 3, stride = 2, out = [24, 24])';
    expect(unpooledShape(body)).toEqual([1, 2, 24, 24]);
    const fallback =
      'p, s = max_pool_with_switches(x, 3, stride = 2)\n y = unpool(p, reshape(s, [1, 2, 11, 11]), 3, stride = 2)';
    expect(unpooledShape(fallback)).toEqual([1, 2, 23, 23]);
  });
});
