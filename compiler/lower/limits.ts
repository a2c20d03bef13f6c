// The size limit of one tensor, checked for every declared tensor, for every value
// an op produces (a broadcast or an outer product can be far larger than its
// inputs) and, once autodiff has run, for every value of every entry (a loop's
// gradient stacks the carries of all its steps). Checked here, while the spans of
// the user's file are at hand, so `dlc check` and `dlc compile` refuse the same
// files with the same located message.
import type { Span } from '../../dsl/ast';
import type { Graph, TensorType } from '../ir/types';
import { typeToString } from '../ir/types';
import { LowerError } from './errors';

/**
 * Largest byte size of one tensor: WebGPU's default maxStorageBufferBindingSize
 * (128 MiB), which every WebGPU device grants. Every kernel binds whole tensors,
 * and a generated module must run on whatever device loads it (llvmpipe grants
 * exactly this), so no tensor may be larger.
 */
export const MAX_TENSOR_BYTES = 2 ** 27;

/** Bytes per element of every dtype in a buffer (bool is stored as u32). */
const ELEMENT_BYTES = 4n;

/** `256 MiB`, `1.5 GiB`: a byte count at the scale people read. */
export function formatBytes(bytes: bigint): string {
  const scaled = (unit: bigint, name: string): string => {
    const tenths = (bytes * 10n) / unit;
    return `${tenths / 10n}${tenths % 10n === 0n ? '' : `.${tenths % 10n}`} ${name}`;
  };
  if (bytes >= 2n ** 30n) return scaled(2n ** 30n, 'GiB');
  if (bytes >= 2n ** 20n) return scaled(2n ** 20n, 'MiB');
  return `${bytes} bytes`;
}

/**
 * Rejects a tensor of more than MAX_TENSOR_BYTES. `what` names it for the user
 * (`param 'fc1.W'`, `this value`); `hint` says what to do. The product is exact
 * (BigInt), so dimensions whose product overflows a double still say how large.
 */
export function checkSize(
  type: TensorType,
  span: Span,
  what = 'the value of this expression',
  hint = 'use a smaller batch or split the layer',
): void {
  const bytes = type.shape.reduce((a, b) => a * BigInt(b), ELEMENT_BYTES);
  if (bytes <= BigInt(MAX_TENSOR_BYTES)) return;
  throw new LowerError(span, 'tensor-too-large', {
    what,
    type: typeToString(type),
    size: formatBytes(bytes),
    limit: formatBytes(BigInt(MAX_TENSOR_BYTES)),
    hint,
  });
}

/**
 * Every value of `graph` and its loop bodies, against MAX_TENSOR_BYTES. The values
 * the lowering emitted are checked already; this finds those autodiff and the
 * optimizer added (a scan's gradient keeps every step's carries), located at the
 * expression they were derived from, or at `fallback`.
 */
export function checkGraphSizes(graph: Graph, fallback: Span): void {
  for (const node of graph.nodes) {
    for (const o of node.outputs) {
      checkSize(
        o.type,
        node.span ?? fallback,
        'a tensor the gradient of this expression needs',
        'use a smaller batch or fewer steps',
      );
    }
    for (const body of node.regions ?? []) checkGraphSizes(body, node.span ?? fallback);
  }
}
