// How scan stacks per-step values: an emit of rank ≥ 1 is stacked along axis 1
// (batch-first: [batch, T, ...]), a scalar emit along axis 0 ([T]).
import type { TensorType } from './types';

/** The axis along which a per-step value of this type is stacked by scan. */
export function stackAxis(t: TensorType): number {
  return t.shape.length >= 1 ? 1 : 0;
}

/** The type of `steps` values of type `t` stacked by scan. */
export function stackedType(t: TensorType, steps: number): TensorType {
  const shape = [...t.shape];
  shape.splice(stackAxis(t), 0, steps);
  return { dtype: t.dtype, shape };
}
