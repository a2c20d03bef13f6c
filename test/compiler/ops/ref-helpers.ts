// Small helpers for the op tests: build reference tensors and run one op, with
// its attributes' defaults filled in as the IR builder does.
import type { Attrs, DType, TensorType } from '../../../compiler/ir/types';
import '../../../compiler/ops/index';
import type { OpDef, RefContext, Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';

/** Fills in declared defaults only, so a shape rule still sees (and reports) a missing required attribute. */
function withDefaults(def: OpDef, attrs: Attrs): Attrs {
  const out: Record<string, Attrs[string]> = { ...attrs };
  for (const [k, spec] of Object.entries(def.attrs ?? {}))
    if (!(k in out) && spec.default !== undefined) out[k] = spec.default;
  return out;
}

export function tensor(dtype: DType, shape: number[], values: number[]): Tensor {
  return { type: { dtype, shape }, data: Float64Array.from(values) };
}

export const f32 = (shape: number[], values: number[]): Tensor => tensor('f32', shape, values);
export const i32 = (shape: number[], values: number[]): Tensor => tensor('i32', shape, values);

export function run(op: string, inputs: Tensor[], attrs: Attrs = {}, ctx: RefContext = { seed: 1, step: 0 }): Tensor[] {
  const def = getOp(op);
  return def.reference(inputs, withDefaults(def, attrs), ctx);
}

/** The single output's values as a plain array. */
export function run1(op: string, inputs: Tensor[], attrs: Attrs = {}, ctx?: RefContext): number[] {
  return [...run(op, inputs, attrs, ctx)[0].data];
}

export function infer(op: string, inputs: readonly TensorType[], attrs: Attrs = {}): TensorType[] {
  const def = getOp(op);
  return def.infer(inputs, withDefaults(def, attrs));
}
