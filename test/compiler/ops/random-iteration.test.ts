// The random ops' optional `iteration` input (Philox counter word 2): draws differ
// per iteration, iteration 0 is the draw without the input, gradients of the
// corruption ops recompute the same mask, and a repeat body fed its loop counter
// draws afresh each time round.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import '../../../compiler/ops/constant';
import { gradients } from '../../../compiler/autodiff/differentiate';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { TensorType, Value } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import { execute, tensor } from '../../../compiler/reference/execute';
import { philoxWords, uniform01 } from '../../../runtime/philox';
import { gradcheck, rng } from '../../helpers/gradcheck';
import { f32, i32, infer, run1, tensor as refTensor } from './ref-helpers';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const I32: TensorType = { dtype: 'i32', shape: [] };
const U32: TensorType = { dtype: 'u32', shape: [] };
const ctx = { seed: 42, step: 7 };
const iter = (n: number) => i32([], [n]);

describe('iteration operand shape rules', () => {
  it('accepts an i32 or u32 scalar after the data inputs', () => {
    expect(infer('uniform', [I32], { shape: [3], stream: 0 })).toEqual([t(3)]);
    expect(infer('normal', [U32], { shape: [2, 2], stream: 0 })).toEqual([t(2, 2)]);
    expect(infer('categorical', [t(4, 5), I32], { stream: 0 })).toEqual([{ dtype: 'i32', shape: [4] }]);
    for (const op of ['bernoulli', 'dropout', 'salt_and_pepper', 'gaussian_noise']) {
      expect(infer(op, [t(6), U32], { p: 0.5, std: 1, stream: 0 })).toEqual([t(6)]);
    }
  });
  it('rejects other types with a clear message', () => {
    expect(() => infer('uniform', [t()], { shape: [3], stream: 0 })).toThrow(
      'uniform: iteration operand 1 is f32[], expected an i32 or u32 scalar',
    );
    expect(() => infer('dropout', [t(4), { dtype: 'i32', shape: [1] }], { p: 0.5, stream: 0 })).toThrow(
      'dropout: iteration operand 2 is i32[1], expected an i32 or u32 scalar',
    );
    expect(() => infer('categorical', [t(4, 5), t()], { stream: 0 })).toThrow(
      'categorical: iteration operand 2 is f32[], expected an i32 or u32 scalar',
    );
  });
});

describe('iteration operand in the reference', () => {
  const cases: { op: string; data: ReturnType<typeof f32>[]; attrs: Record<string, number | number[]> }[] = [
    { op: 'uniform', data: [], attrs: { shape: [16], stream: 1 } },
    { op: 'normal', data: [], attrs: { shape: [16], stream: 2 } },
    { op: 'bernoulli', data: [f32([64], new Array(64).fill(0.5))], attrs: { stream: 3 } },
    { op: 'categorical', data: [f32([32, 4], new Array(128).fill(1))], attrs: { stream: 4 } },
    { op: 'dropout', data: [f32([64], new Array(64).fill(1))], attrs: { p: 0.5, stream: 5 } },
    { op: 'salt_and_pepper', data: [f32([64], new Array(64).fill(0.25))], attrs: { p: 0.5, stream: 6 } },
    { op: 'gaussian_noise', data: [f32([16], new Array(16).fill(0))], attrs: { std: 1, stream: 7 } },
  ];
  for (const c of cases) {
    it(`${c.op}: iteration 0 is the draw without it; iteration 1 differs`, () => {
      const plain = run1(c.op, c.data, c.attrs, ctx);
      expect(run1(c.op, [...c.data, iter(0)], c.attrs, ctx)).toEqual(plain);
      expect(run1(c.op, [...c.data, refTensor('u32', [], [0])], c.attrs, ctx)).toEqual(plain);
      const one = run1(c.op, [...c.data, iter(1)], c.attrs, ctx);
      expect(one).not.toEqual(plain);
      expect(run1(c.op, [...c.data, refTensor('u32', [], [1])], c.attrs, ctx)).toEqual(one);
    });
  }
  it('keys word 2 of the counter with the iteration (an i32 as its u32 bits)', () => {
    const u = run1('uniform', [iter(5)], { shape: [4], stream: 3 }, ctx);
    expect(u).toEqual([0, 1, 2, 3].map((e) => uniform01(philoxWords(42, 3, 7, e, 5)[0])));
    expect(run1('uniform', [iter(-1)], { shape: [4], stream: 3 }, ctx)).toEqual(
      run1('uniform', [refTensor('u32', [], [0xffffffff])], { shape: [4], stream: 3 }, ctx),
    );
  });
});

const sumAll = (b: GraphBuilder, v: Value): Value =>
  b.op('sum', [v], { axes: v.type.shape.map((_, i) => i), keepdims: false });

