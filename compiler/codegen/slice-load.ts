// A `slice` inside a fused elementwise group: not a kernel of its own but the way
// the group loads one of its inputs. Output element i of the group (the slice's
// output shape) reads its input at
//   Σ_k (starts[k] + strides[k] · coord_k(i)) · inStride[k]
// so an LSTM cell's four gate slices of one [batch, 4·hidden] pre-activation are read
// in place by the kernels that use them (compiler/passes/fuse-elementwise.ts).
import type { Node, Value } from '../ir/types';
import { sameShape } from '../ir/types';
import { stridesOf } from '../ops/broadcast';
import { isSliceLoad } from '../ops/fusion-rules';

export { isSliceLoad };

/** The WGSL flat index into the slice's input read for output element `i` of a group of the slice's output shape. */
export function sliceLoadIndex(node: Node, shape: readonly number[]): string {
  const out = node.outputs[0].type.shape;
  if (!sameShape(out, shape))
    throw new Error(`slice %${node.id} of shape [${out.join(',')}] in a group of [${shape.join(',')}]`);
  const x = node.inputs[0].type.shape;
  const starts = node.attrs.starts as number[];
  const strides = (node.attrs.strides as number[] | undefined) ?? [];
  const inStrides = stridesOf(x);
  const outStrides = stridesOf(out);
  const base = starts.reduce((s, st, k) => s + st * inStrides[k], 0);
  const terms = base === 0 ? [] : [`${base}u`];
  out.forEach((d, k) => {
    if (d === 1) return;
    let coord = outStrides[k] === 1 ? 'i' : `(i / ${outStrides[k]}u)`;
    if (k > 0) coord = `(${coord} % ${d}u)`;
    const step = (strides[k] ?? 1) * inStrides[k];
    terms.push(step === 1 ? coord : `${coord} * ${step}u`);
  });
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/**
 * Whether 4 consecutive output elements starting at a multiple of 4 are 4 aligned
 * consecutive input elements: unit stride on the last axis, which starts at a
 * multiple of 4 in an input whose rows are a multiple of 4 long.
 */
export function sliceLoadsVec4(node: Node): boolean {
  const x = node.inputs[0].type.shape;
  const last = x.length - 1;
  const starts = node.attrs.starts as number[];
  const strides = (node.attrs.strides as number[] | undefined) ?? [];
  return last >= 0 && (strides[last] ?? 1) === 1 && starts[last] % 4 === 0 && x[last] % 4 === 0;
}

/** The group inputs read only through slice loads (they are not loaded at the element index). */
export function sliceOnlyInputs(group: readonly Node[], inputs: readonly Value[]): Set<Value> {
  const direct = new Set(group.filter((n) => !isSliceLoad(n)).flatMap((n) => n.inputs));
  return new Set(inputs.filter((v) => !direct.has(v) && group.some((n) => isSliceLoad(n) && n.inputs[0] === v)));
}
