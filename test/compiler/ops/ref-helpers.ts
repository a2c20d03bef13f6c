// Small helpers for the op tests: build reference tensors and run one op, with
// its attributes completed by their defaults as the IR builder does.
import type { Attrs, DType, TensorType } from '../../../compiler/ir/types';
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import '../../../compiler/ops/index';
import type { RefContext, Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';

export function tensor(dtype: DType, shape: number[], values: number[]): Tensor {
  return { type: { dtype, shape }, data: Float64Array.from(values) };
}

export const f32 = (shape: number[], values: number[]): Tensor => tensor('f32', shape, values);
export const i32 = (shape: number[], values: number[]): Tensor => tensor('i32', shape, values);

export function run(op: string, inputs: Tensor[], attrs: Attrs = {}, ctx: RefContext = { seed: 1, step: 0 }): Tensor[] {
  const def = getOp(op);
  return def.reference(inputs, normalizeAttrs(def, attrs), ctx);
}

/** The single output's values as a plain array. */
export function run1(op: string, inputs: Tensor[], attrs: Attrs = {}, ctx?: RefContext): number[] {
  return [...run(op, inputs, attrs, ctx)[0].data];
}

export function infer(op: string, inputs: readonly TensorType[], attrs: Attrs = {}): TensorType[] {
  const def = getOp(op);
  return def.infer(inputs, normalizeAttrs(def, attrs));
}
