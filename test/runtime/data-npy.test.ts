import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../../runtime/data/npy';
import { readNpy, writeNpy } from '../../runtime/data/npy-node';
import { hostTensor } from '../../runtime/data/tensor';
import { loadDataset } from '../../runtime/data/load-node';

/** A .npy file as numpy writes it, from parts, so each test can break exactly one thing. */
function npy(opts: { header: string; data: Uint8Array; version?: [number, number]; magic?: string }): Uint8Array {
  const [major, minor] = opts.version ?? [1, 0];
  const magic = opts.magic ?? '\x93NUMPY';
  const lenBytes = major === 1 ? 2 : 4;
  const head = new TextEncoder().encode(opts.header);
  const out = new Uint8Array(6 + 2 + lenBytes + head.length + opts.data.length);
  for (let k = 0; k < 6; k++) out[k] = magic.charCodeAt(k);
  out[6] = major;
  out[7] = minor;
  const dv = new DataView(out.buffer);
  if (lenBytes === 2) dv.setUint16(8, head.length, true);
  else dv.setUint32(8, head.length, true);
  out.set(head, 8 + lenBytes);
  out.set(opts.data, 8 + lenBytes + head.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f4 = bytesOf(new Float32Array([1, 2.5, -3, 4, 5, 6]));
const hdr = (descr: string, shape: string, fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;

describe('.npy reader', () => {
  it('reads float32 and int32 in every version', () => {
    for (const version of [
      [1, 0],
      [2, 0],
      [3, 0],
    ] as [number, number][]) {
      const t = parseNpy(npy({ header: hdr('<f4', '(2, 3)'), data: f4, version }), 'a.npy');
      expect(t.dtype).toBe('f32');
      expect(t.shape).toEqual([2, 3]);
      expect(Array.from(t.data)).toEqual([1, 2.5, -3, 4, 5, 6]);
    }
    const i = parseNpy(npy({ header: hdr('<i4', '(3,)'), data: bytesOf(new Int32Array([-1, 0, 7])) }), 'b.npy');
    expect(i.dtype).toBe('i32');
    expect(Array.from(i.data)).toEqual([-1, 0, 7]);
    const scalar = parseNpy(npy({ header: hdr('<f4', '()'), data: bytesOf(new Float32Array([9])) }), 's.npy');
    expect(scalar.shape).toEqual([]);
  });

  it('converts float64 and int64, refusing values that do not fit', () => {
    const d = parseNpy(npy({ header: hdr('<f8', '(2,)'), data: bytesOf(new Float64Array([0.1, -2])) }), 'd.npy');
    expect(d.dtype).toBe('f32');
    expect(Array.from(d.data)).toEqual([Math.fround(0.1), -2]);
    expect(() =>
      parseNpy(npy({ header: hdr('<f8', '(2,)'), data: bytesOf(new Float64Array([1, 1e300])) }), 'd.npy'),
    ).toThrow('d.npy: element 1 (1e+300) is outside the float32 range');
    const l = parseNpy(npy({ header: hdr('<i8', '(2,)'), data: bytesOf(new BigInt64Array([5n, -6n])) }), 'l.npy');
    expect(Array.from(l.data)).toEqual([5, -6]);
    expect(() =>
      parseNpy(npy({ header: hdr('<i8', '(1,)'), data: bytesOf(new BigInt64Array([2n ** 40n])) }), 'l.npy'),
    ).toThrow('l.npy: element 0 (1099511627776) does not fit in int32');
  });

  it.each([
    [
      'bad magic',
      npy({ header: hdr('<f4', '(2, 3)'), data: f4, magic: 'PK\x03\x04xx' }),
      'x.npy: not a .npy file (bad magic',
    ],
    [
      'version',
      npy({ header: hdr('<f4', '(2, 3)'), data: f4, version: [4, 0] }),
      'x.npy: unsupported .npy version 4.0',
    ],
    [
      'truncated data',
      npy({ header: hdr('<f4', '(2, 3)'), data: f4.subarray(0, 20) }),
      'x.npy: truncated: shape [2,3] of <f4 needs 24 data bytes, file has 20',
    ],
    ['trailing bytes', npy({ header: hdr('<f4', '(5,)'), data: f4 }), 'x.npy: 4 unexpected bytes after the data'],
    [
      'fortran order',
      npy({ header: hdr('<f4', '(2, 3)', 'True'), data: f4 }),
      'x.npy: fortran_order True is not supported',
    ],
    ['big-endian', npy({ header: hdr('>f4', '(2, 3)'), data: f4 }), "x.npy: dtype '>f4' is not supported"],
    ['float16', npy({ header: hdr('<f2', '(2, 3)'), data: f4.subarray(0, 12) }), "x.npy: dtype '<f2' is not supported"],
    [
      'unclosed header',
      npy({ header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)\n", data: f4 }),
      "x.npy: header: expected ',' or '}'",
    ],
    [
      'missing shape',
      npy({ header: "{'descr': '<f4', 'fortran_order': False}\n", data: f4 }),
      "x.npy: header has no 'shape' tuple",
    ],
    [
      'unknown key',
      npy({ header: "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}\n", data: f4 }),
      "x.npy: header has unknown key 'x'",
    ],
    ['no newline', npy({ header: hdr('<f4', '(2, 3)').trimEnd(), data: f4 }), "x.npy: header does not end with '\\n'"],
    [
      'negative dim',
      npy({ header: hdr('<f4', '(-2, 3)'), data: f4 }),
      'x.npy: header: expected an integer in the shape tuple',
    ],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => parseNpy(bytes, 'x.npy')).toThrow(message);
  });

  it('refuses a file cut inside the header', () => {
    const whole = encodeNpy(hostTensor('f32', [6], new Float32Array(6)));
    expect(() => parseNpy(whole.subarray(0, 40), 'x.npy')).toThrow(
      'x.npy: truncated in the header: file has 40 bytes, header ends at byte 128',
    );
    expect(() => parseNpy(whole.subarray(0, 9), 'x.npy')).toThrow('x.npy: not a .npy file');
  });
});

describe('.npy writer and folder datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-npy-'));

  it('writes files the reader reads back, with the data 64-byte aligned', () => {
    const t = hostTensor('i32', [2, 2], new Int32Array([1, -2, 3, 2 ** 31 - 1]));
    const bytes = encodeNpy(t);
    expect((bytes.length - 16) % 64).toBe(0);
    writeNpy(join(dir, 'y.npy'), t);
    expect(readNpy(join(dir, 'y.npy'))).toEqual(t);
  });

  it('names the file it cannot read', () => {
    writeFileSync(join(dir, 'bad.npy'), 'hello');
    expect(() => readNpy(join(dir, 'bad.npy'))).toThrow(`${join(dir, 'bad.npy')}: not a .npy file`);
    expect(() => readNpy(join(dir, 'none.npy'))).toThrow(`${join(dir, 'none.npy')}: cannot read: ENOENT`);
  });

  it('loads a folder of FIELD.npy files as a seeded 80/20 split', () => {
    const d = mkdtempSync(join(tmpdir(), 'dlc-npyds-'));
    writeNpy(
      join(d, 'x.npy'),
      hostTensor(
        'f32',
        [10, 3],
        Float32Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)),
      ),
    );
    writeNpy(
      join(d, 'y.npy'),
      hostTensor(
        'i32',
        [10],
        Int32Array.from({ length: 10 }, (_, i) => i),
      ),
    );
    const ds = loadDataset(d);
    expect(ds.train.x!.shape).toEqual([8, 3]);
    expect(ds.test.y!.shape).toEqual([2]);
    const trainY = Array.from(ds.train.y!.data);
    expect([...trainY, ...ds.test.y!.data].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(ds.train.x!.data.subarray(0, 3))).toEqual([trainY[0], trainY[0], trainY[0]]);
    expect(() => loadDataset('cifar')).toThrow(
      "unknown dataset 'cifar': not one of mnist, mnist-standardized, mnist-patches, moby-dick, moby-dick-words, bool-trees and no such folder",
    );
  });
});
