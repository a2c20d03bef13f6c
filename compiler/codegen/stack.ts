// The kernel that writes one emitted value of a scan iteration into its stacked
// output at index t along `axis`, where t is read from the loop's counter buffer.
// (When the stacking axis is outermost the write is a plain buffer copy instead.)
import type { TensorType } from '../ir/types';
import { numel } from '../ir/types';
import type { KernelSpec } from './kernel-spec';
import { bindingDecl, storageType } from './wgsl/buffers';
import { flatKernelSpec } from './wgsl/flat-kernel';

/** Elements before and after the stacking axis of one emitted value. */
export function stackExtent(emit: TensorType, axis: number): { outer: number; inner: number } {
  return { outer: numel(emit.shape.slice(0, axis)), inner: numel(emit.shape.slice(axis)) };
}

export function emitStackKernel(emit: TensorType, axis: number, count: number): KernelSpec {
  const n = numel(emit.shape);
  const { inner } = stackExtent(emit, axis);
  const body = [
    `  let t = u32(counter[0]);`,
    `  let outer = i / ${inner}u;`,
    `  let within = i % ${inner}u;`,
    `  stacked[(outer * ${count}u + t) * ${inner}u + within] = emitted[i];`,
  ].join('\n');
  const decls = [
    bindingDecl(0, 'emitted', emit.dtype, 'read'),
    bindingDecl(1, 'counter', 'i32', 'read'),
    bindingDecl(2, 'stacked', emit.dtype, 'read_write'),
  ];
  return flatKernelSpec(`stack_${emit.shape.join('x') || 'scalar'}_axis${axis}_of${count}`, decls, n, body);
}

/** The kernel of `stack_get`: step t (read from the index buffer) of a stack, the axis removed. */
export function emitStackGetKernel(stack: TensorType, axis: number): KernelSpec {
  const size = stack.shape[axis];
  const inner = numel(stack.shape.slice(axis + 1));
  const n = numel(stack.shape) / size;
  const body = [
    `  let t = u32(index[0]);`,
    `  stacked_out[i] = stacked[((i / ${inner}u) * ${size}u + t) * ${inner}u + i % ${inner}u];`,
  ].join('\n');
  const decls = [
    bindingDecl(0, 'stacked', stack.dtype, 'read'),
    bindingDecl(1, 'index', 'i32', 'read'),
    bindingDecl(2, 'stacked_out', stack.dtype, 'read_write'),
  ];
  return flatKernelSpec(`stack_get_${stack.shape.join('x')}_axis${axis}`, decls, n, body);
}

/** The kernel of `stack_put`: a zero stack of `size` steps holding x at step t. */
export function emitStackPutKernel(x: TensorType, axis: number, size: number): KernelSpec {
  const inner = numel(x.shape.slice(axis));
  const n = numel(x.shape) * size;
  const body = [
    `  let t = u32(index[0]);`,
    `  let within = i % ${inner}u;`,
    `  let step = (i / ${inner}u) % ${size}u;`,
    `  let outer = i / (${inner}u * ${size}u);`,
    `  stacked[i] = select(${storageType(x.dtype)}(0), x[outer * ${inner}u + within], step == t);`,
  ].join('\n');
  const decls = [
    bindingDecl(0, 'x', x.dtype, 'read'),
    bindingDecl(1, 'index', 'i32', 'read'),
    bindingDecl(2, 'stacked', x.dtype, 'read_write'),
  ];
  return flatKernelSpec(`stack_put_${x.shape.join('x') || 'scalar'}_axis${axis}_of${size}`, decls, n, body);
}
