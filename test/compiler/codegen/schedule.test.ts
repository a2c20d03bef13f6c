// The schedule: producers before consumers whatever the graph's own order, assigns
// last, and deep graphs without recursion.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { scheduleNodes } from '../../../compiler/codegen/schedule';

describe('scheduleNodes', () => {
  it('orders producers first and assigns last', () => {
    const b = new GraphBuilder('g');
    const x = b.arg('input', 'x', { dtype: 'f32', shape: [2] });
    const a = b.op('exp', [x]);
    b.emit('assign', [a], { target: 's' });
    const c = b.op('neg', [a]);
    const d = b.op('add', [a, c]);
    const g = b.finish({ d });
    const { compute, assigns } = scheduleNodes({ ...g, nodes: [...g.nodes].reverse() });
    expect(compute.map((n) => n.op)).toEqual(['exp', 'neg', 'add']);
    expect(assigns.map((n) => n.op)).toEqual(['assign']);
  });

  it('schedules a chain 100,000 nodes deep', () => {
    const b = new GraphBuilder('deep');
    let v = b.arg('input', 'x', { dtype: 'f32', shape: [1] });
    for (let i = 0; i < 100_000; i++) v = b.op('neg', [v]);
    const g = b.finish({ v });
    const { compute } = scheduleNodes({ ...g, nodes: [...g.nodes].reverse() });
    expect(compute.length).toBe(100_000);
    expect(compute[0]).toBe(g.nodes[0]);
  });
});
