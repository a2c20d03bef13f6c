// constant: a tensor filled with one value. It is an elementwise op with no inputs,
// so fusion folds it into its consumers as a WGSL literal.
import type { Attrs, DType, TensorType } from '../ir/types';
import { DTYPES, numel } from '../ir/types';
import { wgslLiteral, wrapTo } from './broadcast';
import { defineOp, ShapeError } from './registry';

/**
 * WGSL rejects non-finite constant expressions, and an expression has no runtime
 * value to build one from, so ±inf compile to ±FLT_MAX (which behaves the same under
 * max, min, exp and comparisons with finite values) and NaN cannot be compiled.
 */
function constantWgsl(value: number, dtype: DType): string {
  if (dtype !== 'f32' || Number.isFinite(value)) return wgslLiteral(value, dtype);
  if (Number.isNaN(value)) throw new Error('constant: a NaN constant cannot be compiled to WGSL');
  return value > 0 ? 'f32(3.4028234663852886e38)' : 'f32(-3.4028234663852886e38)';
}

/** The type a source op (constant, literal) declares in its dtype and shape attrs, checked. */
export function declaredType(op: string, attrs: Attrs): TensorType {
  const dtype = attrs.dtype as DType;
  if (!DTYPES.includes(dtype)) throw new ShapeError(`${op}: unknown dtype '${String(attrs.dtype)}'`);
  const shape = attrs.shape as number[];
  if (shape.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ShapeError(`${op}: invalid shape [${shape.join(',')}]`);
  return { dtype, shape: [...shape] };
}

defineOp({
  name: 'constant',
  kind: 'elementwise',
  doc: 'A tensor filled with one value: `%0: f32[4,3] = constant [dtype=f32, shape=[4,3], value=0.5]`',
  arity: 0,
  attrs: {
    value: { type: 'float', doc: 'the fill value (converted to dtype)' },
    dtype: { type: 'string', doc: 'f32, i32, u32 or bool' },
    shape: { type: 'ints', doc: 'the shape; [] for a scalar' },
  },
  infer: (_inputs, attrs) => [declaredType('constant', attrs)],
  reference(_inputs, attrs) {
    const dtype = attrs.dtype as DType;
    const shape = attrs.shape as number[];
    const value = dtype === 'f32' ? (attrs.value as number) : wrapTo(dtype, Math.trunc(attrs.value as number));
    return [{ type: { dtype, shape: [...shape] }, data: new Float64Array(numel(shape)).fill(value) }];
  },
  wgsl: (_args, attrs) => constantWgsl(attrs.value as number, attrs.dtype as DType),
});
