// Gradient rules build ordinary IR from registry ops, so a gradient can be
// differentiated again. Each case checks the derivative of the vector-Jacobian
// product x ↦ Jᵀ(x)·r by finite differences (second derivatives, as in
// Hessian-vector products).
import { describe, expect, it } from 'vitest';
import { backprop } from '../../../compiler/autodiff/backprop';
import type { Attrs, TensorType } from '../../../compiler/ir/types';
import '../../../compiler/ops/index';
import { gradcheck } from '../../helpers/gradcheck';
import type { OpCase } from '../../helpers/op-case';
import { caseInputs } from './case-data';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const i32 = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });
const positive = (input: number, _i: number, u: number): number => (input === 0 ? 0.5 + u : 2 * u - 1);

interface Case {
  op: string;
  /** The op's inputs; the cotangent r is appended as the last input. */
  inputs: TensorType[];
  out: TensorType;
  attrs?: Attrs;
  data?: OpCase['data'];
}

const cases: Case[] = [
  { op: 'exp', inputs: [f32(5)], out: f32(5) },
  { op: 'sigmoid', inputs: [f32(5)], out: f32(5) },
  { op: 'tanh', inputs: [f32(5)], out: f32(5) },
  { op: 'softplus', inputs: [f32(5)], out: f32(5) },
  { op: 'log', inputs: [f32(5)], out: f32(5), data: positive },
  { op: 'sqrt', inputs: [f32(5)], out: f32(5), data: positive },
  { op: 'reciprocal', inputs: [f32(5)], out: f32(5), data: positive },
  {
    op: 'div',
    inputs: [f32(2, 3), f32(3)],
    out: f32(2, 3),
    data: (input, _i, u) => (input === 1 ? 0.5 + u : 2 * u - 1),
  },
  { op: 'pow', inputs: [f32(4), f32(4)], out: f32(4), data: positive },
  { op: 'mul', inputs: [f32(2, 3), f32(2, 1)], out: f32(2, 3) },
  { op: 'logsumexp', inputs: [f32(3, 4)], out: f32(3), attrs: { axes: [1] } },
  { op: 'softmax', inputs: [f32(3, 4)], out: f32(3, 4), attrs: { axis: -1 } },
  { op: 'log_softmax', inputs: [f32(3, 4)], out: f32(3, 4), attrs: { axis: 0 } },
  {
    op: 'cross_entropy',
    inputs: [f32(3, 4), i32(3)],
    out: f32(3),
    data: (input, i, u) => (input === 1 ? i % 4 : 2 * u - 1),
  },
  { op: 'binary_cross_entropy', inputs: [f32(5), f32(5)], out: f32(5) },
  { op: 'mean', inputs: [f32(3, 4)], out: f32(4), attrs: { axes: [0] } },
  {
    op: 'take_along_axis',
    inputs: [f32(3, 4), i32(3)],
    out: f32(3),
    attrs: { axis: 1 },
    data: (input, i, u) => (input === 1 ? (i * 3) % 4 : 2 * u - 1),
  },
  {
    op: 'gather',
    inputs: [f32(4, 2), i32(3)],
    out: f32(3, 2),
    data: (input, i, u) => (input === 1 ? [1, 3, 1][i] : 2 * u - 1),
  },
  { op: 'dropout', inputs: [f32(4, 5)], out: f32(4, 5), attrs: { p: 0.3, stream: 1 } },
];

describe('gradients of gradients of core ops', () => {
  for (const c of cases) {
    it(`${c.op}: d/dx of Jᵀr matches finite differences`, () => {
      const n = c.inputs.length;
      const inputs = caseInputs(
        {
          op: c.op,
          inputs: [...c.inputs, c.out],
          data: (input, i, u) => (input === n ? 2 * u - 1 : c.data ? c.data(input, i, u) : 2 * u - 1),
        },
        5,
      );
      const floats = c.inputs.map((t, i) => i).filter((i) => c.inputs[i].dtype === 'f32');
      const report = gradcheck(
        (b, xs) => {
          const out = b.op(c.op, xs.slice(0, n), c.attrs ?? {});
          const grads = backprop(
            b,
            [...b.nodeList],
            new Map([[out, xs[n]]]),
            floats.map((i) => xs[i]),
          );
          return grads.filter((g) => g !== null);
        },
        inputs,
        { wrt: floats, rtol: 1e-5 },
      );
      expect(report.elements).toBeGreaterThan(0);
    });
  }
});
