// The size limit of one tensor, checked for every declared tensor and for every
// value an op produces (a broadcast or an outer product can be far larger than
// its inputs).
import type { Span } from '../../dsl/ast';
import type { TensorType } from '../ir/types';
import { typeToString } from '../ir/types';
import { LowerError } from './errors';

/**
 * Largest element count of one tensor. A WebGPU buffer binding's size is at most
 * 2^31 bytes on the devices dlc targets (maxStorageBufferBindingSize is a u32 and
 * adapters report at most 2 GiB), so 2^29 four-byte elements.
 */
export const MAX_ELEMENTS = 2 ** 29;

/**
 * Rejects a tensor of more than MAX_ELEMENTS elements. The product is exact
 * (BigInt), so dimensions whose product overflows a double still say how many.
 */
export function checkSize(type: TensorType, span: Span): void {
  if (type.shape.length === 0) return;
  const total = type.shape.reduce((a, b) => a * BigInt(b), 1n);
  if (total > BigInt(MAX_ELEMENTS)) {
    throw new LowerError(span, 'tensor-too-large', { type: typeToString(type), count: total.toString(), limit: '2^29' });
  }
}