describe('gradients of the corruption ops with an iteration', () => {
  // loss = Σ c·op(x, it): the gradient is c where the element was kept (scaled by
  // 1/(1-p) for dropout), 0 where it was dropped or replaced — the forward mask.
  for (const op of ['dropout', 'salt_and_pepper']) {
    it(`${op}: the gradient uses the forward's mask at that iteration`, () => {
      const n = 64;
      const p = 0.4;
      const b = new GraphBuilder('g');
      const x = b.arg('input', 'x', t(n));
      const c = b.arg('input', 'c', t(n));
      const k = b.arg('input', 'it', I32);
      const y = b.op(op, [x, k], { p, stream: 9 });
      const loss = sumAll(b, b.op('mul', [y, c]));
      const [gx] = gradients(b, loss, [x]);
      const g = b.finish({ y, gx });
      verifyGraph(g);
      // x = 0.3 is never a corruption value (0 or 1), so y = x·scale marks the kept elements.
      const xs = new Array(n).fill(0.3);
      const cs = Array.from({ length: n }, (_, e) => 1 + e);
      const scale = op === 'dropout' ? 1 / (1 - p) : 1;
      const masks = [0, 3].map((itv) => {
        const { results } = execute(
          g,
          { x: tensor(t(n), xs), c: tensor(t(n), cs), it: tensor(I32, [itv]) },
          { seed: 11, step: 2 },
        );
        const kept = [...results.y.data].map((v) => Math.abs(v - 0.3 * scale) < 1e-12);
        expect([...results.gx.data]).toEqual(cs.map((ce, e) => (kept[e] ? ce * scale : 0)));
        return kept;
      });
      expect(masks[0]).not.toEqual(masks[1]);
    });
  }
});

describe('a repeat body fed its loop counter', () => {
  // carries (it: i32[], hist: f32[3, 8]): each pass writes uniform(it) into row it.
  function build(withIteration: boolean) {
    const b = new GraphBuilder('g');
    const it0 = b.arg('input', 'it0', I32);
    const hist0 = b.arg('input', 'hist0', t(3, 8));
    const rb = b.region('body');
    const it = rb.arg('region', 'it', I32);
    const hist = rb.arg('region', 'hist', t(3, 8));
    const u = rb.op('uniform', withIteration ? [it] : [], { shape: [8], stream: 4 });
    const next = rb.op('add', [hist, rb.op('stack_put', [u, it], { axis: 0, size: 3 })]);
    const body = rb.finish([
      { name: 'it', value: rb.op('add', [it, rb.constant(1, I32)]) },
      { name: 'hist', value: next },
    ]);
    const outs = b.emit('repeat', [it0, hist0], { count: 3, carries: 2 }, { regions: [body] }).outputs;
    const g = b.finish({ hist: outs[1] });
    verifyGraph(g);
    return execute(g, { it0: tensor(I32, [0]), hist0: tensor(t(3, 8), new Array(24).fill(0)) }, { seed: 5, step: 1 })
      .results.hist.data;
  }
  const row = (data: Float64Array, r: number): number[] => [...data.slice(r * 8, r * 8 + 8)];

  it('draws differently each iteration, each row the reference draw of its iteration', () => {
    const hist = build(true);
    for (let r = 0; r < 3; r++) {
      expect(row(hist, r)).toEqual(Array.from({ length: 8 }, (_, e) => uniform01(philoxWords(5, 4, 1, e, r)[0])));
    }
    expect(row(hist, 1)).not.toEqual(row(hist, 0));
    expect(row(hist, 2)).not.toEqual(row(hist, 1));
  });
  it('without the counter every iteration repeats the same draw (the bug this input fixes)', () => {
    const hist = build(false);
    expect(row(hist, 1)).toEqual(row(hist, 0));
    expect(row(hist, 2)).toEqual(row(hist, 0));
  });
});

describe('loop gradients through corruption ops keyed by the iteration', () => {
  // h' = tanh(dropout(h·W, it)) in a repeat that carries it; and a scan whose body
  // keys salt_and_pepper by its step t. The backward loop must redraw each
  // iteration's own mask, or the gradient misses the finite differences.
  const randomTensor = (type: TensorType, seed: number): ReturnType<typeof f32> => {
    const r = rng(seed);
    return { type, data: Float64Array.from({ length: type.shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1) };
  };
  const repeatDropout = (b: GraphBuilder, [h0, W]: Value[]): Value[] => {
    const rb = b.region('body');
    const h = rb.arg('region', 'h', h0.type);
    const it = rb.arg('region', 'it', I32);
    const w = rb.arg('region', 'W', W.type);
    const next = rb.op('tanh', [rb.op('dropout', [rb.op('mul', [h, w]), it], { p: 0.4, stream: 3 })]);
    const body = rb.finish([
      { name: 'h', value: next },
      { name: 'it', value: rb.op('add', [it, rb.constant(1, I32)]) },
    ]);
    const outs = b.emit('repeat', [h0, b.constant(0, I32), W], { count: 4, carries: 2 }, { regions: [body] }).outputs;
    return [outs[0]];
  };
  const scanSaltAndPepper = (b: GraphBuilder, [h0, W]: Value[]): Value[] => {
    const rb = b.region('body');
    const t = rb.arg('region', 't', I32);
    const h = rb.arg('region', 'h', h0.type);
    const w = rb.arg('region', 'W', W.type);
    const next = rb.op('tanh', [rb.op('salt_and_pepper', [rb.op('mul', [h, w]), t], { p: 0.4, stream: 4 })]);
    const body = rb.finish([{ name: 'h', value: next }]);
    return [b.emit('scan', [h0, W], { length: 4, carries: 1 }, { regions: [body] }).outputs[0]];
  };
  for (const stash of [true, false]) {
    it(`repeat with dropout(it), ${stash ? 'stashed' : 'recomputed'}`, () => {
      expect(gradcheck(repeatDropout, [randomTensor(t(2, 3), 1), randomTensor(t(2, 3), 2)], { stash }).elements).toBe(
        12,
      );
    });
    it(`scan with salt_and_pepper(t), ${stash ? 'stashed' : 'recomputed'}`, () => {
      expect(
        gradcheck(scanSaltAndPepper, [randomTensor(t(2, 3), 3), randomTensor(t(2, 3), 4)], { stash }).elements,
      ).toBe(12);
    });
  }
});
