// The safetensors format (https://github.com/huggingface/safetensors), from and to
// bytes, browser-safe. Layout: an 8-byte little-endian header length N, N bytes of
// UTF-8 JSON {"__metadata__": {string: string}, NAME: {"dtype", "shape",
// "data_offsets": [begin, end]}, …} (offsets relative to the data), then the data.
//
// parseSafetensors validates everything before returning anything: the header
// length against the file size and HEADER_CAP, the JSON, every dtype, dtype × shape
// = byte span, and that the tensors' byte spans tile the data exactly (no overlap,
// no hole, nothing after the last one). Every error starts with the file's name.
import { DlcError } from '../errors';
import { formatShape } from '../data/tensor';

/** Headers larger than this are refused before any allocation (100 MB). */
export const HEADER_CAP = 100 * 1024 * 1024;

/** Every dtype the format defines, with its size in bytes. */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** The dtypes dlc holds in memory. */
export type TensorDType = 'f32' | 'i32' | 'u32';
const TO_FILE: Record<TensorDType, string> = { f32: 'F32', i32: 'I32', u32: 'U32' };
const FROM_FILE: Record<string, TensorDType> = { F32: 'f32', I32: 'i32', U32: 'u32' };

export interface SavedTensor {
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint32Array;
}

export interface SafetensorsContent {
  readonly tensors: Readonly<Record<string, SavedTensor>>;
  readonly metadata: Readonly<Record<string, string>>;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Encodes tensors (in sorted name order) and string metadata; the header is space-padded to 8-byte alignment. */
export function encodeSafetensors(content: SafetensorsContent): Uint8Array {
  const names = Object.keys(content.tensors).sort();
  const header: Record<string, unknown> = { __metadata__: { ...content.metadata } };
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new DlcError("a tensor cannot be named '__metadata__'");
    const t = content.tensors[name]!;
    if (product(t.shape) !== t.data.length) {
      throw new DlcError(
        `tensor ${name}: shape ${formatShape(t.shape)} needs ${product(t.shape)} elements, data has ${t.data.length}`,
      );
    }
    header[name] = { dtype: TO_FILE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  for (const [k, v] of Object.entries(content.metadata)) {
    if (typeof v !== 'string') throw new DlcError(`metadata '${k}' must be a string (safetensors allows only strings)`);
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const pad = (8 - (jsonBytes.length % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const d = content.tensors[name]!.data;
    // Typed arrays are little-endian on every platform WebGPU runs on; write explicitly anyway.
    const tv = new DataView(out.buffer, at, d.byteLength);
    for (let k = 0; k < d.length; k++) {
      if (d instanceof Float32Array) tv.setFloat32(k * 4, d[k]!, true);
      else if (d instanceof Int32Array) tv.setInt32(k * 4, d[k]!, true);
      else tv.setUint32(k * 4, d[k]!, true);
    }
    at += d.byteLength;
  }
  return out;
}

interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsContent {
  const fail = (msg: string): never => {
    throw new DlcError(`${file}: ${msg}`);
  };
  if (bytes.length < 8) fail(`truncated at byte ${bytes.length} (the header length needs 8 bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(HEADER_CAP))
    fail(`header length ${n} is over the ${HEADER_CAP}-byte cap; not a checkpoint or corrupted`);
  const headerEnd = 8 + Number(n);
  if (headerEnd > bytes.length)
    fail(`truncated at byte ${bytes.length} (header says the header ends at byte ${headerEnd})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`tensor ${name}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets, ...rest } = raw as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) fail(`tensor ${name}: unknown key '${extra[0]}'`);
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
      fail(`tensor ${name}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor ${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor ${name}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor ${name}: data_offsets [${begin},${end}] end before they begin`);
    const want = product(shape as number[]) * DTYPE_BYTES[dtype as string]!;
    if (end - begin !== want) {
      fail(
        `tensor ${name}: ${dtype}${formatShape(shape as number[])} needs ${want} bytes but data_offsets [${begin},${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLen = bytes.length - headerEnd;
  let expected = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < expected)
      fail(`tensor ${e.name} (bytes [${e.begin},${e.end}]) overlaps tensor ${prev} (ends at ${expected})`);
    if (e.begin > expected)
      fail(`hole in the data: bytes [${expected},${e.begin}) belong to no tensor (before ${e.name})`);
    expected = e.end;
    prev = e.name;
  }
  if (expected > dataLen)
    fail(`truncated at byte ${bytes.length} (header says the file ends at byte ${headerEnd + expected})`);
  if (expected < dataLen)
    fail(
      `${dataLen - expected} bytes after the last tensor's data (header says the file ends at byte ${headerEnd + expected})`,
    );
  // All checks passed: only now decode the data.
  const tensors: Record<string, SavedTensor> = {};
  for (const e of entries) {
    const dtype = FROM_FILE[e.dtype];
    if (!dtype) fail(`tensor ${e.name}: dtype ${e.dtype} is valid safetensors but dlc reads only F32, I32 and U32`);
  }
  for (const e of entries) {
    const dtype = FROM_FILE[e.dtype]!;
    const count = (e.end - e.begin) / 4;
    const base = headerEnd + e.begin;
    const data =
      dtype === 'f32' ? new Float32Array(count) : dtype === 'i32' ? new Int32Array(count) : new Uint32Array(count);
    for (let k = 0; k < count; k++) {
      const at = base + k * 4;
      if (data instanceof Float32Array) data[k] = dv.getFloat32(at, true);
      else if (data instanceof Int32Array) data[k] = dv.getInt32(at, true);
      else data[k] = dv.getUint32(at, true);
    }
    tensors[e.name] = { dtype, shape: e.shape, data };
  }
  return { tensors, metadata };
}
