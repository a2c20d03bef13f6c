// Line plots (loss and accuracy against the step) as RGBA images, dependency-free:
// a frame, "nice" ticks (1, 2 or 5 × 10^k) with labels, grid lines, one polyline per
// series, a legend and a title in the 5×7 pixel font. Non-finite points are skipped
// and break the line, so a NaN step shows as a gap.
import { createImage, setPixel, type Rgb, type RgbaImage } from './png';
import { drawText, GLYPH_HEIGHT, textWidth } from './pixel-font';

export interface Series {
  readonly name: string;
  /** [x, y] pairs in increasing x. */
  readonly points: readonly (readonly [number, number])[];
  readonly color?: Rgb;
  /** A 5×5 square on every point: for sparse series (one point per epoch), where one point alone is a dot. */
  readonly markers?: boolean;
}

export interface PlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
];
const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const MARGIN = { left: 64, right: 16, top: 28, bottom: 36 };

/** Ticks covering [lo, hi]: a step of 1, 2 or 5 × 10^k giving the count nearest `target`. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const candidates = [1, 2, 5, 10].map((m) => m * mag);
  const step = candidates.reduce((best, s) =>
    Math.abs((hi - lo) / s - target) < Math.abs((hi - lo) / best - target) ? s : best,
  );
  const ticks: number[] = [];
  // Multiples of the step, rounded to 12 digits so 3 × 0.2 prints as 0.6.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toPrecision(12)) + 0);
  return ticks;
}

/** A short tick label: up to 4 significant digits, exponent form for very large or small values. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

function range(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) ((lo -= Math.abs(lo) * 0.1 || 1), (hi += Math.abs(hi) * 0.1 || 1));
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function line(img: RgbaImage, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  // Bresenham's algorithm, drawn 2 pixels thick.
  [x0, y0, x1, y1] = [x0, y0, x1, y1].map(Math.round) as [number, number, number, number];
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    setPixel(img, x0, y0, c);
    setPixel(img, x0 + 1, y0, c);
    setPixel(img, x0, y0 + 1, c);
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) ((err += dy), (x0 += sx));
    if (e2 <= dx) ((err += dx), (y0 += sy));
  }
}

function marker(img: RgbaImage, x: number, y: number, c: Rgb): void {
  for (let dy = -2; dy <= 2; dy++)
    for (let dx = -2; dx <= 2; dx++) setPixel(img, Math.round(x) + dx, Math.round(y) + dy, c);
}

export function linePlot(series: readonly Series[], options: PlotOptions = {}): RgbaImage {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const img = createImage(width, height);
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  if (options.title) drawText(img, (width - textWidth(options.title, 2)) / 2, 6, options.title, INK, 2);
  if (finite.length === 0) {
    drawText(img, (width - textWidth('NO DATA YET')) / 2, height / 2, 'NO DATA YET', INK);
    return img;
  }
  const [x0, x1] = range(finite.map((p) => p[0]));
  const [y0, yTop] = range(finite.map((p) => p[1]));
  // Headroom above the data for the legend, so it never hides a line.
  const legendHeight = 10 + series.length * 12;
  const y1 = yTop + ((yTop - y0) * legendHeight) / Math.max(1, bottom - top - legendHeight);
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  // Grid and tick labels.
  for (const t of niceTicks(y0, y1)) {
    const y = Math.round(py(t));
    for (let x = left; x <= right; x++) setPixel(img, x, y, GRID);
    for (let x = left - 4; x < left; x++) setPixel(img, x, y, INK);
    const label = formatTick(t);
    drawText(img, left - 7 - textWidth(label), y - 3, label, INK);
  }
  for (const t of niceTicks(x0, x1)) {
    const x = Math.round(px(t));
    for (let y = top; y <= bottom; y++) setPixel(img, x, y, GRID);
    for (let y = bottom; y < bottom + 4; y++) setPixel(img, x, y, INK);
    const label = formatTick(t);
    drawText(img, x - textWidth(label) / 2, bottom + 7, label, INK);
  }
  if (options.xLabel)
    drawText(img, (left + right - textWidth(options.xLabel)) / 2, height - GLYPH_HEIGHT - 4, options.xLabel, INK);
  // Frame.
  for (let x = left; x <= right; x++) (setPixel(img, x, top, INK), setPixel(img, x, bottom, INK));
  for (let y = top; y <= bottom; y++) (setPixel(img, left, y, INK), setPixel(img, right, y, INK));
  // Series, each a polyline broken at non-finite points.
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length]!;
    let prev: [number, number] | undefined;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        prev = undefined;
        continue;
      }
      const p: [number, number] = [px(x), py(y)];
      if (prev) line(img, prev[0], prev[1], p[0], p[1], c);
      else setPixel(img, p[0], p[1], c);
      if (s.markers) marker(img, p[0], p[1], c);
      prev = p;
    }
  });
  // Legend, top right inside the frame: a colour bar and the series' name.
  const legendWidth = Math.max(...series.map((s) => textWidth(s.name))) + 22;
  const lx = right - legendWidth - 6;
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length]!;
    const ly = top + 8 + i * 12;
    for (let y = ly - 1; y <= ly + 6; y++)
      for (let x = lx - 3; x < lx + legendWidth + 3; x++) setPixel(img, x, y, [255, 255, 255]);
    for (let x = lx; x < lx + 14; x++) (setPixel(img, x, ly + 3, c), setPixel(img, x, ly + 2, c));
    drawText(img, lx + 20, ly, s.name, INK);
  });
  return img;
}
