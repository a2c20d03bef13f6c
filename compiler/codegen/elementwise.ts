// Kernels for elementwise nodes, built from each op's `wgsl` expression: one
// invocation per output element, operands read through numpy broadcasting with the
// shapes baked in as constants. A kernel evaluates a group of nodes (one node, or a
// fused group): the group's inner values stay in registers as `let`s. A `slice` in
// a group is the way it loads an input (slice-load.ts).
import type { Node, Value } from '../ir/types';
import { numel, sameShape } from '../ir/types';
import { stridesOf } from '../ops/broadcast';
import { getOp } from '../ops/registry';
import type { KernelSpec } from './kernel-spec';
import { bindingDecl, flatMain, flatWorkgroups, loadExpr, storeExpr } from './wgsl/buffers';
import { emitElementwiseVec4, vec4Eligible } from './elementwise-vec4';
import { isSliceLoad, sliceLoadIndex, sliceLoadsVec4, sliceOnlyInputs } from './slice-load';

/**
 * The WGSL expression of the flat index into a tensor of shape `from` read at
 * output element `i` (a WGSL name or parenthesised expression) of shape `to`
 * (right-aligned broadcasting; stride 0 along stretched or added axes).
 */
export function broadcastIndex(from: readonly number[], to: readonly number[], i = 'i'): string {
  if (numel(from) === 1) return '0u';
  const same = from.length === to.length && from.every((d, k) => d === to[k]);
  if (same) return i;
  const toStrides = stridesOf(to);
  const fromStrides = stridesOf(from);
  const offset = to.length - from.length;
  const terms: string[] = [];
  for (let k = 0; k < from.length; k++) {
    if (from[k] === 1) continue;
    const axis = k + offset;
    // Coordinate along `axis` of output element i.
    let coord = toStrides[axis] === 1 ? i : `(${i} / ${toStrides[axis]}u)`;
    if (axis > 0) coord = `(${coord} % ${to[axis]}u)`;
    terms.push(fromStrides[k] === 1 ? coord : `${coord} * ${fromStrides[k]}u`);
  }
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/**
 * Outputs written in place over an input (output index → input index): that input
 * has no binding of its own and is read from the output's read_write array at the
 * element being written, before the store. Each element is read and written by one
 * invocation only, so this is safe wherever the input has the output's shape.
 */
export type InPlaceOutputs = ReadonlyMap<number, number>;

/** Binding numbers of the inputs that keep a binding (those not overwritten in place), and the first output binding. */
export function inputBindings(
  inputs: readonly Value[],
  outputs: readonly Value[],
  inPlace: InPlaceOutputs,
): { binding: (number | undefined)[]; firstOutput: number } {
  const over = new Set(inPlace.values());
  for (const [j, k] of inPlace) {
    const input = inputs[k];
    const output = outputs[j];
    if (
      !input ||
      !output ||
      input.type.dtype !== output.type.dtype ||
      !sameShape(input.type.shape, outputs[0].type.shape) ||
      !sameShape(output.type.shape, outputs[0].type.shape)
    ) {
      throw new Error(
        `output ${j} cannot be written in place over input ${k}: both must have the kernel's shape and one dtype`,
      );
    }
  }
  let next = 0;
  const binding = inputs.map((_, k) => (over.has(k) ? undefined : next++));
  return { binding, firstOutput: next };
}

/**
 * One kernel for a group of elementwise nodes listed in dependency order: the
 * group's inputs are values produced outside it, its outputs the values used
 * outside it (`outputs`). All nodes share the output shape.
 */
export function emitElementwiseKernel(
  group: readonly Node[],
  inputs: readonly Value[],
  outputs: readonly Value[],
  name?: string,
  inPlace: InPlaceOutputs = new Map(),
): KernelSpec {
  const shape = outputs[0].type.shape;
  const ops = group.map((node) => node.op).join('_');
  const baseName = name ?? `${group.length > 1 ? 'fused_' : ''}${ops}`;
  // Rows of a multiple of 4 elements: 4 per invocation with vec4 loads and stores.
  if (vec4Eligible(shape) && group.filter(isSliceLoad).every(sliceLoadsVec4))
    return emitElementwiseVec4(group, inputs, outputs, baseName, inPlace);
  const n = numel(shape);
  const decls: string[] = [];
  const names = new Map<number, string>();
  const lines: string[] = [];
  const { binding, firstOutput } = inputBindings(inputs, outputs, inPlace);
  const sourceOf = new Map([...inPlace].map(([j, k]) => [k, `out${j}`]));
  const sliced = sliceOnlyInputs(group, inputs);
  inputs.forEach((v, k) => {
    const b = binding[k];
    if (b !== undefined) decls.push(bindingDecl(b, `in${k}`, v.type.dtype, 'read'));
    if (sliced.has(v)) return;
    names.set(v.id, `a${k}`);
    const source = sourceOf.get(k);
    lines.push(
      `  let a${k} = ${loadExpr(source ?? `in${k}`, source ? 'i' : broadcastIndex(v.type.shape, shape), v.type.dtype)};`,
    );
  });
  outputs.forEach((v, k) => decls.push(bindingDecl(firstOutput + k, `out${k}`, v.type.dtype, 'read_write')));
  for (const node of group) {
    if (isSliceLoad(node)) {
      const out = node.outputs[0];
      names.set(out.id, `v${out.id}`);
      lines.push(
        `  let v${out.id} = ${loadExpr(`in${slicedInput(node, inputs)}`, sliceLoadIndex(node, shape), out.type.dtype)};`,
      );
      continue;
    }
    const def = getOp(node.op);
    if (!def.wgsl) throw new Error(`op '${node.op}' has no wgsl expression`);
    const args = node.inputs.map((v) => {
      const name = names.get(v.id);
      if (name === undefined) throw new Error(`elementwise group reads %${v.id}, which it neither loads nor computes`);
      return name;
    });
    const expr = def.wgsl(
      args,
      node.attrs,
      node.inputs.map((v) => v.type),
    );
    const out = node.outputs[0];
    names.set(out.id, `v${out.id}`);
    lines.push(`  let v${out.id} = ${expr};`);
  }
  outputs.forEach((v, k) => {
    const name = names.get(v.id);
    if (name === undefined) throw new Error(`elementwise group does not compute its output %${v.id}`);
    lines.push(`  out${k}[i] = ${storeExpr(name, v.type.dtype)};`);
  });
  return {
    name: `${baseName}_${shape.join('x') || 'scalar'}`,
    wgsl: `${decls.join('\n')}\n\n${flatMain(n, lines.join('\n'))}\n`,
    workgroups: flatWorkgroups(n),
  };
}

/** The index of the group input a slice load reads (it must be one: a group never slices its own values). */
export function slicedInput(node: Node, inputs: readonly Value[]): number {
  const k = inputs.indexOf(node.inputs[0]);
  if (k < 0)
    throw new Error(`slice %${node.id} in an elementwise group reads %${node.inputs[0].id}, which is no input of it`);
  return k;
}
