// Row-wise losses in one kernel per row: cross_entropy (log Σ exp of the row minus
// the labelled logit: a max tree, a sum tree, one read) and ranking_hinge (the
// labelled score, then one sum tree). An out-of-range label gives NaN.
import type { DType } from '../../ir/types';
import { wgslLiteral } from '../../ops/broadcast';
import type { KernelSpec } from '../kernel-spec';
import { emitRowKernel, rowLayout, type KernelFamily } from './reduce';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';

/** WGSL NaN made from the runtime row index (a NaN constant expression is rejected). */
const RUNTIME_NAN = 'bitcast<f32>(0x7fc00000u + (o & 0u))';

function labelOf(dtype: DType): string {
  return dtype === 'i32' ? 'labels[o]' : 'i32(labels[o])';
}

/** A row kernel over the last axis of x with one label per row: y[o] = the loss `body` computes for row o. */
function labelledRowKernel(
  op: string,
  shape: readonly number[],
  labelDtype: DType,
  body: string,
  family: KernelFamily,
): KernelSpec {
  return emitRowKernel({
    name: `${op}_${tag(shape)}`,
    layout: rowLayout(shape, [shape.length - 1]),
    inputs: [
      { name: 'x', dtype: 'f32' },
      { name: 'labels', dtype: labelDtype },
    ],
    outputs: [{ name: 'y', dtype: 'f32' }],
    body,
    family,
  });
}

export function emitCrossEntropyKernel(
  shape: readonly number[],
  labelDtype: DType,
  family: KernelFamily = 'shared',
): KernelSpec {
  const body = `  let label = ${labelOf(labelDtype)};
  var m_acc = x[row_base(o)];
  for (var r = lid; r < LEN; r = r + WG) { m_acc = max_nan(m_acc, x[row_base(o) + r]); }
  let m = tree_max(lid, m_acc);
  var acc = 0.0;
  for (var r = lid; r < LEN; r = r + WG) { acc = acc + exp(x[row_base(o) + r] - m); }
  let total = tree_sum(lid, acc);
  if (lid == 0u) {
    let valid = label >= 0i && label < i32(LEN);
    let picked = x[row_base(o) + u32(clamp(label, 0i, i32(LEN) - 1i))];
    // An infinite maximum makes m + log(total) the maximum itself.
    let inf_m = (bitcast<u32>(m) & 0x7fffffffu) == 0x7f800000u;
    let lse = select(m + log(total), m, inf_m);
    y[o] = select(${RUNTIME_NAN}, lse - picked, valid);
  }`;
  return labelledRowKernel('cross_entropy', shape, labelDtype, body, family);
}

export function emitRankingHingeKernel(
  shape: readonly number[],
  labelDtype: DType,
  margin: number,
  family: KernelFamily = 'shared',
): KernelSpec {
  const body = `  let label = ${labelOf(labelDtype)};
  let valid = label >= 0i && label < i32(LEN);
  let sy = x[row_base(o) + u32(clamp(label, 0i, i32(LEN) - 1i))];
  var acc = 0.0;
  for (var r = lid; r < LEN; r = r + WG) {
    acc = acc + select(max(${wgslLiteral(margin, 'f32')} - sy + x[row_base(o) + r], 0.0), 0.0, i32(r) == label);
  }
  let total = tree_sum(lid, acc);
  if (lid == 0u) { y[o] = select(${RUNTIME_NAN}, total, valid); }`;
  return labelledRowKernel('ranking_hinge', shape, labelDtype, body, family);
}
