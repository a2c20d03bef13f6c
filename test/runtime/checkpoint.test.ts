import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../runtime/checkpoint/codec';
import { previousPath, readCheckpoint, writeCheckpoint } from '../../runtime/checkpoint/file-node';
import { fingerprint } from '../../runtime/checkpoint/fingerprint';
import { infoToMetadata, metadataToInfo } from '../../runtime/checkpoint/metadata';
import { sha256Hex } from '../../runtime/checkpoint/sha256';
import { checkpoint, PROGRAM_HASH, signature, tensors } from './checkpoint-helpers';

const dir = () => mkdtempSync(join(tmpdir(), 'dlc-ckpt-'));
const HEADER_JSON = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, any> };
};

/** Re-encodes a file with an edited header (keeping its data), as a hostile writer would. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void, extraData = 0): Uint8Array {
  const { n, json } = HEADER_JSON(bytes);
  edit(json);
  const head = new TextEncoder().encode(JSON.stringify(json));
  const data = bytes.subarray(8 + n);
  const out = new Uint8Array(8 + head.length + data.length + extraData);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** Writes `bytes` to a file, expects reading it to fail with `message`, and the file to be byte-identical afterwards. */
function expectRefused(bytes: Uint8Array, message: string | RegExp, model = signature()): void {
  const path = join(dir(), 'checkpoint.safetensors');
  writeFileSync(path, bytes);
  expect(() => readCheckpoint(path, model)).toThrow(typeof message === 'string' ? `${path}: ${message}` : message);
  expect(Buffer.compare(readFileSync(path), Buffer.from(bytes))).toBe(0);
}

describe('sha256 and fingerprints', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('fingerprints are stable under tensor order and change with any shape, dtype, name or program', () => {
    const base = signature();
    const reordered = { ...base, tensors: Object.fromEntries(Object.entries(base.tensors).reverse()) };
    expect(fingerprint(reordered)).toBe(fingerprint(base));
    expect(fingerprint({ ...base, tensors: { ...base.tensors, 'fc1.b': { dtype: 'f32', shape: [5] } } })).not.toBe(
      fingerprint(base),
    );
    expect(fingerprint({ ...base, programHash: 'b'.repeat(64) })).not.toBe(fingerprint(base));
    expect(fingerprint({ ...base, model: 'rbm' })).not.toBe(fingerprint(base));
  });
});

describe('checkpoint round trip', () => {
  it('writes safetensors that read back exactly, metadata as strings', () => {
    const path = join(dir(), 'm.safetensors');
    writeCheckpoint(path, checkpoint(3));
    const back = readCheckpoint(path, signature());
    expect(back.tensors).toEqual(tensors(3));
    expect(back.info).toEqual(checkpoint(3).info);
    const { n, json } = HEADER_JSON(readFileSync(path));
    expect(n % 8).toBe(0);
    expect(json['fc1.W']).toEqual({ dtype: 'F32', shape: [6, 4], data_offsets: [4, 100] });
    expect(Object.values(json.__metadata__).every((v) => typeof v === 'string')).toBe(true);
    expect(json.__metadata__['dlc.data_cursor']).toBe('3:256');
  });

  it('keeps the previous generation and leaves no temp files', () => {
    const d = dir();
    const path = join(d, 'm.safetensors');
    writeCheckpoint(path, checkpoint(1));
    writeCheckpoint(path, checkpoint(2));
    writeCheckpoint(path, checkpoint(3));
    expect(readCheckpoint(path).info.step).toBe(300);
    expect(readCheckpoint(previousPath(path)).info.step).toBe(200);
    expect(readdirSync(d).sort()).toEqual(['m.safetensors', 'm.safetensors.prev']);
  });

  it('never saves NaN weights, and leaves the existing file alone', () => {
    const path = join(dir(), 'm.safetensors');
    writeCheckpoint(path, checkpoint(1));
    const bad = checkpoint(2);
    (bad.tensors['fc2.W']!.data as Float32Array)[5] = NaN;
    expect(() => writeCheckpoint(path, bad)).toThrow(
      `not saving ${path}: tensor fc2.W has a non-finite value (NaN) at element 5`,
    );
    expect(readCheckpoint(path).info.step).toBe(100);
  });
});

