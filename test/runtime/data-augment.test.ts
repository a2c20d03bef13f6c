// `--augment shift:N` on the host: the pixels move where the definition says, the
// offsets cover [-N, N]² evenly and are a pure function of (seed, epoch, position),
// and TrainBatches applies them to the image field only, the same after a restore.
import { describe, expect, it } from 'vitest';
import {
  augmentBatch,
  bindAugment,
  parseAugment,
  shiftImage,
  shiftOf,
  type BoundAugment,
} from '../../runtime/data/augment';
import { TrainBatches, parseCursor } from '../../runtime/data/batches';
import { makeDataset, type Split } from '../../runtime/data/dataset';
import { hostTensor } from '../../runtime/data/tensor';
import { DlcError } from '../../runtime/errors';

/** Pixel (c, y, x) of an image moved by (dx, dy), straight from the definition. */
function movedPixel(
  src: Float32Array,
  [, h, w]: readonly number[],
  c: number,
  y: number,
  x: number,
  dx: number,
  dy: number,
) {
  const sy = y - dy;
  const sx = x - dx;
  return sy < 0 || sy >= h! || sx < 0 || sx >= w! ? 0 : src[c * h! * w! + sy * w! + sx]!;
}

function images(n: number, shape: readonly [number, number, number]): Split {
  const size = shape[0] * shape[1] * shape[2];
  return {
    x: hostTensor(
      'f32',
      [n, size],
      Float32Array.from({ length: n * size }, (_, i) => 1 + i),
    ),
    y: hostTensor(
      'i32',
      [n],
      Int32Array.from({ length: n }, (_, i) => i),
    ),
  };
}

describe('--augment shift:N', () => {
  it('parses shift:N for N from 1 to 7 and refuses anything else', () => {
    expect(parseAugment('shift:2')).toEqual({ kind: 'shift', max: 2 });
    for (const bad of ['shift:0', 'shift:8', 'shift:1.5', 'shift', 'flip:1']) {
      expect(() => parseAugment(bad)).toThrow(
        new DlcError(`--augment must be shift:N with N an integer from 1 to 7, got '${bad}'`, 2),
      );
    }
  });

  it('moves every channel by (dx, dy), zeros filling in, for every offset of a 2×4×5 image', () => {
    const shape = [2, 4, 5] as const;
    const src = Float32Array.from({ length: 40 }, (_, i) => 1 + i);
    const dst = new Float32Array(40).fill(NaN);
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -5; dx <= 5; dx++) {
        shiftImage(src, dst, shape, dx, dy);
        const want = Array.from({ length: 40 }, (_, i) =>
          movedPixel(src, shape, Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5, dx, dy),
        );
        expect(Array.from(dst)).toEqual(want);
      }
    }
    shiftImage(src, dst, shape, 1, -1); // a hand-checked case: row 0 of channel 0 becomes row 1 moved right
    expect(Array.from(dst.subarray(0, 5))).toEqual([0, 6, 7, 8, 9]);
    expect(Array.from(dst.subarray(15, 20))).toEqual([0, 0, 0, 0, 0]);
  });

  it('draws each of the (2N+1)² offsets about equally, as a pure function of (seed, epoch, position)', () => {
    const counts = new Map<string, number>();
    for (let p = 0; p < 10_000; p++) {
      const { dx, dy } = shiftOf(2, 7, 3, p);
      expect(Math.abs(dx) <= 2 && Math.abs(dy) <= 2).toBe(true);
      counts.set(`${dx},${dy}`, (counts.get(`${dx},${dy}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(25);
    for (const c of counts.values()) expect(Math.abs(c - 400)).toBeLessThan(80); // ~4 standard deviations
    expect(shiftOf(2, 7, 3, 11)).toEqual(shiftOf(2, 7, 3, 11));
    const differ = (a: (p: number) => object, b: (p: number) => object) =>
      Array.from({ length: 50 }, (_, p) => JSON.stringify(a(p)) !== JSON.stringify(b(p))).some((d) => d);
    expect(
      differ(
        (p) => shiftOf(2, 7, 3, p),
        (p) => shiftOf(2, 7, 4, p),
      ),
    ).toBe(true); // another epoch
    expect(
      differ(
        (p) => shiftOf(2, 7, 3, p),
        (p) => shiftOf(2, 8, 3, p),
      ),
    ).toBe(true); // another seed
  });

  it("binds to the dataset's one image field, and refuses a dataset without images", () => {
    const split = images(4, [1, 3, 3]);
    const ds = makeDataset('tiny', split, split, { imageShape: [1, 3, 3] });
    expect(bindAugment(parseAugment('shift:1'), ds)).toEqual({
      kind: 'shift',
      max: 1,
      field: 'x',
      imageShape: [1, 3, 3],
    });
    expect(() => bindAugment(parseAugment('shift:3'), ds)).toThrow(
      new DlcError('--augment shift:3: the shift is not smaller than the 3×3 images', 2),
    );
    const plain = makeDataset('plain', split, split);
    expect(() => bindAugment(parseAugment('shift:1'), plain)).toThrow(
      new DlcError("--augment shift:1: dataset 'plain' has no image shape; it needs images", 2),
    );
    const odd = makeDataset('odd', split, split, { imageShape: [2, 3, 3] });
    expect(() => bindAugment(parseAugment('shift:1'), odd)).toThrow(
      new DlcError("--augment shift:1: dataset 'odd' needs exactly one f32 field of [2,3,3] images, found none", 2),
    );
  });

  it('shifts the training batches’ images by their own offsets, leaves the labels, and resumes to the same batches', () => {
    const shape = [1, 4, 4] as const;
    const split = images(10, shape);
    const aug: BoundAugment = { kind: 'shift', max: 1, field: 'x', imageShape: shape };
    const plain = new TrainBatches(split, 3, 5);
    const moved = new TrainBatches(split, 3, 5, 'shuffled', aug);
    const batches = Array.from({ length: 5 }, () => ({ plain: plain.next(), moved: moved.next() }));
    let changed = 0;
    for (const { plain: p, moved: m } of batches) {
      expect(Array.from(m.fields.y!.data)).toEqual(Array.from(p.fields.y!.data));
      const position = m.index * 3;
      for (let r = 0; r < 3; r++) {
        const { dx, dy } = shiftOf(1, 5, m.epoch, position + r);
        const src = p.fields.x!.data.subarray(r * 16, (r + 1) * 16) as Float32Array;
        const want = Array.from({ length: 16 }, (_, i) => movedPixel(src, shape, 0, Math.floor(i / 4), i % 4, dx, dy));
        expect(Array.from(m.fields.x!.data.subarray(r * 16, (r + 1) * 16))).toEqual(want);
        if (dx !== 0 || dy !== 0) changed++;
      }
    }
    expect(changed).toBeGreaterThan(5); // 15 rows, each unmoved with probability 1/9
    expect(augmentBatch(aug, batches[4]!.plain.fields, 5, 1, 3)).toEqual(batches[4]!.moved.fields); // epoch 1, batch 1
    const again = new TrainBatches(split, 3, 5, 'shuffled', aug);
    again.restore(parseCursor('1:3'));
    expect(again.next().fields).toEqual(batches[4]!.moved.fields);
  });
});
