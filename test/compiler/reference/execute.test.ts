import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { parseGraph } from '../../../compiler/ir/parse';
import type { Program } from '../../../compiler/ir/program';
import type { TensorType } from '../../../compiler/ir/types';
import { execute, executeEntry, tensor } from '../../../compiler/reference/execute';
import { DlcError } from '../../../runtime/errors';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

describe('reference executor', () => {
  it('runs a graph from its text, with args from feeds and constant initializers', () => {
    const g = parseGraph(`graph g {
  input %x: f32[3]
  scalar %lr: f32[] = constant(value=0.5)
  state %s: f32[3] = zeros()
  %3: f32[3] = mul %x, %lr
  %4: f32[3] = add %3, %s
  return y=%4
}
`);
    expect([...execute(g, { x: tensor(f32(3), [2, 4, 6]) }).results.y.data]).toEqual([1, 2, 3]);
    expect([...execute(g, { x: tensor(f32(3), [2, 4, 6]), lr: tensor(f32(), [2]) }).results.y.data]).toEqual([
      4, 8, 12,
    ]);
  });

  it('rounds every f32 value to float32 in f32 precision', () => {
    const g = parseGraph(
      'graph g {\n  input %x: f32[1]\n  input %y: f32[1]\n  %2: f32[1] = add %x, %y\n  return z=%2\n}\n',
    );
    const feeds = { x: tensor(f32(1), [0.1]), y: tensor(f32(1), [0.2]) };
    expect(execute(g, feeds).results.z.data[0]).toBe(0.1 + 0.2);
    expect(execute(g, feeds, { precision: 'f32' }).results.z.data[0]).toBe(
      Math.fround(Math.fround(0.1) + Math.fround(0.2)),
    );
  });

  it('reports missing and mistyped feeds as DlcErrors', () => {
    const g = parseGraph('graph g {\n  input %x: f32[2]\n  return x=%x\n}\n');
    expect(() => execute(g, {})).toThrow(DlcError);
    expect(() => execute(g, {})).toThrow("no value given for 'x' (input f32[2])");
    expect(() => execute(g, { x: tensor(f32(3), [1, 2, 3]) })).toThrow("'x' must be f32[2], got f32[3]");
  });

  it('collects assigns', () => {
    const g = parseGraph(
      'graph g {\n  state %s: f32[2]\n  %1: f32[2] = neg %s\n  assign %1 [target="s"]\n  return\n}\n',
    );
    expect([...execute(g, { s: tensor(f32(2), [1, -2]) }).assigns.s.data]).toEqual([-1, 2]);
  });

  it('runs repeat bodies count times', () => {
    const g = parseGraph(`graph g {
  input %x: f32[2]
  input %k: f32[2]
  %5: f32[2] = repeat %x, %k [carries=1, count=3]
    graph body {
      region %h: f32[2]
      region %c: f32[2]
      %4: f32[2] = mul %h, %c
      return h=%4
    }
  return y=%5
}
`);
    expect([...execute(g, { x: tensor(f32(2), [1, 2]), k: tensor(f32(2), [2, 3]) }).results.y.data]).toEqual([8, 54]);
  });

  it('scan stacks emits batch-first (axis 1), scalars on axis 0, and runs reversed', () => {
    // Cumulative sum over t of xs[:, t], emitting the running sum and t.
    const build = (reverse: boolean) => {
      const b = new GraphBuilder('g');
      const h0 = b.arg('input', 'h0', f32(2));
      const xs = b.arg('input', 'xs', f32(2, 3));
      const rb = b.region('body');
      const t = rb.arg('region', 't', { dtype: 'i32', shape: [] });
      const h = rb.arg('region', 'h', f32(2));
      const x = rb.arg('region', 'xs', f32(2, 3));
      const next = rb.op('add', [h, rb.op('stack_get', [x, t], { axis: 1 })]);
      const body = rb.finish([
        { name: 'h', value: next },
        { name: 'y', value: next },
        { name: 't', value: rb.op('cast', [t], { to: 'f32' }) },
      ]);
      const outs = b.emit('scan', [h0, xs], { length: 3, carries: 1, reverse }, { regions: [body] }).outputs;
      expect(outs.map((o) => o.type.shape)).toEqual([[2], [2, 3], [3]]);
      return b.finish({ h: outs[0], ys: outs[1], ts: outs[2] });
    };
    const feeds = { h0: tensor(f32(2), [0, 100]), xs: tensor(f32(2, 3), [1, 2, 3, 4, 5, 6]) };
    const fwd = execute(build(false), feeds).results;
    expect([...fwd.h.data]).toEqual([6, 115]);
    expect([...fwd.ys.data]).toEqual([1, 3, 6, 104, 109, 115]);
    expect([...fwd.ts.data]).toEqual([0, 1, 2]);
    const rev = execute(build(true), feeds).results;
    expect([...rev.ys.data]).toEqual([6, 5, 3, 115, 111, 106]);
    expect([...rev.ts.data]).toEqual([0, 1, 2]);
  });

  it('runs a program entry with state and runtime scalars', () => {
    const graph = parseGraph(`graph step {
  input %x: f32[2]
  param %w: f32[2]
  scalar %lr: f32[]
  %3: f32[2] = mul %x, %lr
  %4: f32[2] = sub %w, %3
  assign %4 [target="w"]
  return out=%4
}
`);
    const program: Program = {
      model: 'm',
      hyper: {},
      persistent: [{ name: 'w', kind: 'param', type: f32(2), init: { name: 'zeros', args: {} } }],
      scalars: [{ name: 'lr', value: 0.5 }],
      entries: [{ name: 'step', kind: 'train', graph }],
    };
    const state = { w: tensor(f32(2), [1, 1]) };
    const feeds = { x: tensor(f32(2), [2, 4]) };
    expect([...executeEntry(program, 'step', feeds, state).assigns.w.data]).toEqual([0, -1]);
    expect([...executeEntry(program, 'step', feeds, state, { scalars: { lr: 0.25 } }).assigns.w.data]).toEqual([
      0.5, 0,
    ]);
    expect(() => executeEntry(program, 'nope', feeds, state)).toThrow("model 'm' has no entry point 'nope'");
  });
});

describe('initialState', () => {
  it('draws persistent tensors with the runtime initializers, deterministically per name', async () => {
    const { initialState } = await import('../../../compiler/reference/state');
    const program: Program = {
      model: 'm',
      hyper: {},
      persistent: [
        { name: 'W', kind: 'param', type: f32(3, 2), init: { name: 'normal', args: { std: 1 } } },
        { name: 'W.m', kind: 'slot', type: f32(3, 2), init: { name: 'zeros', args: {} } },
      ],
      scalars: [],
      entries: [],
    };
    const a = initialState(program, 7);
    expect([...a['W.m'].data]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(a.W.data.some((x) => x !== 0)).toBe(true);
    // f32 values, as the GPU stores them, and the same draws for the same seed.
    expect([...a.W.data].every((x) => Math.fround(x) === x)).toBe(true);
    expect([...initialState(program, 7).W.data]).toEqual([...a.W.data]);
    expect([...initialState(program, 8).W.data]).not.toEqual([...a.W.data]);
  });
});
