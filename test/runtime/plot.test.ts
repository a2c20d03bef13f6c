import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../runtime/png';
import { formatTick, linePlot, niceTicks } from '../../runtime/plot';

const colourCount = (data: Uint8Array, rgb: readonly number[]) => {
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) n++;
  return n;
};

describe('line plots', () => {
  it('chooses nice ticks and short labels', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 1021)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect([formatTick(0.6000000000000001), formatTick(2.30258), formatTick(1e-5), formatTick(250000)]).toEqual([
      '0.6',
      '2.303',
      '1.0e-5',
      '2.5e5',
    ]);
  });

  it('draws each series in its colour inside the frame, and decodes as a PNG', () => {
    const loss = Array.from({ length: 100 }, (_, i) => [i * 10, 2.3 * Math.exp(-i / 30) + 0.1] as const);
    const acc = Array.from({ length: 100 }, (_, i) => [i * 10, 1 - Math.exp(-i / 20)] as const);
    const img = linePlot(
      [
        { name: 'loss', points: loss },
        { name: 'test_accuracy', points: acc },
      ],
      { title: 'mnist_mlp', xLabel: 'step' },
    );
    expect([img.width, img.height]).toEqual([640, 400]);
    expect(colourCount(img.data, [31, 119, 180])).toBeGreaterThan(500);
    expect(colourCount(img.data, [255, 127, 14])).toBeGreaterThan(500);
    const back = PNG.sync.read(Buffer.from(encodePng(img)));
    expect(back.width).toBe(640);
  });

  it('marks the points of a sparse series, so the accuracy of one epoch shows', () => {
    const plain = linePlot([{ name: 'acc', points: [[62, 0.9]] }], { width: 200, height: 120 });
    const marked = linePlot([{ name: 'acc', points: [[62, 0.9]], markers: true }], { width: 200, height: 120 });
    expect(colourCount(marked.data, [31, 119, 180]) - colourCount(plain.data, [31, 119, 180])).toBe(24);
  });

  it('breaks the line at non-finite points and draws an empty plot without failing', () => {
    const withNaN = linePlot(
      [
        {
          name: 'loss',
          points: [
            [0, 1],
            [1, NaN],
            [2, 1],
          ],
        },
      ],
      { width: 200, height: 120 },
    );
    const without = linePlot(
      [
        {
          name: 'loss',
          points: [
            [0, 1],
            [1, 1],
            [2, 1],
          ],
        },
      ],
      { width: 200, height: 120 },
    );
    expect(colourCount(withNaN.data, [31, 119, 180])).toBeLessThan(colourCount(without.data, [31, 119, 180]));
    const empty = linePlot([{ name: 'loss', points: [] }], { width: 200, height: 120 });
    expect(colourCount(empty.data, [40, 40, 40])).toBeGreaterThan(0);
  });
});
