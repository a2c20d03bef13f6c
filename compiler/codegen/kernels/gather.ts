// Indexing kernels, one invocation per output element. gather and take_along_axis
// read one element each (out-of-range indices read zero); scatter_add is
// deterministic: each target element loops over the indices in order and adds the
// updates aimed at it, so no atomics and the same sum order as the reference.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import type { KernelSpec } from '../../ops/registry';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';
const zeroOf = (d: DType): string => (d === 'f32' ? '0.0' : d === 'i32' ? '0i' : '0u');
const asI32 = (d: DType, e: string): string => (d === 'i32' ? e : `i32(${e})`);

function kernel(name: string, decls: string[], n: number, body: string): KernelSpec {
  return { name, wgsl: `${decls.join('\n')}\n\n${flatMain(n, body)}\n`, workgroups: flatWorkgroups(n) };
}

/** out[pre, j, post] = table[pre, ids[j], post] over the flattened ids. */
export function emitGatherKernel(table: { dtype: DType; shape: readonly number[] }, ids: { dtype: DType; shape: readonly number[] }, axis: number): KernelSpec {
  const v = table.shape[axis];
  const post = numel(table.shape.slice(axis + 1));
  const j = numel(ids.shape);
  const n = numel(table.shape.slice(0, axis)) * j * post;
  const body = `  let pre = i / ${j * post}u;
  let j = (i / ${post}u) % ${j}u;
  let p = i % ${post}u;
  let id = ${asI32(ids.dtype, 'ids[j]')};
  let valid = id >= 0i && id < ${v}i;
  let src = pre * ${v * post}u + u32(clamp(id, 0i, ${v - 1}i)) * ${post}u + p;
  y[i] = select(${zeroOf(table.dtype)}, table[src], valid);`;
  return kernel(
    `gather_${tag(table.shape)}_ids${tag(ids.shape)}_axis${axis}`,
    [bindingDecl(0, 'table', table.dtype, 'read'), bindingDecl(1, 'ids', ids.dtype, 'read'), bindingDecl(2, 'y', table.dtype, 'read_write')],
    n,
    body,
  );
}

/** out = target; out[pre, ids[j], post] += updates[pre, j, post], summed in increasing j. */
export function emitScatterAddKernel(target: { dtype: DType; shape: readonly number[] }, ids: { dtype: DType; shape: readonly number[] }, axis: number): KernelSpec {
  const v = target.shape[axis];
  const post = numel(target.shape.slice(axis + 1));
  const j = numel(ids.shape);
  const n = numel(target.shape);
  const body = `  let pre = i / ${v * post}u;
  let row = i32((i / ${post}u) % ${v}u);
  let p = i % ${post}u;
  var acc = dest[i];
  for (var j = 0u; j < ${j}u; j = j + 1u) {
    if (${asI32(ids.dtype, 'ids[j]')} == row) { acc = acc + updates[pre * ${j * post}u + j * ${post}u + p]; }
  }
  y[i] = acc;`;
  return kernel(
    `scatter_add_${tag(target.shape)}_ids${tag(ids.shape)}_axis${axis}`,
    [
      bindingDecl(0, 'dest', target.dtype, 'read'),
      bindingDecl(1, 'ids', ids.dtype, 'read'),
      bindingDecl(2, 'updates', target.dtype, 'read'),
      bindingDecl(3, 'y', target.dtype, 'read_write'),
    ],
    n,
    body,
  );
}

/** out[pre, post] = x[pre, idx[pre, post], post]. */
export function emitTakeAlongAxisKernel(x: { dtype: DType; shape: readonly number[] }, idx: { dtype: DType; shape: readonly number[] }, axis: number): KernelSpec {
  const k = x.shape[axis];
  const post = numel(x.shape.slice(axis + 1));
  const n = numel(idx.shape);
  const body = `  let pre = i / ${post}u;
  let p = i % ${post}u;
  let id = ${asI32(idx.dtype, 'idx[i]')};
  let valid = id >= 0i && id < ${k}i;
  y[i] = select(${zeroOf(x.dtype)}, x[pre * ${k * post}u + u32(clamp(id, 0i, ${k - 1}i)) * ${post}u + p], valid);`;
  return kernel(
    `take_along_axis_${tag(x.shape)}_axis${axis}`,
    [bindingDecl(0, 'x', x.dtype, 'read'), bindingDecl(1, 'idx', idx.dtype, 'read'), bindingDecl(2, 'y', x.dtype, 'read_write')],
    n,
    body,
  );
}
