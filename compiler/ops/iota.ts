// iota: an i32 tensor whose every element is its own coordinate along one axis
// (`arange(n)` is iota over [n]; `eye(n)` is one_hot of it). It has no inputs, so
// constant folding can precompute it once instead of per step.
import { numel } from '../ir/types';
import { emitIotaKernel } from '../codegen/kernels/shape';
import { makeTensor, normalizeAxis } from './broadcast';
import { defineOp, ShapeError } from './registry';

defineOp({
  name: 'iota',
  kind: 'movement',
  doc: "Each element's coordinate along `axis`, as i32: `%0: i32[2,3] = iota [axis=1, shape=[2,3]]` is [[0,1,2],[0,1,2]]",
  arity: 0,
  attrs: {
    shape: { type: 'ints', doc: 'the shape' },
    axis: { type: 'int', doc: 'the axis whose coordinate each element holds' },
  },
  infer(_inputs, attrs) {
    const shape = attrs.shape as number[];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ShapeError(`iota: invalid shape [${shape.join(',')}]`);
    }
    const type = { dtype: 'i32' as const, shape: [...shape] };
    normalizeAxis('iota', attrs.axis as number, shape.length, type);
    return [type];
  },
  grad: () => [],
  reference(_inputs, attrs) {
    const shape = attrs.shape as number[];
    const axis = normalizeAxis('iota', attrs.axis as number, shape.length, { dtype: 'i32', shape });
    const inner = numel(shape.slice(axis + 1));
    const out = makeTensor({ dtype: 'i32', shape: [...shape] });
    for (let e = 0; e < out.data.length; e++) out.data[e] = Math.floor(e / inner) % shape[axis];
    return [out];
  },
  kernel(node) {
    const shape = node.outputs[0].type.shape;
    const axis = normalizeAxis('iota', node.attrs.axis as number, shape.length, node.outputs[0].type);
    return [emitIotaKernel(shape, axis)];
  },
});
