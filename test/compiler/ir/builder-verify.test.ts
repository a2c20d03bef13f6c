import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { parseGraph } from '../../../compiler/ir/parse';
import type { Graph, Node } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import { DlcError } from '../../../runtime/errors';
import { at, sampleGraph } from './sample';

const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });

describe('GraphBuilder', () => {
  it('types every value, fills attribute defaults and numbers values in order', () => {
    const b = new GraphBuilder('g');
    const x = b.arg('input', 'x', f32(2, 3));
    const y = b.arg('input', 'y', f32(3));
    const s = b.op('add', [x, y]);
    expect(s.type).toEqual(f32(2, 3));
    expect([x.id, y.id, s.id]).toEqual([0, 1, 2]);
    const m = b.emit('matmul', [x, b.arg('param', 'W', f32(3, 4))]);
    expect(m.attrs).toEqual({ transpose_a: false, transpose_b: false });
    expect(m.outputs[0].type).toEqual(f32(2, 4));
  });

  it('attaches the current span, and an explicit one over it', () => {
    const b = new GraphBuilder('g');
    const x = b.arg('input', 'x', f32(2));
    const n1 = b.withSpan(at(1, 1), () => b.emit('neg', [x]));
    const n2 = b.withSpan(at(1, 1), () => b.emit('neg', [x], {}, { span: at(2, 2) }));
    const n3 = b.emit('neg', [x]);
    expect(n1.span).toEqual(at(1, 1));
    expect(n2.span).toEqual(at(2, 2));
    expect(n3.span).toBeUndefined();
  });

  it('turns shape errors into DlcErrors at the node span', () => {
    const b = new GraphBuilder('g');
    const x = b.arg('input', 'x', f32(2, 3));
    const y = b.arg('input', 'y', f32(4));
    const emit = () => b.withSpan(at(7, 5), () => b.op('add', [x, y]));
    expect(emit).toThrow(DlcError);
    expect(emit).toThrow(/^tiny\.dl:7:5: add: shapes f32\[2,3\], f32\[4\] cannot be broadcast/);
  });

  it('rejects unknown ops, wrong arity, unknown, missing and mistyped attributes', () => {
    const b = new GraphBuilder('g');
    const x = b.arg('input', 'x', f32(2));
    expect(() => b.op('frobnicate', [x])).toThrow("unknown op 'frobnicate'");
    expect(() => b.op('neg', [x, x])).toThrow('neg takes 1 inputs, got 2');
    expect(() => b.op('neg', [x], { axis: 1 })).toThrow("neg has no attribute 'axis'");
    expect(() => b.emit('assign', [x])).toThrow("assign needs attribute 'target'");
    expect(() => b.emit('assign', [x], { target: 3 })).toThrow("assign: attribute 'target' must be string, got 3");
    expect(() => b.arg('input', 'x', f32(3))).toThrow("already has an argument named 'x'");
    expect(() => b.arg('input', 'z', f32(0))).toThrow('invalid shape f32[0]');
  });

  it('checks loop bodies against the loop inputs', () => {
    const b = new GraphBuilder('g');
    const h0 = b.arg('input', 'h0', f32(2));
    const rb = b.region('body');
    const h = rb.arg('region', 'h', f32(3));
    const body = rb.finish([{ name: 'h', value: rb.op('neg', [h]) }]);
    expect(() => b.emit('repeat', [h0], { count: 2, carries: 1 }, { regions: [body] })).toThrow(
      "repeat: body arg 0 ('h') is f32[3], expected f32[2]",
    );
    expect(() => b.emit('repeat', [h0], { count: 2, carries: 1 })).toThrow('repeat needs its body graph');
  });

  it('unbroadcasts by summing added and stretched axes', () => {
    const b = new GraphBuilder('g');
    const g = b.arg('input', 'g', f32(4, 2, 3));
    expect(b.unbroadcast(g, f32(2, 1)).type).toEqual(f32(2, 1));
    expect(b.unbroadcast(g, f32(3)).type).toEqual(f32(3));
    expect(b.unbroadcast(g, f32(4, 2, 3))).toBe(g);
  });

  it('extends a finished graph with fresh numbers', () => {
    const g = sampleGraph();
    const b = GraphBuilder.extend(g);
    const v = b.op('neg', [g.results[0].value]);
    expect(v.id).toBe(11);
    expect(() => verifyGraph(b.finish({ v }))).not.toThrow();
  });
});

