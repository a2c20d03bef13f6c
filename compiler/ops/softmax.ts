// softmax and log_softmax along one axis, both computed around the row maximum so
// large logits neither overflow nor lose the small probabilities.
import { emitSoftmaxKernel } from '../codegen/kernels/softmax';
import { numel } from '../ir/types';
import { makeTensor, normalizeAxis, requireDtypes } from './broadcast';
import type { Tensor } from './registry';
import { defineOp } from './registry';

/** Calls `f(start, count, stride)` for every row of `shape` along `axis`. */
export function forEachRow(shape: readonly number[], axis: number, f: (start: number, count: number, stride: number) => void): void {
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

const axisAttr = { axis: { type: 'int' as const, default: -1, doc: 'the axis that sums to one' } };

defineOp({
  name: 'softmax',
  kind: 'reduction',
  doc: 'exp(x - max) / Σ exp(x - max) along an axis: `%1: f32[4,10] = softmax %0 [axis=-1]`',
  arity: 1,
  attrs: axisAttr,
  infer(inputs, attrs) {
    requireDtypes('softmax', inputs, ['f32']);
    normalizeAxis('softmax', attrs.axis as number, inputs[0].shape.length, inputs[0]);
    return [inputs[0]];
  },
  // dx = y · (g - Σ g·y)
  grad(b, node, [g]) {
    if (!g) return [null];
    const y = node.outputs[0];
    const axis = normalizeAxis('softmax', node.attrs.axis as number, y.type.shape.length, y.type);
    const dot = b.op('sum', [b.op('mul', [g, y])], { axes: [axis], keepdims: true });
    return [b.op('mul', [y, b.op('sub', [g, dot])])];
  },
  reference([x], attrs) {
    return [softmaxReference(x, normalizeAxis('softmax', attrs.axis as number, x.type.shape.length, x.type), false)];
  },
  kernel(node, ctx) {
    const t = node.inputs[0].type;
    const axis = normalizeAxis('softmax', node.attrs.axis as number, t.shape.length, t);
    return [emitSoftmaxKernel(`softmax_${t.shape.join('x')}_axis${axis}`, t.shape, axis, false, ctx.family)];
  },
});

defineOp({
  name: 'log_softmax',
  kind: 'reduction',
  doc: 'x - max - log Σ exp(x - max) along an axis: `%1: f32[4,10] = log_softmax %0 [axis=-1]`',
  arity: 1,
  attrs: axisAttr,
  infer(inputs, attrs) {
    requireDtypes('log_softmax', inputs, ['f32']);
    normalizeAxis('log_softmax', attrs.axis as number, inputs[0].shape.length, inputs[0]);
    return [inputs[0]];
  },
  // dx = g - softmax · Σ g, with softmax = exp(y)
  grad(b, node, [g]) {
    if (!g) return [null];
    const y = node.outputs[0];
    const axis = normalizeAxis('log_softmax', node.attrs.axis as number, y.type.shape.length, y.type);
    const total = b.op('sum', [g], { axes: [axis], keepdims: true });
    return [b.op('sub', [g, b.op('mul', [b.op('exp', [y]), total])])];
  },
  reference([x], attrs) {
    return [softmaxReference(x, normalizeAxis('log_softmax', attrs.axis as number, x.type.shape.length, x.type), true)];
  },
  kernel(node, ctx) {
    const t = node.inputs[0].type;
    const axis = normalizeAxis('log_softmax', node.attrs.axis as number, t.shape.length, t);
    return [emitSoftmaxKernel(`log_softmax_${t.shape.join('x')}_axis${axis}`, t.shape, axis, true, ctx.family)];
  },
});
