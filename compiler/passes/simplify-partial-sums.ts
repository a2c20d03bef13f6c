// Simplification rules for sums of tensors that are zero outside one part: the
// gradients of slices (a slice's adjoint pads, a gather's scatters into zeros).
// Backward passes add such partial gradients up one by one; these rules write each
// part where it belongs instead of materialising a zero tensor per part.
//
//   add(a, scatter_add(0, ids, u)) = scatter_add(a, ids, u)   (either operand order)
//     when ids names one index (or the dtype is an integer): every element is either
//     a + 0 = a, or a + (0 + u) = a + u, exact up to the sign of a zero as x + 0 is
//     (see simplify.ts). With repeated ids the scatter would sum its updates first and
//     the rewrite would reassociate f32 additions, so it is not applied there. A scan's
//     backward pass accumulates the gradient of `xs[:, t]` this way, one step at a time.
//
//   add(...add(pad(x1), pad(x2))..., pad(xn)) = concat(x1, ..., xn) along axis k
//     when every pad pads only axis k (no interior padding) and the xi, ordered by
//     their offset, tile the output's axis k exactly (each starts where the previous
//     ends, from 0 to the end): every output element is one xi's element plus zeros,
//     exact up to the sign of a zero. The gradient of splitting a tensor into slices
//     (an LSTM's four gates) is this sum.
import type { Node, Value } from '../ir/types';
import { numel, sameType } from '../ir/types';
import type { NodeChange } from './rewrite';

/** Whether `v` is a constant zero. */
function isZero(v: Value): boolean {
  return v.def?.op === 'constant' && v.def.inputs.length === 0 && v.def.attrs.value === 0;
}

const isInteger = (v: Value): boolean => v.type.dtype === 'i32' || v.type.dtype === 'u32';

/** add(a, scatter_add(0, ids, u)) = scatter_add(a, ids, u) for one index (see above). */
export function accumulateScatter(n: Node, [a, b]: readonly Value[]): NodeChange | undefined {
  for (const [acc, s] of [
    [a, b],
    [b, a],
  ]) {
    const def = s.def;
    if (def?.op !== 'scatter_add' || !isZero(def.inputs[0])) continue;
    if (!sameType(acc.type, n.outputs[0].type) || !sameType(s.type, n.outputs[0].type)) continue;
    const [, ids, updates] = def.inputs;
    if (numel(ids.type.shape) !== 1 && !isInteger(acc)) continue;
    return { op: 'scatter_add', inputs: [acc, ids, updates], attrs: def.attrs };
  }
  return undefined;
}

interface Part {
  readonly value: Value;
  readonly start: number;
  readonly size: number;
}

/** The one axis a pad pads (lo/hi only, no interior), and where its operand lands; undefined otherwise. */
function paddedPart(v: Value): { axis: number; part: Part } | undefined {
  const def = v.def;
  if (def?.op !== 'pad') return undefined;
  const lo = def.attrs.lo as number[];
  const hi = def.attrs.hi as number[];
  const interior = (def.attrs.interior as number[] | undefined) ?? [];
  if (interior.some((i) => i !== 0)) return undefined;
  const padded = lo.flatMap((l, k) => (l !== 0 || hi[k] !== 0 ? [k] : []));
  if (padded.length !== 1) return undefined;
  const axis = padded[0];
  const x = def.inputs[0];
  return { axis, part: { value: x, start: lo[axis], size: x.type.shape[axis] } };
}

/** Most parts one sum is searched for (an LSTM has four, a GRU three). */
const MAX_PARTS = 64;

/** The padded parts an add tree sums, all along one axis; undefined when a leaf is anything else. */
function summedParts(operands: readonly Value[], out: Node): { axis: number; parts: Part[] } | undefined {
  const parts: Part[] = [];
  let axis = -1;
  const stack: Value[] = [...operands].reverse();
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (!sameType(x.type, out.outputs[0].type) || parts.length + stack.length > MAX_PARTS) return undefined;
    if (x.def?.op === 'add') {
      stack.push(x.def.inputs[1], x.def.inputs[0]);
      continue;
    }
    const p = paddedPart(x);
    if (!p || (axis >= 0 && p.axis !== axis)) return undefined;
    axis = p.axis;
    parts.push(p.part);
  }
  return { axis, parts };
}

/** add(...add(pad(x1), pad(x2))..., pad(xn)) = concat(x1, ..., xn) when the parts tile one axis (see above). */
export function concatPaddedParts(n: Node, operands: readonly Value[]): NodeChange | undefined {
  const found = summedParts(operands, n);
  if (!found || found.parts.length < 2) return undefined;
  const { axis } = found;
  const parts = [...found.parts].sort((p, q) => p.start - q.start);
  let end = 0;
  for (const p of parts) {
    if (p.start !== end) return undefined;
    end += p.size;
  }
  if (end !== n.outputs[0].type.shape[axis]) return undefined;
  return { op: 'concat', inputs: parts.map((p) => p.value), attrs: { axis } };
}
