// Small helpers for the op tests: build reference tensors and run one op.
import type { Attrs, DType } from '../../../compiler/ir/types';
import '../../../compiler/ops/index';
import type { RefContext, Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';

export function tensor(dtype: DType, shape: number[], values: number[]): Tensor {
  return { type: { dtype, shape }, data: Float64Array.from(values) };
}

export const f32 = (shape: number[], values: number[]): Tensor => tensor('f32', shape, values);
export const i32 = (shape: number[], values: number[]): Tensor => tensor('i32', shape, values);

export function run(op: string, inputs: Tensor[], attrs: Attrs = {}, ctx: RefContext = { seed: 1, step: 0 }): Tensor[] {
  return getOp(op).reference(inputs, attrs, ctx);
}

/** The single output's values as a plain array. */
export function run1(op: string, inputs: Tensor[], attrs: Attrs = {}, ctx?: RefContext): number[] {
  return [...run(op, inputs, attrs, ctx)[0].data];
}

export function infer(op: string, inputs: { dtype: DType; shape: number[] }[], attrs: Attrs = {}) {
  return getOp(op).infer(inputs, attrs);
}
