// softmax and log_softmax along one axis, both computed around the row maximum so
// large logits neither overflow nor lose the small probabilities.
import { emitSoftmaxKernel } from '../codegen/kernels/softmax';
import type { TensorType } from '../ir/types';
import { numel } from '../ir/types';
import { makeTensor, normalizeAxis, requireDtypes } from './broadcast';
import type { OpDef, Tensor } from './registry';
import { defineOp } from './registry';

/** Calls `f(start, count, stride)` for every row of `shape` along `axis`. */
export function forEachRow(
  shape: readonly number[],
  axis: number,
  f: (start: number, count: number, stride: number) => void,
): void {
  const inner = numel(shape.slice(axis + 1));
  const outer = numel(shape.slice(0, axis));
  const n = shape[axis];
  for (let a = 0; a < outer; a++) for (let c = 0; c < inner; c++) f(a * n * inner + c, n, inner);
}

function softmaxReference(x: Tensor, axis: number, log: boolean): Tensor {
  const out = makeTensor(x.type);
  forEachRow(x.type.shape, axis, (start, n, stride) => {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x.data[start + j * stride]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x.data[start + j * stride] - m);
    for (let j = 0; j < n; j++) {
      const v = x.data[start + j * stride] - m;
      out.data[start + j * stride] = log ? v - Math.log(s) : Math.exp(v) / s;
    }
  });
  return out;
}

/**
 * softmax (log = false) or log_softmax (log = true): both share their attrs, shape
 * rule, reference and kernel; only the doc and the gradient differ.
 */
function defineSoftmax(
  name: 'softmax' | 'log_softmax',
  log: boolean,
  doc: string,
  grad: NonNullable<OpDef['grad']>,
): void {
  const axisOf = (t: TensorType, attr: unknown): number => normalizeAxis(name, attr as number, t.shape.length, t);
  defineOp({
    name,
    kind: 'reduction',
    doc,
    arity: 1,
    attrs: { axis: { type: 'int', default: -1, doc: 'the axis that sums to one' } },
    infer(inputs, attrs) {
      requireDtypes(name, inputs, ['f32']);
      axisOf(inputs[0], attrs.axis);
      return [inputs[0]];
    },
    grad,
    reference([x], attrs) {
      return [softmaxReference(x, axisOf(x.type, attrs.axis), log)];
    },
    kernel(node, ctx) {
      const t = node.inputs[0].type;
      const axis = axisOf(t, node.attrs.axis);
      return [emitSoftmaxKernel(`${name}_${t.shape.join('x')}_axis${axis}`, t.shape, axis, log, ctx.family)];
    },
  });
}

// dx = y · (g - Σ g·y)
defineSoftmax(
  'softmax',
  false,
  'exp(x - max) / Σ exp(x - max) along an axis: `%1: f32[4,10] = softmax %0 [axis=-1]`',
  (b, node, [g]) => {
    if (!g) return [null];
    const y = node.outputs[0];
    const axis = normalizeAxis('softmax', node.attrs.axis as number, y.type.shape.length, y.type);
    const dot = b.op('sum', [b.op('mul', [g, y])], { axes: [axis], keepdims: true });
    return [b.op('mul', [y, b.op('sub', [g, dot])])];
  },
);

// dx = g - softmax · Σ g, with softmax = exp(y)
defineSoftmax(
  'log_softmax',
  true,
  'x - max - log Σ exp(x - max) along an axis: `%1: f32[4,10] = log_softmax %0 [axis=-1]`',
  (b, node, [g]) => {
    if (!g) return [null];
    const y = node.outputs[0];
    const axis = normalizeAxis('log_softmax', node.attrs.axis as number, y.type.shape.length, y.type);
    const total = b.op('sum', [g], { axes: [axis], keepdims: true });
    return [b.op('sub', [g, b.op('mul', [b.op('exp', [y]), total])])];
  },
);
