// top_k along the last axis: one invocation per input element counts the elements
// of its row that come before it in the order (rank), and, when the rank is below
// k, writes itself and its index to that slot. The order is total — larger first
// (smaller with largest=false), NaN as the largest value, ties to the lower index —
// so the ranks of a row are 0..n-1 exactly once and no two invocations write one slot.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';

/** `before(a, ia, b, ib)`: whether element a (at ia) sorts before b (at ib). */
function beforeFn(dtype: DType, largest: boolean): string {
  const t = dtype;
  const cmp = largest ? 'a > b' : 'a < b';
  if (dtype !== 'f32') {
    return `fn before(a: ${t}, ia: u32, b: ${t}, ib: u32) -> bool {
  if (a == b) { return ia < ib; }
  return ${cmp};
}`;
  }
  return `fn is_nan(x: f32) -> bool { return x != x; }
fn before(a: f32, ia: u32, b: f32, ib: u32) -> bool {
  if (is_nan(a) != is_nan(b)) { return ${largest ? 'is_nan(a)' : 'is_nan(b)'}; }
  if (is_nan(a) || a == b) { return ia < ib; }
  return ${cmp};
}`;
}

export function emitTopKKernel(dtype: DType, shape: readonly number[], k: number, largest: boolean): KernelSpec {
  const n = shape[shape.length - 1];
  const total = numel(shape);
  const decls = [
    bindingDecl(0, 'x0', dtype, 'read'),
    bindingDecl(1, 'y0', dtype, 'read_write'),
    bindingDecl(2, 'y1', 'i32', 'read_write'),
  ];
  const body = `  let row = i / ${n}u;
  let j = i % ${n}u;
  let base = row * ${n}u;
  let v = x0[i];
  var rank = 0u;
  for (var m = 0u; m < ${n}u; m = m + 1u) {
    if (before(x0[base + m], m, v, j)) { rank = rank + 1u; }
  }
  if (rank < ${k}u) {
    y0[row * ${k}u + rank] = v;
    y1[row * ${k}u + rank] = i32(j);
  }`;
  const name = `top_k_${shape.join('x')}_k${k}${largest ? '' : '_smallest'}`;
  return {
    name,
    wgsl: `${decls.join('\n')}\n\n${beforeFn(dtype, largest)}\n\n${flatMain(total, body)}\n`,
    workgroups: flatWorkgroups(total),
  };
}
