// literal: a tensor whose every element is known at compile time — a tensor literal
// written in the source (`[[1, 0], [0, 1]]`), or what constant folding made of an
// expression over constants (`arange(n) % 2`, `eye(n) * 0.5`). It runs no kernel: the
// code generator uploads its elements once into a constant buffer (generate-plan.ts).
import type { DType } from '../ir/types';
import { numel } from '../ir/types';
import { wrapTo } from './broadcast';
import { declaredType } from './constant';
import { defineOp, ShapeError } from './registry';

defineOp({
  name: 'literal',
  kind: 'movement',
  doc: 'A tensor given element by element (row-major): `%0: f32[2,2] = literal [data=[1,0,0,1], dtype=f32, shape=[2,2]]`',
  arity: 0,
  attrs: {
    data: { type: 'floats', doc: 'the elements in row-major order, already of dtype' },
    dtype: { type: 'string', doc: 'f32, i32, u32 or bool' },
    shape: { type: 'ints', doc: 'the shape; [] for a scalar' },
  },
  infer(_inputs, attrs) {
    const type = declaredType('literal', attrs);
    const shape = type.shape;
    const data = attrs.data as number[];
    if (data.length !== numel(shape)) {
      throw new ShapeError(`literal: ${data.length} elements for shape [${shape.join(',')}]`);
    }
    // A constant buffer is plain data in the plan (JSON), which cannot hold NaN or ±inf.
    if (!data.every(Number.isFinite)) throw new ShapeError('literal: elements must be finite');
    return [type];
  },
  grad: () => [],
  reference(_inputs, attrs) {
    const dtype = attrs.dtype as DType;
    const shape = attrs.shape as number[];
    const data = Float64Array.from(attrs.data as number[], (x) => (dtype === 'f32' ? x : wrapTo(dtype, Math.trunc(x))));
    return [{ type: { dtype, shape: [...shape] }, data }];
  },
  constData: (node) => node.attrs.data as number[],
});
