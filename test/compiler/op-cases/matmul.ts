// matmul cases for the table-driven op suites: every transpose variant, batched
// with broadcasting, and a degenerate 1×1×1.
import type { TensorType } from '../../../compiler/ir/types';
import type { OpCase } from '../../helpers/op-case';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

/** (M×K)·(K×N) with each operand stored as its transpose flag says. */
function mm(
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  batchA: number[] = [],
  batchB: number[] = [],
): OpCase {
  return {
    op: 'matmul',
    inputs: [f32(...batchA, ...(ta ? [k, m] : [m, k])), f32(...batchB, ...(tb ? [n, k] : [k, n]))],
    attrs: { transpose_a: ta, transpose_b: tb },
  };
}

export const cases: readonly OpCase[] = [
  mm(1, 1, 1, false, false),
  mm(3, 4, 2, false, false),
  mm(3, 4, 2, true, false),
  mm(3, 4, 2, false, true),
  mm(3, 4, 2, true, true),
  mm(5, 3, 4, false, false, [2], [2]),
  { ...mm(2, 3, 4, false, false, [2, 3], []), label: 'batch dims of A broadcast over B' },
  { ...mm(3, 2, 3, true, true, [3, 1], [2]), label: 'both batches broadcast' },
];

export default cases;
