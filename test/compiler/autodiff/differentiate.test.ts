import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/constant';
import '../../../compiler/ops/control';
import '../../../compiler/ops/reduction';
import '../../../compiler/ops/shape';
import { differentiate, gradients } from '../../../compiler/autodiff/differentiate';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { parseGraph } from '../../../compiler/ir/parse';
import { printGraph } from '../../../compiler/ir/print';
import type { Span, TensorType, Value } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import { defineOp, type Tensor } from '../../../compiler/ops/registry';
import { execute, tensor } from '../../../compiler/reference/execute';
import { DlcError } from '../../../runtime/errors';
import { gradcheck, rng } from '../../helpers/gradcheck';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const span = (line: number, col: number): Span => ({ file: 'm.dl', line, col, endLine: line, endCol: col + 3 });
const random = (type: TensorType, seed: number): Tensor => {
  const r = rng(seed);
  return { type, data: Float64Array.from({ length: numel(type.shape) }, () => 2 * r() - 1) };
};
const sumAll = (b: GraphBuilder, v: Value): Value =>
  b.op('sum', [v], { axes: v.type.shape.map((_, i) => i), keepdims: false });

// A non-differentiable sampling op for the error path (the real random ops live elsewhere).
defineOp({
  name: 'test_sample',
  kind: 'random',
  doc: 'test only: `%1: f32[2] = test_sample %0`',
  arity: 1,
  infer: (inputs) => [inputs[0]],
  reference: (inputs) => [inputs[0]],
});

describe('differentiate', () => {
  it('accumulates gradients of a value used several times and unbroadcasts', () => {
    // loss = sum(x*x + x*b), b broadcast over rows: dx = 2x + b, db = sum over rows of x
    const b = new GraphBuilder('train');
    const x = b.arg('param', 'x', f32(2, 3));
    const bias = b.arg('param', 'b', f32(3));
    const loss = sumAll(b, b.op('add', [b.op('mul', [x, x]), b.op('mul', [x, bias])]));
    const { graph, grads } = differentiate(b.finish({ loss }), 'loss');
    verifyGraph(graph);
    expect(grads['x'].type).toEqual(f32(2, 3));
    expect(grads['b'].type).toEqual(f32(3));
    const xs = [1, 2, 3, 4, 5, 6];
    const bs = [0.5, -1, 2];
    const out = execute(graph, { x: tensor(f32(2, 3), xs), b: tensor(f32(3), bs) }).results;
    expect([...out['grad.x'].data]).toEqual(xs.map((v, i) => 2 * v + bs[i % 3]));
    expect([...out['grad.b'].data]).toEqual([1 + 4, 2 + 5, 3 + 6]);
  });

  it('stop_gradient blocks the gradient; unreached params get zeros', () => {
    const b = new GraphBuilder('train');
    const x = b.arg('param', 'x', f32(3));
    const w = b.arg('param', 'w', f32(3));
    const loss = sumAll(b, b.op('mul', [x, b.op('stop_gradient', [x])]));
    const { graph } = differentiate(b.finish({ loss }), 'loss', ['x', 'w']);
    const out = execute(graph, { x: tensor(f32(3), [1, -2, 3]), w: tensor(f32(3), [0, 0, 0]) }).results;
    expect([...out['grad.x'].data]).toEqual([1, -2, 3]);
    expect([...out['grad.w'].data]).toEqual([0, 0, 0]);
  });

  it('gives integer values no gradient', () => {
    const b = new GraphBuilder('train');
    const x = b.arg('param', 'x', f32(3));
    const n = b.op('cast', [x], { to: 'i32' });
    const loss = sumAll(b, b.op('add', [x, b.op('cast', [n], { to: 'f32' })]));
    const { graph } = differentiate(b.finish({ loss }), 'loss');
    expect([...execute(graph, { x: tensor(f32(3), [0.5, 1.5, 2.5]) }).results['grad.x'].data]).toEqual([1, 1, 1]);
  });

  it('names the op and its .dl span when a gradient must flow through a non-differentiable op', () => {
    const b = new GraphBuilder('train');
    const x = b.arg('param', 'x', f32(2));
    const s = b.withSpan(span(12, 9), () => b.op('test_sample', [x]));
    const loss = sumAll(b, s);
    const run = () => differentiate(b.finish({ loss }), 'loss');
    expect(run).toThrow(DlcError);
    expect(run).toThrow(
      "m.dl:12:9: cannot differentiate through 'test_sample': it has no gradient (use stop_gradient on its input if none should flow)",
    );
    // Behind stop_gradient no gradient needs to flow, so it is fine.
    const b2 = new GraphBuilder('train');
    const x2 = b2.arg('param', 'x', f32(2));
    const loss2 = sumAll(b2, b2.op('add', [x2, b2.op('test_sample', [b2.op('stop_gradient', [x2])])]));
    expect(() => differentiate(b2.finish({ loss: loss2 }), 'loss')).not.toThrow();
  });

  it('gives backward nodes the span of the forward node they come from', () => {
    const b = new GraphBuilder('train');
    const x = b.arg('param', 'x', f32(2));
    const y = b.withSpan(span(3, 5), () => b.op('tanh', [x]));
    const loss = b.withSpan(span(4, 1), () => sumAll(b, y));
    const { graph } = differentiate(b.finish({ loss }), 'loss');
    const text = printGraph(graph);
    expect(text).toContain('= tanh %x  # m.dl:3:5');
    // tanh' = 1 - tanh², built from ordinary ops at the tanh's span.
    const backward = graph.nodes.slice(2).filter((n) => n.span?.line === 3);
    expect(backward.length).toBeGreaterThan(0);
  });
});

