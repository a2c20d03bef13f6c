// The NumPy .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
// read and written from bytes so it also works in a browser. Node file I/O is in npy-node.ts.
//
// Layout: "\x93NUMPY", major, minor, header length (u16 LE for version 1, u32 LE for
// 2 and 3), a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, 784), }
// padded with spaces and ending in '\n', then the raw C-order data.
// Read: f4 and i4 as they are; f8 converted to f32 (values beyond f32's range are
// refused, precision is rounded) and i8 to i32 (values outside i32 are refused).
import { DlcError } from '../errors';
import { elementCount, formatShape, hostTensor, type HostTensor } from './tensor';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type PyValue = string | boolean | number | number[];

/** Parses the header dict: string keys; values are strings, True/False, integers or tuples of integers. */
function parseHeaderDict(text: string, fail: (msg: string) => never): Map<string, PyValue> {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail(`header: expected '${c}' at offset ${i} in ${JSON.stringify(text.trim())}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(`header: expected a quoted string at offset ${i}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail('header: unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): PyValue => {
    ws();
    if (text[i] === "'" || text[i] === '"') return str();
    if (text.startsWith('True', i)) return ((i += 4), true);
    if (text.startsWith('False', i)) return ((i += 5), false);
    const int = /^-?\d+/.exec(text.slice(i));
    if (int) return ((i += int[0].length), Number(int[0]));
    if (text[i] === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') break;
        const m = /^\d+/.exec(text.slice(i));
        if (!m) fail(`header: expected an integer in the shape tuple at offset ${i}`);
        dims.push(Number(m[0]));
        i += m[0].length;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail(`header: expected ',' or ')' in the shape tuple at offset ${i}`);
      }
      i++;
      return dims;
    }
    return fail(`header: unexpected value at offset ${i}`);
  };
  const dict = new Map<string, PyValue>();
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const k = str();
    expect(':');
    dict.set(k, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`header: expected ',' or '}' at offset ${i}`);
  }
  i++;
  ws();
  if (i !== text.length) fail(`header: unexpected text after the dict at offset ${i}`);
  return dict;
}

const DESCRS: Record<string, { kind: 'f4' | 'i4' | 'f8' | 'i8'; size: number }> = {
  '<f4': { kind: 'f4', size: 4 },
  '<i4': { kind: 'i4', size: 4 },
  '<f8': { kind: 'f8', size: 8 },
  '<i8': { kind: 'i8', size: 8 },
};

/** Parses a whole .npy file. `name` (usually the path) starts every error message. */
export function parseNpy(bytes: Uint8Array, name: string): HostTensor {
  const fail = (msg: string): never => {
    throw new DlcError(`${name}: ${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b))
    fail('not a .npy file (bad magic; expected "\\x93NUMPY")');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0)
    fail(`unsupported .npy version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail(`truncated in the header length at byte ${bytes.length}`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > bytes.length)
    fail(`truncated in the header: file has ${bytes.length} bytes, header ends at byte ${dataStart}`);
  const headerBytes = bytes.subarray(8 + lenBytes, dataStart);
  if (major < 3 && headerBytes.some((b) => b > 0x7f)) fail('header is not ASCII (required before version 3.0)');
  const header = new TextDecoder('utf-8', { fatal: false }).decode(headerBytes);
  if (!header.endsWith('\n')) fail("header does not end with '\\n'");
  const dict = parseHeaderDict(header, fail);
  for (const k of dict.keys())
    if (k !== 'descr' && k !== 'fortran_order' && k !== 'shape') fail(`header has unknown key '${k}'`);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') fail("header has no 'descr' string");
  if (typeof fortran !== 'boolean') fail("header has no 'fortran_order' True/False");
  if (!Array.isArray(shape)) fail("header has no 'shape' tuple");
  const d = DESCRS[descr as string];
  if (!d) fail(`dtype '${descr}' is not supported (supported: <f4, <i4, and <f8, <i8 converted to 32 bits)`);
  if (fortran) fail('fortran_order True is not supported; save the array in C order (np.ascontiguousarray)');
  const dims = shape as number[];
  const n = elementCount(dims);
  const want = n * d!.size;
  const have = bytes.length - dataStart;
  if (have < want) fail(`truncated: shape ${formatShape(dims)} of ${descr} needs ${want} data bytes, file has ${have}`);
  if (have > want)
    fail(`${have - want} unexpected bytes after the data (shape ${formatShape(dims)} of ${descr} needs ${want})`);
  // Copy into a fresh buffer so reads are aligned and never alias the caller's (e.g.
  // a pooled Node Buffer, whose .slice() would be a view, not a copy).
  const data = new Uint8Array(want);
  data.set(bytes.subarray(dataStart, dataStart + want));
  const dv = new DataView(data.buffer);
  switch (d!.kind) {
    case 'f4': {
      const out = new Float32Array(n);
      for (let k = 0; k < n; k++) out[k] = dv.getFloat32(k * 4, true);
      return hostTensor('f32', dims, out);
    }
    case 'i4': {
      const out = new Int32Array(n);
      for (let k = 0; k < n; k++) out[k] = dv.getInt32(k * 4, true);
      return hostTensor('i32', dims, out);
    }
    case 'f8': {
      const out = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const v = dv.getFloat64(k * 8, true);
        out[k] = v;
        if (Number.isFinite(v) && !Number.isFinite(out[k])) fail(`element ${k} (${v}) is outside the float32 range`);
      }
      return hostTensor('f32', dims, out);
    }
    case 'i8': {
      const out = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const v = dv.getBigInt64(k * 8, true);
        if (v < -2147483648n || v > 2147483647n) fail(`element ${k} (${v}) does not fit in int32`);
        out[k] = Number(v);
      }
      return hostTensor('i32', dims, out);
    }
    default: {
      const never: never = d!.kind;
      throw new Error(`unhandled npy kind ${String(never)}`);
    }
  }
}

/** Encodes a tensor as a version 1.0 .npy file, header padded so the data starts at a multiple of 64. */
export function encodeNpy(t: HostTensor): Uint8Array {
  const descr = t.dtype === 'f32' ? '<f4' : '<i4';
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new DlcError(`shape ${formatShape(t.shape)} is too long for a .npy 1.0 header`);
  const out = new Uint8Array(10 + header.length + t.data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  const base = 10 + header.length;
  for (let k = 0; k < t.data.length; k++) {
    if (t.dtype === 'f32') dv.setFloat32(base + k * 4, t.data[k]!, true);
    else dv.setInt32(base + k * 4, t.data[k]!, true);
  }
  return out;
}
