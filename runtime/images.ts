// Grids of small images as one RGBA picture: a batch of images (inputs, samples) or
// the filters of a first layer (columns of a weight matrix seen as images).
//
// Layout: tiles in rows of `columns` (default ceil(sqrt(N))), `pad` pixels of
// background between tiles and around the grid, each pixel drawn as a scale×scale
// block. Size: width = columns·(w·scale + pad) + pad, height likewise with rows.
import { DlcError } from './errors';
import { createImage, type Rgb, type RgbaImage } from './png';

export interface GridOptions {
  readonly columns?: number;
  readonly pad?: number;
  readonly scale?: number;
  readonly background?: Rgb;
  /**
   * 'clamp': values are intensities in [0,1], clamped (images, samples);
   * 'each': each tile is stretched from its own min (black) to max (white) (filters).
   */
  readonly normalize?: 'clamp' | 'each';
}

/** N tiles, each `channels` planes of height×width values, read through `at(tile, channel, y, x)`. */
interface Tiles {
  readonly count: number;
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
  at(tile: number, channel: number, y: number, x: number): number;
}

function drawGrid(t: Tiles, o: GridOptions): RgbaImage {
  const pad = o.pad ?? 1;
  const scale = o.scale ?? 1;
  if (t.count < 1) throw new DlcError('cannot draw an image grid of 0 tiles');
  if (!Number.isInteger(scale) || scale < 1 || !Number.isInteger(pad) || pad < 0) {
    throw new DlcError(`grid scale must be an integer ≥ 1 and pad ≥ 0, got scale ${scale}, pad ${pad}`);
  }
  const columns = Math.min(t.count, o.columns ?? Math.ceil(Math.sqrt(t.count)));
  const rows = Math.ceil(t.count / columns);
  const tw = t.width * scale;
  const th = t.height * scale;
  const img = createImage(columns * (tw + pad) + pad, rows * (th + pad) + pad, o.background ?? [64, 64, 64]);
  for (let n = 0; n < t.count; n++) {
    let lo = 0;
    let hi = 1;
    if ((o.normalize ?? 'clamp') === 'each') {
      lo = Infinity;
      hi = -Infinity;
      for (let c = 0; c < t.channels; c++)
        for (let y = 0; y < t.height; y++)
          for (let x = 0; x < t.width; x++) {
            const v = t.at(n, c, y, x);
            if (Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
          }
      if (!(hi > lo)) ((lo = lo === Infinity ? 0 : lo - 1), (hi = lo + 2)); // a flat tile draws mid-grey
    }
    const ox = pad + (n % columns) * (tw + pad);
    const oy = pad + Math.floor(n / columns) * (th + pad);
    for (let y = 0; y < t.height; y++) {
      for (let x = 0; x < t.width; x++) {
        const rgb = [0, 1, 2].map((k) => {
          const v = t.at(n, t.channels === 1 ? 0 : k, y, x);
          const u = Number.isFinite(v) ? (v - lo) / (hi - lo) : 0;
          return Math.round(255 * Math.min(1, Math.max(0, u)));
        });
        for (let sy = 0; sy < scale; sy++) {
          let i = ((oy + y * scale + sy) * img.width + ox + x * scale) * 4;
          for (let sx = 0; sx < scale; sx++, i += 4) img.data.set(rgb, i);
        }
      }
    }
  }
  return img;
}

export interface ImageBatch {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * A batch of images: shape [N,H,W], [N,C,H,W] with C = 1 or 3 (C-major planes), or
 * [N,P] with `tile` [H,W] where H·W = P (e.g. MNIST rows [N,784] as 28×28).
 */
export function imageGrid(
  batch: ImageBatch,
  options: GridOptions & { tile?: readonly [number, number] } = {},
): RgbaImage {
  const s = batch.shape;
  let count: number, channels: number, height: number, width: number;
  if (s.length === 2 && options.tile) [count, channels, height, width] = [s[0]!, 1, options.tile[0], options.tile[1]];
  else if (s.length === 3) [count, channels, height, width] = [s[0]!, 1, s[1]!, s[2]!];
  else if (s.length === 4) [count, channels, height, width] = [s[0]!, s[1]!, s[2]!, s[3]!];
  else
    throw new DlcError(
      `cannot draw a batch of shape [${s.join(',')}] as images (want [N,H,W], [N,C,H,W], or [N,P] with a tile size)`,
    );
  if (channels !== 1 && channels !== 3) throw new DlcError(`images need 1 or 3 channels, got ${channels}`);
  if (count * channels * height * width !== batch.data.length) {
    throw new DlcError(
      `cannot see ${batch.data.length} values of shape [${s.join(',')}] as ${count} images of ${channels}×${height}×${width}`,
    );
  }
  const plane = height * width;
  return drawGrid(
    {
      count,
      channels: channels as 1 | 3,
      height,
      width,
      at: (n, c, y, x) => batch.data[(n * channels + c) * plane + y * width + x]!,
    },
    options,
  );
}

/**
 * The filters of a dense layer W [inputs, units] (e.g. [784,500]): unit j's filter is
 * column j seen as a `tile`-shaped image (inputs = H·W); at most `maxFilters` (default
 * all), each normalised to its own range.
 */
export function filterGrid(
  weights: ImageBatch,
  tile: readonly [number, number],
  options: GridOptions & { maxFilters?: number } = {},
): RgbaImage {
  const [inputs, units] = weights.shape as [number, number];
  if (weights.shape.length !== 2)
    throw new DlcError(`filters need a weight matrix [inputs, units], got [${weights.shape.join(',')}]`);
  if (tile[0] * tile[1] !== inputs)
    throw new DlcError(
      `a ${tile[0]}×${tile[1]} tile needs ${tile[0] * tile[1]} inputs per filter, the matrix has ${inputs}`,
    );
  const count = Math.min(units, options.maxFilters ?? units);
  return drawGrid(
    {
      count,
      channels: 1,
      height: tile[0],
      width: tile[1],
      at: (n, _c, y, x) => weights.data[(y * tile[1] + x) * units + n]!,
    },
    { normalize: 'each', ...options },
  );
}