describe('verifyGraph', () => {
  const bad =
    (text: string): (() => void) =>
    () =>
      verifyGraph(parseGraph(text));

  it('accepts the sample graph', () => {
    expect(() => verifyGraph(sampleGraph())).not.toThrow();
  });

  it('finds wrong output types', () => {
    expect(bad('graph g {\n  input %x: f32[2]\n  %1: f32[3] = neg %x\n  return y=%1\n}\n')).toThrow(
      "verify 'g': node 0 (neg): output %1 is f32[3], the shape rule gives f32[2]",
    );
  });

  it('finds shape-rule failures, arity and attribute errors', () => {
    expect(
      bad('graph g {\n  input %x: f32[2]\n  input %y: f32[3]\n  %1: f32[2] = add %x, %y\n  return y=%1\n}\n'),
    ).toThrow(/node 0 \(add\): shape rule fails: add: shapes/);
    expect(bad('graph g {\n  input %x: f32[2]\n  %1: f32[2] = neg %x, %x\n  return y=%1\n}\n')).toThrow(
      '2 inputs, the op takes 1..1',
    );
    expect(bad('graph g {\n  input %x: f32[2]\n  %1: f32[2] = neg %x [k=1]\n  return y=%1\n}\n')).toThrow(
      "neg has no attribute 'k'",
    );
  });

  it('finds double definitions and uses before definition', () => {
    expect(
      bad('graph g {\n  input %x: f32[2]\n  %1: f32[2] = neg %x\n  %1: f32[2] = neg %x\n  return y=%1\n}\n'),
    ).toThrow('%1 is defined twice');
    const g = parseGraph(
      'graph g {\n  input %x: f32[2]\n  %1: f32[2] = neg %x\n  %2: f32[2] = neg %1\n  return y=%2\n}\n',
    );
    const swapped: Graph = { ...g, nodes: [g.nodes[1], g.nodes[0]] };
    expect(() => verifyGraph(swapped)).toThrow('node 1 (neg): input 0 %1 is not defined before this node');
  });

  it('finds bad regions and args', () => {
    expect(bad('graph g {\n  region %x: f32[2]\n  return\n}\n')).toThrow("arg 'x' has kind 'region' in an entry graph");
    expect(
      bad(
        'graph g {\n  input %x: f32[2]\n  %1: f32[2] = neg %x\n    graph b {\n      return\n    }\n  return y=%1\n}\n',
      ),
    ).toThrow('has region bodies but the op takes none');
    expect(
      bad('graph g {\n  input %x: f32[2]\n  %1: f32[2] = repeat %x [carries=1, count=2]\n  return y=%1\n}\n'),
    ).toThrow('is a region op without a body');
    const inner =
      'graph g {\n  input %x: f32[2]\n  %1: f32[2] = repeat %x [carries=1, count=2]' +
      '\n    graph b {\n      region %h: f32[2]\n      %3: f32[2] = neg %x\n      return h=%3\n    }' +
      '\n  return y=%1\n}\n';
    expect(() => parseGraph(inner)).toThrow('%x is not defined');
  });

  it('checks that a stashing scan emits exactly its carry args', () => {
    const scan = (emit: string) => `graph g {
  input %x: f32[2]
  %1: f32[2], %2: f32[2,3] = scan %x [carries=1, length=3, reverse=false, stash=1]
    graph body {
      region %t: i32[]
      region %h: f32[2]
      %5: f32[2] = neg %h
      return h=%5, stash0=${emit}
    }
  return y=%1
}
`;
    expect(bad(scan('%5'))).toThrow("shape rule fails: scan: stashed emit 0 is not the body's carry arg 0");
    expect(() => verifyGraph(parseGraph(scan('%h')))).not.toThrow();
  });

  it('checks assign targets and forbids effects in loop bodies', () => {
    expect(bad('graph g {\n  input %x: f32[2]\n  assign %x [target="nope"]\n  return\n}\n')).toThrow(
      "assigns to 'nope', which is not a persistent tensor",
    );
    const g = parseGraph('graph g {\n  input %x: f32[2]\n  assign %x [target="w"]\n  return\n}\n');
    expect(() => verifyGraph(g, { persistent: ['w'] })).not.toThrow();
    expect(
      bad(
        'graph g {\n  state %s: f32[2]\n  %1: f32[2] = repeat %s [carries=1, count=2]' +
          '\n    graph b {\n      region %h: f32[2]\n      assign %h [target="s"]\n      return h=%h\n    }' +
          '\n  return y=%1\n}\n',
      ),
    ).toThrow('effects are not allowed in a region body');
  });

  it('finds outputs that do not point back to their node', () => {
    const g = parseGraph('graph g {\n  input %x: f32[2]\n  %1: f32[2] = neg %x\n  return y=%1\n}\n');
    const n = g.nodes[0];
    const orphan: Node = { ...n };
    expect(() => verifyGraph({ ...g, nodes: [orphan] })).toThrow('output %1 does not point back to its node');
  });
});
