// softmax and log_softmax along one axis: one workgroup per row, in one kernel —
// a tree for the row's maximum, a tree for Σ exp(x - max), then the row is written.
import type { KernelSpec } from '../kernel-spec';
import { emitRowKernel, rowLayout, type KernelFamily } from './reduce';

export function emitSoftmaxKernel(
  name: string,
  shape: readonly number[],
  axis: number,
  log: boolean,
  family: KernelFamily = 'shared',
): KernelSpec {
  const at = 'row_base(o) + row_off(r)';
  const write = log ? `x[${at}] - m - log(total)` : `exp(x[${at}] - m) / total`;
  const body = `  var m_acc = x[row_base(o)];
  for (var r = lid; r < LEN; r = r + WG) { m_acc = max_nan(m_acc, x[${at}]); }
  let m = tree_max(lid, m_acc);
  var acc = 0.0;
  for (var r = lid; r < LEN; r = r + WG) { acc = acc + exp(x[${at}] - m); }
  let total = tree_sum(lid, acc);
  for (var r = lid; r < LEN; r = r + WG) { y[${at}] = ${write}; }`;
  return emitRowKernel({
    name,
    layout: rowLayout(shape, [axis]),
    inputs: [{ name: 'x', dtype: 'f32' }],
    outputs: [{ name: 'y', dtype: 'f32' }],
    body,
    family,
  });
}
