// WGSL declarations shared by every generated kernel: storage bindings in the
// registry's convention (inputs read-only, then outputs read_write, then scalars),
// element loads that turn stored u32 into `bool`, and the flat invocation index.
import type { DType } from '../../ir/types';

/** Storage element type: bool is stored as u32. */
export function storageType(dtype: DType): string {
  return dtype === 'bool' ? 'u32' : dtype;
}

export function bindingDecl(binding: number, name: string, dtype: DType, access: 'read' | 'read_write'): string {
  return storageDecl(binding, name, storageType(dtype), access);
}

/** A storage binding of WGSL elements `element` (`f32`, `vec4<f32>`): bindingDecl for vector layouts. */
export function storageDecl(
  binding: number | string,
  name: string,
  element: string,
  access: 'read' | 'read_write',
): string {
  return `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${element}>;`;
}

/** An expression of the value's expression type from a stored element. */
export function loadExpr(buffer: string, index: string, dtype: DType): string {
  const element = `${buffer}[${index}]`;
  return dtype === 'bool' ? `(${element} != 0u)` : element;
}

/** A stored element from an expression of the value's expression type. */
export function storeExpr(expr: string, dtype: DType): string {
  return dtype === 'bool' ? `select(0u, 1u, ${expr})` : expr;
}

/** Threads per workgroup of the flat (one element per invocation) kernels. */
export const FLAT_WORKGROUP = 64;
/** Workgroups per row of the dispatch grid; larger counts spill into y (the per-dimension limit is 65535). */
const MAX_GROUPS_X = 32768;

/** A 2-D dispatch covering `n` invocations of FLAT_WORKGROUP threads. */
export function flatWorkgroups(n: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / FLAT_WORKGROUP));
  if (groups <= MAX_GROUPS_X) return [groups, 1, 1];
  return [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X), 1];
}

/** The kernel entry point header of a flat kernel; the body sees `i`, the flat element index. */
export function flatMain(n: number, body: string): string {
  return [
    `@compute @workgroup_size(${FLAT_WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
    `  let i = gid.x + gid.y * nwg.x * ${FLAT_WORKGROUP}u;`,
    `  if (i >= ${n}u) { return; }`,
    body,
    '}',
  ].join('\n');
}