describe('refused checkpoints (file left byte-identical)', () => {
  const good = encodeCheckpoint(checkpoint(1), 'x');
  const dataStart = 8 + HEADER_JSON(good).n;

  it('truncated anywhere', () => {
    expectRefused(
      good.subarray(0, good.length - 5),
      `truncated at byte ${good.length - 5} (header says the file ends at byte ${good.length})`,
    );
    expectRefused(good.subarray(0, 100), `truncated at byte 100 (header says the header ends at byte ${dataStart})`);
    expectRefused(good.subarray(0, 5), 'truncated at byte 5 (the header length needs 8 bytes)');
    expectRefused(new Uint8Array(0), 'truncated at byte 0 (the header length needs 8 bytes)');
  });

  it('hostile header lengths', () => {
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    expectRefused(
      huge,
      'header length 9223372036854775808 is over the 104857600-byte cap; not a checkpoint or corrupted',
    );
    const max = good.slice();
    new DataView(max.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectRefused(max, /is over the 104857600-byte cap/);
  });

  it('overlapping offsets, holes, wrong spans, trailing bytes', () => {
    const overlap = withHeader(
      good,
      (h) => (h['fc1.b'].data_offsets = [h['fc1.W'].data_offsets[1] - 4, h['fc1.W'].data_offsets[1] + 12]),
    );
    expectRefused(overlap, /tensor fc1\.b \(bytes \[\d+,\d+\]\) overlaps tensor fc1\.W/);
    // Tensors sorted by name: adam.t [0,4], fc1.W [4,100], fc1.b [100,116], fc2.W [116,164], rng.key [164,172].
    const hole = withHeader(
      good,
      (h) => {
        for (const k of ['fc1.b', 'fc2.W', 'rng.key']) h[k].data_offsets = h[k].data_offsets.map((o: number) => o + 8);
      },
      8,
    );
    expectRefused(hole, 'hole in the data: bytes [100,108) belong to no tensor (before fc1.b)');
    const span = withHeader(good, (h) => (h['fc1.b'].shape = [5]));
    expectRefused(span, /tensor fc1\.b: F32\[5\] needs 20 bytes but data_offsets \[\d+,\d+\] span 16/);
    const trailing = new Uint8Array(good.length + 3);
    trailing.set(good);
    expectRefused(trailing, `3 bytes after the last tensor's data (header says the file ends at byte ${good.length})`);
    expectRefused(
      withHeader(good, (h) => (h['fc1.b'].dtype = 'F33')),
      'tensor fc1.b: unknown dtype "F33"',
    );
    expectRefused(
      withHeader(good, (h) => (h['fc1.b'].shape = [-4])),
      'tensor fc1.b: shape [-4] is not a list of non-negative integers',
    );
    expectRefused(
      withHeader(good, (h) => (h['fc1.b'].data_offsets = [1e300, 1e300])),
      /data_offsets \[1e\+300,1e\+300\] is not a pair/,
    );
    expectRefused(
      withHeader(good, (h) => (h.__metadata__['dlc.step'] = 7)),
      '__metadata__.dlc.step is not a string',
    );
  });

  it('headers that are not JSON or not UTF-8', () => {
    const notJson = good.slice();
    notJson[8] = 0x5b; // '[' where '{' was: invalid JSON
    expectRefused(notJson, /header is not valid JSON/);
    const notUtf8 = good.slice();
    notUtf8[9] = 0xff;
    expectRefused(notUtf8, 'header is not valid UTF-8');
  });

  it('every single-bit flip in the header, and flips in the data, are refused', () => {
    // Decoding bytes directly (no file) keeps this fast; the file path is covered above.
    for (let byte = 0; byte < dataStart; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = good.slice();
        flipped[byte]! ^= 1 << bit;
        expect(() => decodeCheckpoint(flipped, 'x', signature()), `byte ${byte} bit ${bit}`).toThrow(/^x: /);
      }
    }
    for (const byte of [dataStart, dataStart + 50, good.length - 1]) {
      const flipped = good.slice();
      flipped[byte]! ^= 0x10;
      expect(() => decodeCheckpoint(flipped, 'x')).toThrow(
        'x: checksum mismatch: the file was changed or corrupted after it was written',
      );
    }
    expectRefused(
      (() => {
        const f = good.slice();
        f[dataStart + 3]! ^= 1;
        return f;
      })(),
      'checksum mismatch: the file was changed or corrupted after it was written',
    );
  });

  it('a checkpoint of another model, shape or program', () => {
    const rbm = encodeCheckpoint(checkpoint(1, 'rbm'), 'x');
    expectRefused(rbm, "file is from model 'rbm', not 'mnist_mlp'");
    const wider = signature();
    const t = { ...wider.tensors, 'fc1.W': { dtype: 'f32', shape: [6, 8] } };
    expectRefused(
      good,
      `saved by another model named 'mnist_mlp', with other tensors: tensor fc1.W has shape [6,4], model wants [6,8]`,
      { ...wider, tensors: t },
    );
    expectRefused(
      good,
      `saved by another model named 'mnist_mlp', with other tensors: tensor adam.t has dtype i32, model wants f32`,
      { ...wider, tensors: { ...wider.tensors, 'adam.t': { dtype: 'f32', shape: [1] } } },
    );
    const fewer = { ...wider.tensors } as Record<string, { dtype: string; shape: readonly number[] }>;
    delete fewer['rng.key'];
    expectRefused(
      good,
      `saved by another model named 'mnist_mlp', with other tensors: has tensor rng.key, which model 'mnist_mlp' does not have`,
      { ...wider, tensors: fewer },
    );
    expectRefused(
      good,
      `saved by another model named 'mnist_mlp', with other tensors: has no tensor fc3.W (model wants f32[2])`,
      { ...wider, tensors: { ...wider.tensors, 'fc3.W': { dtype: 'f32', shape: [2] } } },
    );
    expectRefused(good, /was saved by a different compiled program \(hash aaaaaaaaaaaa…, this build bbbbbbbbbbbb…\)/, {
      ...wider,
      programHash: 'b'.repeat(64),
    });
    expect(PROGRAM_HASH).toBe('a'.repeat(64));
  });

  it('mentions the previous generation when the newest file is refused', () => {
    const path = join(dir(), 'm.safetensors');
    writeCheckpoint(path, checkpoint(1));
    writeCheckpoint(path, checkpoint(2));
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 1));
    expect(() => readCheckpoint(path)).toThrow(`(the previous generation is at ${path}.prev)`);
    expect(readCheckpoint(`${path}.prev`).info.step).toBe(100);
  });
});

describe('checkpoint format', () => {
  it('refuses format 1 (slots named without their entry) saying why', () => {
    const meta = { ...infoToMetadata(checkpoint(1).info), 'dlc.format': '1' };
    expect(() => metadataToInfo(meta, 'old.safetensors')).toThrow(
      "old.safetensors: checkpoint format '1' is not supported (this dlc reads format 2): format 1 has optimizer slots named " +
        "without their train entry ('fc1.W.momentum', now 'step.fc1.W.momentum'); train again, or use the dlc that wrote it",
    );
    expect(metadataToInfo(infoToMetadata(checkpoint(1).info), 'new.safetensors').step).toBe(checkpoint(1).info.step);
  });
});
