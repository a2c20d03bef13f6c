// Data augmentation of training batches (`dlc train --augment SPEC`).
//
// `shift:N` moves each training image by a whole-pixel offset (dx, dy), each drawn
// uniformly from [-N, N], fresh for every example of every epoch; the pixels moved in
// from outside the image are 0 (the background of `mnist`; the pixel mean of
// `mnist-standardized`), those moved out are lost. Only the training batches are
// augmented: evaluation sees the test split as stored.
//
// The offsets are a pure function of (seed, epoch, position in the epoch's order),
// drawn from a seed derived for augmentation alone, so they are independent of the
// shuffle and a resumed run draws the same ones.
import { DlcError } from '../errors';
import { fieldNames, type Dataset, type Split } from './dataset';
import { hashWord } from './prng';
import { elementCount, formatShape, type HostTensorOf } from './tensor';

/** The largest shift `shift:N` accepts: a quarter of a 28-pixel digit. */
export const MAX_SHIFT = 7;

export interface Augment {
  readonly kind: 'shift';
  /** Offsets are drawn from [-max, max] along each image axis. */
  readonly max: number;
}

/** An augmentation bound to the dataset field it changes, with that field's image shape [C, H, W]. */
export interface BoundAugment extends Augment {
  readonly field: string;
  readonly imageShape: readonly [number, number, number];
}

/** Parses `shift:N`. */
export function parseAugment(spec: string): Augment {
  const m = /^shift:(\d+)$/.exec(spec.trim());
  const max = m ? Number(m[1]) : NaN;
  if (!m || max < 1 || max > MAX_SHIFT) {
    throw new DlcError(`--augment must be shift:N with N an integer from 1 to ${MAX_SHIFT}, got '${spec}'`, 2);
  }
  return { kind: 'shift', max };
}

export function formatAugment(a: Augment): string {
  return `${a.kind}:${a.max}`;
}

/**
 * Binds the augmentation to the dataset's image field: the one f32 field whose
 * examples have as many elements as the dataset's `info.imageShape` ([C, H, W] or [H, W]).
 */
export function bindAugment(a: Augment, dataset: Dataset): BoundAugment {
  const shape = dataset.info?.['imageShape'] as readonly number[] | undefined;
  if (shape === undefined || (shape.length !== 2 && shape.length !== 3)) {
    throw new DlcError(
      `--augment ${formatAugment(a)}: dataset '${dataset.name}' has no image shape; it needs images`,
      2,
    );
  }
  const chw = (shape.length === 2 ? [1, shape[0]!, shape[1]!] : [...shape]) as [number, number, number];
  const size = elementCount(chw);
  const fields = fieldNames(dataset.train).filter(
    (f) => dataset.train[f]!.dtype === 'f32' && elementCount(dataset.train[f]!.shape.slice(1)) === size,
  );
  if (fields.length !== 1) {
    const found = fields.length === 0 ? 'none' : fields.join(', ');
    throw new DlcError(
      `--augment ${formatAugment(a)}: dataset '${dataset.name}' needs exactly one f32 field of ${formatShape(chw)} images, found ${found}`,
      2,
    );
  }
  if (a.max >= chw[1] || a.max >= chw[2]) {
    throw new DlcError(
      `--augment ${formatAugment(a)}: the shift is not smaller than the ${chw[1]}×${chw[2]} images`,
      2,
    );
  }
  return { ...a, field: fields[0]!, imageShape: chw };
}

// Augmentation draws from its own seed so its words never coincide with the
// shuffle's (streams 1, 2, … of the run's seed) or the split's (stream 0).
const AUGMENT_STREAM = 0xffffffff;

/** The offset (dx, dy) of the example at `position` of epoch `epoch`'s order. */
export function shiftOf(max: number, seed: number, epoch: number, position: number): { dx: number; dy: number } {
  const w = hashWord(hashWord(seed, AUGMENT_STREAM, 0), epoch, position);
  const span = 2 * max + 1;
  // Two 16-bit halves, each reduced mod 2N+1 (bias below 2^-12 for N ≤ 7).
  return { dx: ((w & 0xffff) % span) - max, dy: ((w >>> 16) % span) - max };
}

/** Moves one [C, H, W] image by (dx, dy): out[c, y, x] = in[c, y - dy, x - dx], 0 outside. */
export function shiftImage(
  src: Float32Array,
  dst: Float32Array,
  [c, h, w]: readonly [number, number, number],
  dx: number,
  dy: number,
): void {
  dst.fill(0);
  for (let k = 0; k < c; k++) {
    for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
      const from = k * h * w + (y - dy) * w;
      const to = k * h * w + y * w;
      for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) dst[to + x] = src[from + x - dx]!;
    }
  }
}

/** The batch with its image field shifted; `position` is the batch's first row's place in the epoch's order. */
export function augmentBatch(a: BoundAugment, batch: Split, seed: number, epoch: number, position: number): Split {
  const t = batch[a.field] as HostTensorOf<'f32'>;
  const size = elementCount(a.imageShape);
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < t.data.length / size; r++) {
    const { dx, dy } = shiftOf(a.max, seed, epoch, position + r);
    shiftImage(t.data.subarray(r * size, (r + 1) * size), out.subarray(r * size, (r + 1) * size), a.imageShape, dx, dy);
  }
  return { ...batch, [a.field]: { ...t, data: out } };
}
