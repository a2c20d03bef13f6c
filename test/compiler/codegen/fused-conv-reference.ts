// Float64 references for the fused conv kernels, composed from the registry ops'
// `reference` (conv2d → add bias → activation → pooling), and the comparison in
// float32 tolerance used by the fused-conv tests.
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import type { Attrs, TensorType } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import '../../../compiler/ops/index';
import type { Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';
import { rng } from '../../helpers/gradcheck';

export const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

/** Seeded values in [-1, 1). */
export function randomTensor(type: TensorType, seed: number): Tensor {
  const r = rng(seed);
  return { type, data: Float64Array.from({ length: numel(type.shape) }, () => 2 * r() - 1) };
}

/** One registry op's reference on normalized attributes. */
export function ref(op: string, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor[] {
  return getOp(op).reference(inputs, normalizeAttrs(getOp(op), attrs), { seed: 1, step: 0 });
}

export function reshape(t: Tensor, shape: number[]): Tensor {
  return { type: { dtype: t.type.dtype, shape }, data: t.data };
}

/** conv2d → (+ bias as [O,1,1]) → activation, in float64. */
export function convBiasAct(x: Tensor, w: Tensor, bias: Tensor | null, act: string | null, conv: Attrs): Tensor {
  let y = ref('conv2d', [x, w], conv)[0];
  if (bias) y = ref('add', [y, reshape(bias, [bias.data.length, 1, 1])])[0];
  if (act) y = ref(act, [y])[0];
  return y;
}

/** Throws naming the first element of `got` farther than tol·max|want| from `want`. */
export function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-4): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  let scale = 1;
  for (let e = 0; e < want.length; e++) scale = Math.max(scale, Math.abs(want[e]));
  for (let e = 0; e < want.length; e++) {
    if (!(Math.abs(got[e] - want[e]) <= tol * scale))
      throw new Error(`${what} element ${e}: kernel ${got[e]}, reference ${want[e]}`);
  }
}
