// matmul's shape rule, float64 reference and gradient rule. The gradient is checked
// by central finite differences of L = Σ W ⊙ matmul(A, B), evaluating the rule's
// IR eagerly with the reference semantics of the ops it builds.
import { describe, expect, it } from 'vitest';
import type { Attrs, Node, TensorType, Value } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import type { GradBuilder, Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';
import { broadcastIndexMap } from '../../../compiler/ops/broadcast';
import { cases } from '../op-cases/matmul';
import { f32, infer, run1 } from './ref-helpers';

const t = (...shape: number[]) => ({ dtype: 'f32' as const, shape });

describe('matmul shape rule', () => {
  it('gives [..., M, N] for every transpose variant and broadcasts batches', () => {
    expect(infer('matmul', [t(128, 784), t(784, 512)])).toEqual([t(128, 512)]);
    expect(infer('matmul', [t(784, 128), t(784, 512)], { transpose_a: true })).toEqual([t(128, 512)]);
    expect(infer('matmul', [t(128, 784), t(512, 784)], { transpose_b: true })).toEqual([t(128, 512)]);
    expect(infer('matmul', [t(784, 128), t(512, 784)], { transpose_a: true, transpose_b: true })).toEqual([
      t(128, 512),
    ]);
    expect(infer('matmul', [t(2, 3, 4, 5), t(5, 6)])).toEqual([t(2, 3, 4, 6)]);
    expect(infer('matmul', [t(3, 1, 4, 5), t(2, 5, 6)])).toEqual([t(3, 2, 4, 6)]);
  });
  it('names both shapes when the inner dimensions differ', () => {
    expect(() => infer('matmul', [t(128, 784), t(512, 10)])).toThrow(
      'matmul: inner dimensions differ: [128,784] @ [512,10]',
    );
    expect(() => infer('matmul', [t(128, 784), t(784, 10)], { transpose_b: true })).toThrow(
      'matmul: inner dimensions differ: [128,784] @ [784,10] (transpose_b)',
    );
  });
  it('rejects batches that do not broadcast, low ranks and integer operands', () => {
    expect(() => infer('matmul', [t(2, 4, 5), t(3, 5, 6)])).toThrow(
      'matmul: batch dimensions [2] and [3] cannot be broadcast together: [2,4,5] @ [3,5,6]',
    );
    expect(() => infer('matmul', [t(5), t(5, 6)])).toThrow('matmul: operand 1 has shape [5], expected rank 2 or more');
    expect(() => infer('matmul', [t(2, 5), { dtype: 'i32', shape: [5, 6] }])).toThrow(
      'matmul: operand 2 is i32[5,6], expected f32',
    );
  });
});

describe('matmul reference', () => {
  const A = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  it('multiplies', () => {
    expect(run1('matmul', [A, f32([3, 2], [1, 0, 0, 1, 1, 1])])).toEqual([4, 5, 10, 11]);
  });
  it('honours the transpose flags', () => {
    // Aᵀ·A (3×3) and A·Aᵀ (2×2).
    expect(run1('matmul', [A, A], { transpose_a: true })).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    expect(run1('matmul', [A, A], { transpose_b: true })).toEqual([14, 32, 32, 77]);
    expect(run1('matmul', [f32([3, 2], [1, 4, 2, 5, 3, 6]), A], { transpose_a: true, transpose_b: true })).toEqual([
      14, 32, 32, 77,
    ]);
  });
  it('broadcasts a batch of matrices against one matrix', () => {
    const batch = f32([2, 1, 2], [1, 2, 3, 4]);
    expect(run1('matmul', [batch, f32([2, 2], [1, 1, 0, 1])])).toEqual([1, 3, 3, 7]);
  });
});

/** Evaluates what a gradient rule builds, op by op, with the reference semantics. */
class EagerBuilder implements GradBuilder {
  private readonly values = new Map<number, Tensor>();
  private nextId = 1;

  value(t: Tensor): Value {
    const v: Value = { id: this.nextId++, type: t.type, def: null };
    this.values.set(v.id, t);
    return v;
  }
  get(v: Value): Tensor {
    return this.values.get(v.id)!;
  }
  op(name: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
    return this.opN(name, inputs, attrs)[0];
  }
  opN(name: string, inputs: readonly Value[], attrs: Attrs = {}): Value[] {
    return getOp(name)
      .reference(
        inputs.map((v) => this.get(v)),
        attrs,
        { seed: 0, step: 0 },
      )
      .map((t) => this.value(t));
  }
  constant(value: number, type: TensorType): Value {
    return this.value({ type, data: new Float64Array(numel(type.shape)).fill(value) });
  }
  unbroadcast(grad: Value, to: TensorType): Value {
    const g = this.get(grad);
    const map = broadcastIndexMap(to.shape, g.type.shape);
    const out = new Float64Array(numel(to.shape));
    for (let e = 0; e < map.length; e++) out[map[e]] += g.data[e];
    return this.value({ type: to, data: out });
  }
}

function random(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

describe('matmul gradient', () => {
  it.each(
    cases.map(
      (c) => [c.label ?? `[${c.inputs[0].shape}] @ [${c.inputs[1].shape}] ${JSON.stringify(c.attrs)}`, c] as const,
    ),
  )('matches finite differences: %s', (_name, c) => {
    const op = getOp('matmul');
    const attrs = c.attrs ?? {};
    const ins: Tensor[] = c.inputs.map((type, i) => ({ type, data: random(numel(type.shape), 17 + i) }));
    const [outType] = op.infer(c.inputs, attrs);
    const w = random(numel(outType.shape), 5);
    const loss = (xs: Tensor[]) =>
      op.reference(xs, attrs, { seed: 0, step: 0 })[0].data.reduce((s, v, i) => s + v * w[i], 0);

    const b = new EagerBuilder();
    const inVals = ins.map((x) => b.value(x));
    const outVal: Value = { id: -1, type: outType, def: null };
    const node: Node = { id: 1, op: 'matmul', inputs: inVals, outputs: [outVal], attrs };
    const grads = op.grad!(b, node, [b.value({ type: outType, data: w })]);

    ins.forEach((x, which) => {
      const g = b.get(grads[which]!);
      expect(g.type).toEqual(x.type);
      const h = 1e-6;
      for (let e = 0; e < x.data.length; e++) {
        const plus = ins.map((y, j) => (j === which ? { ...y, data: y.data.map((v, k) => (k === e ? v + h : v)) } : y));
        const minus = ins.map((y, j) =>
          j === which ? { ...y, data: y.data.map((v, k) => (k === e ? v - h : v)) } : y,
        );
        const fd = (loss(plus) - loss(minus)) / (2 * h);
        expect(g.data[e]).toBeCloseTo(fd, 6);
      }
    });
  });
});