describe('differentiate with loops', () => {
  it("leaves the caller's graph untouched and gives a verifiable graph", () => {
    const b = new GraphBuilder('train');
    const h0 = b.arg('param', 'h0', f32(3));
    const w = b.arg('param', 'w', f32(3));
    const rb = b.region('body');
    const h = rb.arg('region', 'h', f32(3));
    const ww = rb.arg('region', 'w', f32(3));
    const body = rb.finish([{ name: 'h', value: rb.op('tanh', [rb.op('mul', [h, ww])]) }]);
    const [hN] = b.emit('repeat', [h0, w], { count: 4, carries: 1 }, { regions: [body] }).outputs;
    const g = b.finish({ loss: sumAll(b, hN) });
    const before = printGraph(g);
    const { graph } = differentiate(g, 'loss');
    expect(printGraph(g)).toBe(before);
    verifyGraph(g);
    verifyGraph(graph);
    expect(graph.nodes.filter((n) => n.regions).map((n) => n.op)).toEqual(['scan', 'scan']);
    // The backward graph prints, parses back to the same text, and still verifies.
    const text = printGraph(graph);
    const reparsed = parseGraph(text);
    expect(printGraph(reparsed)).toBe(text);
    verifyGraph(reparsed);
  });
});

describe('loops behind stop_gradient', () => {
  it('are neither stashed nor differentiated (the RBM pattern: a Gibbs chain held constant)', () => {
    const b = new GraphBuilder('train');
    const v0 = b.arg('input', 'v0', f32(3));
    const w = b.arg('param', 'w', f32(3));
    const rb = b.region('gibbs');
    const v = rb.arg('region', 'v', f32(3));
    const ww = rb.arg('region', 'w', f32(3));
    const body = rb.finish([{ name: 'v', value: rb.op('sigmoid', [rb.op('mul', [v, ww])]) }]);
    const [vk] = b.emit('repeat', [v0, w], { count: 5, carries: 1 }, { regions: [body] }).outputs;
    const energy = (x: Value) => sumAll(b, b.op('mul', [x, w]));
    const loss = b.op('sub', [energy(v0), energy(b.op('stop_gradient', [vk]))]);
    const { graph } = differentiate(b.finish({ loss }), 'loss');
    expect(graph.nodes.filter((n) => n.regions).map((n) => n.op)).toEqual(['repeat']);
    const out = execute(graph, { v0: tensor(f32(3), [1, 2, 3]), w: tensor(f32(3), [0.1, 0.2, 0.3]) }).results;
    // d/dw [Σ v0·w − Σ sg(vk)·w] = v0 − vk
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    let chain = [1, 2, 3];
    for (let i = 0; i < 5; i++) chain = chain.map((x, j) => sig(x * [0.1, 0.2, 0.3][j]));
    [...out['grad.w'].data].forEach((g, j) => expect(g).toBeCloseTo([1, 2, 3][j] - chain[j], 12));
  });
});

describe('grad of grad (Hessian-vector products)', () => {
  // Checking the gradient of <∇f(x), r> by finite differences checks H·r.
  const hvp =
    (loss: (b: GraphBuilder, xs: Value[]) => Value) =>
    (b: GraphBuilder, xs: Value[]): Value[] =>
      gradients(b, loss(b, xs), xs);

  it('of an elementwise chain', () => {
    const loss = (b: GraphBuilder, [x]: Value[]) => sumAll(b, b.op('tanh', [b.op('mul', [x, b.op('exp', [x])])]));
    expect(gradcheck(hvp(loss), [random(f32(5), 1)]).elements).toBe(5);
  });

  it('of a two-layer network with matmul and broadcasting', () => {
    const loss = (b: GraphBuilder, [x, W1, b1, W2]: Value[]) => {
      const h = b.op('tanh', [b.op('add', [b.op('matmul', [x, W1]), b1])]);
      const y = b.op('matmul', [h, W2]);
      return sumAll(b, b.op('mul', [y, y]));
    };
    const inputs = [random(f32(3, 4), 2), random(f32(4, 5), 3), random(f32(5), 4), random(f32(5, 2), 5)];
    expect(gradcheck(hvp(loss), inputs).elements).toBe(12 + 20 + 5 + 10);
  });

  it('through a scan (BPTT of BPTT)', () => {
    const loss = (b: GraphBuilder, [h0, W]: Value[]) => {
      const rb = b.region('body');
      rb.arg('region', 't', { dtype: 'i32', shape: [] });
      const h = rb.arg('region', 'h', h0.type);
      const w = rb.arg('region', 'W', W.type);
      const next = rb.op('tanh', [rb.op('matmul', [h, w])]);
      const body = rb.finish([
        { name: 'h', value: next },
        { name: 'y', value: next },
      ]);
      const [, ys] = b.emit('scan', [h0, W], { length: 3, carries: 1 }, { regions: [body] }).outputs;
      return sumAll(b, b.op('mul', [ys, ys]));
    };
    expect(gradcheck(hvp(loss), [random(f32(2, 3), 6), random(f32(3, 3), 7)]).elements).toBe(15);
  });
});
