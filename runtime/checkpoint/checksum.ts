// A checksum over a whole checkpoint, stored in its metadata as "dlc.checksum".
// safetensors has none of its own, and a flipped bit in a metadata string (the step,
// the data cursor) or in the weights would otherwise load silently. It is SHA-256
// over the canonical JSON of the metadata (without the checksum itself, keys sorted)
// and the tensor table (name, dtype, shape, sorted by name), a newline, then each
// tensor's little-endian bytes in name order.
import { sha256Hex } from './sha256';
import type { SafetensorsContent } from './safetensors';

export const CHECKSUM_KEY = 'dlc.checksum';

export function checksum(content: SafetensorsContent): string {
  const meta = Object.keys(content.metadata)
    .filter((k) => k !== CHECKSUM_KEY)
    .sort()
    .map((k) => [k, content.metadata[k]!]);
  const names = Object.keys(content.tensors).sort();
  const table = names.map((n) => [n, content.tensors[n]!.dtype, [...content.tensors[n]!.shape]]);
  const head = new TextEncoder().encode(JSON.stringify({ meta, table }) + '\n');
  let total = head.length;
  for (const n of names) total += content.tensors[n]!.data.byteLength;
  const all = new Uint8Array(total);
  all.set(head);
  let at = head.length;
  for (const n of names) {
    const d = content.tensors[n]!.data;
    // WebGPU platforms are little-endian, so the in-memory bytes are the file's bytes.
    all.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return sha256Hex(all);
}
