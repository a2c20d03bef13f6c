// Input tensors for an OpCase: each element from the case's `data` function (or
// 2u - 1) with u from a seeded generator, so every suite sees the same inputs.
import { numel } from '../../../compiler/ir/types';
import type { Tensor } from '../../../compiler/ops/registry';
import { rng } from '../../helpers/gradcheck';
import type { OpCase } from '../../helpers/op-case';

export function caseInputs(c: OpCase, seed = 7): Tensor[] {
  const random = rng(seed);
  return c.inputs.map((type, input) => ({
    type,
    data: Float64Array.from({ length: numel(type.shape) }, (_, index) => {
      const u = random();
      return c.data ? c.data(input, index, u) : 2 * u - 1;
    }),
  }));
}
