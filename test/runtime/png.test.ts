import { deflateSync } from 'node:zlib';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createImage, encodePng, setPixel, zlibStored } from '../../runtime/png';
import { writePng } from '../../runtime/png-node';
import { filterGrid, imageGrid } from '../../runtime/images';
import { loadMnist } from '../../runtime/data/mnist-node';

function gradient(w: number, h: number) {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) setPixel(img, x, y, [x % 256, y % 256, (x * y) % 256]);
  return img;
}

describe('PNG encoder (decoded by pngjs)', () => {
  it('round-trips pixels with stored blocks and with zlib, including images over 64 KiB of data', () => {
    for (const [w, h] of [
      [1, 1],
      [3, 2],
      [300, 100],
    ] as const) {
      const img = gradient(w, h);
      for (const bytes of [encodePng(img), encodePng(img, (raw) => deflateSync(raw))]) {
        const back = PNG.sync.read(Buffer.from(bytes));
        expect([back.width, back.height]).toEqual([w, h]);
        expect(Buffer.compare(back.data, Buffer.from(img.data))).toBe(0);
      }
    }
  });

  it('stored zlib streams inflate back to the input', async () => {
    const { inflateSync } = await import('node:zlib');
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const raw = Uint8Array.from({ length: n }, (_, i) => (i * 31) & 255);
      expect(Buffer.compare(inflateSync(zlibStored(raw)), Buffer.from(raw))).toBe(0);
    }
  });

  it('writes files atomically that decode', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dlc-png-')), 'g.png');
    writePng(path, gradient(20, 10));
    expect(PNG.sync.read(readFileSync(path)).width).toBe(20);
  });

  it('refuses mismatched data', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(
      'image data has 15 bytes, 2x2 RGBA needs 16',
    );
  });
});

describe('image grids', () => {
  it('lays out N tiles with padding and scale: documented dimensions', () => {
    const data = new Float32Array(10 * 4 * 3).fill(0.5);
    const img = imageGrid({ shape: [10, 4, 3], data }, { pad: 2, scale: 3 });
    // 10 tiles → 4 columns, 3 rows; tile 9×12 px after scale.
    expect([img.width, img.height]).toEqual([4 * (9 + 2) + 2, 3 * (12 + 2) + 2]);
    expect(Array.from(img.data.subarray(0, 4))).toEqual([64, 64, 64, 255]); // background corner
    const i = (2 * img.width + 2) * 4; // first pixel of tile 0
    expect(Array.from(img.data.subarray(i, i + 4))).toEqual([128, 128, 128, 255]);
  });

  it('draws MNIST rows [N,784] as 28×28 digits and colour images [N,3,H,W] per channel', () => {
    const mnist = loadMnist();
    const img = imageGrid(
      { shape: [16, 784], data: mnist.train.x!.data.subarray(0, 16 * 784) },
      { tile: [28, 28], scale: 2 },
    );
    expect([img.width, img.height]).toEqual([4 * 57 + 1, 4 * 57 + 1]);
    const rgb = imageGrid({ shape: [1, 3, 1, 1], data: [1, 0, 0.5] }, { pad: 0 });
    expect(Array.from(rgb.data)).toEqual([255, 0, 128, 255]);
  });

  it('draws filters of W [inputs, units] as columns, each normalised to its own range', () => {
    // 2 units, 2×2 tiles: unit 0 = [0,1,2,3], unit 1 = [-10,-10,-10,10]
    const w = [0, -10, 1, -10, 2, -10, 3, 10];
    const img = filterGrid({ shape: [4, 2], data: w }, [2, 2], { pad: 0, columns: 2 });
    expect([img.width, img.height]).toEqual([4, 2]);
    const px = (x: number, y: number) => img.data[(y * img.width + x) * 4];
    expect([px(0, 0), px(1, 0), px(0, 1), px(1, 1)]).toEqual([0, 85, 170, 255]);
    expect([px(2, 0), px(3, 0), px(2, 1), px(3, 1)]).toEqual([0, 0, 0, 255]);
    expect(() => filterGrid({ shape: [784, 5], data: new Float32Array(784 * 5) }, [20, 20])).toThrow(
      'a 20×20 tile needs 400 inputs per filter, the matrix has 784',
    );
  });

  it('refuses shapes it cannot draw', () => {
    expect(() => imageGrid({ shape: [2, 784], data: new Float32Array(1568) })).toThrow(
      'cannot draw a batch of shape [2,784] as images',
    );
    expect(() => imageGrid({ shape: [1, 2, 2, 2], data: new Float32Array(8) })).toThrow(
      'images need 1 or 3 channels, got 2',
    );
  });
});
