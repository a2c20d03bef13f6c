import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import { gradcheck } from '../../helpers/gradcheck';
import { f32, infer, run, run1 } from './ref-helpers';
import { expectKernelMatches, randomInputs } from './vision-kernel';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const i = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });
const x16 = f32(
  [1, 1, 4, 4],
  Array.from({ length: 16 }, (_, k) => k + 1),
);
const win2 = { size: [2, 2] };

describe('pool shape rules', () => {
  it('computes output sizes (stride defaults to the size)', () => {
    expect(infer('max_pool', [t(64, 20, 24, 24)], win2)).toEqual([t(64, 20, 12, 12)]);
    expect(infer('avg_pool', [t(2, 3, 7, 6)], { size: [3, 3], stride: [2, 2], padding: [1, 1] })).toEqual([
      t(2, 3, 4, 3),
    ]);
    expect(infer('max_pool_with_switches', [t(1, 2, 5, 5)], win2)).toEqual([t(1, 2, 2, 2), i(1, 2, 2, 2)]);
    expect(infer('max_unpool', [t(1, 2, 2, 2), i(1, 2, 2, 2)], { ...win2, out: [5, 5] })).toEqual([t(1, 2, 5, 5)]);
    expect(infer('max_unpool', [t(1, 2, 2, 2), i(1, 2, 2, 2)], win2)).toEqual([t(1, 2, 4, 4)]);
    expect(
      infer('avg_pool_grad', [t(2, 3, 4, 3)], { size: [3, 3], stride: [2, 2], padding: [1, 1], out: [7, 6] }),
    ).toEqual([t(2, 3, 7, 6)]);
    expect(infer('max_unpool_grad', [t(1, 2, 5, 5), i(1, 2, 2, 2)], win2)).toEqual([t(1, 2, 2, 2)]);
  });
  it('names the shapes in errors', () => {
    expect(() => infer('max_pool', [t(1, 1, 4, 4)])).toThrow("'size'");
    expect(() => infer('max_pool', [t(1, 4, 4)], win2)).toThrow(
      'max_pool: input has shape f32[1,4,4], expected rank 4 (NCHW)',
    );
    expect(() => infer('max_pool', [t(1, 1, 1, 4)], win2)).toThrow(
      'max_pool: input height 1 with padding 0 is smaller than the window (2)',
    );
    expect(() => infer('max_pool', [t(1, 1, 4, 4)], { size: [2, 2], padding: [2, 0] })).toThrow(
      'max_pool: padding [2,0] must be smaller than the window [2,2]',
    );
    expect(() => infer('avg_pool', [t(1, 1, 4, 4)], { size: [0, 2] })).toThrow(
      'avg_pool: size must be positive, got [0,2]',
    );
    expect(() => infer('avg_pool', [t(1, 1, 4, 4)], { size: [2, 2], stride: [1, 0] })).toThrow(
      'avg_pool: stride must be positive',
    );
    expect(() => infer('max_pool_grad', [t(1, 1, 4, 4), t(1, 1, 3, 2)], win2)).toThrow(
      'max_pool_grad: gradient f32[1,1,3,2] does not match f32[1,1,2,2]',
    );
    expect(() => infer('max_unpool', [t(1, 1, 2, 2), t(1, 1, 2, 2)], win2)).toThrow(
      'max_unpool: switches are f32[1,1,2,2], expected i32',
    );
    expect(() => infer('max_unpool', [t(1, 1, 2, 2), i(1, 1, 2, 2)], { ...win2, out: [6, 6] })).toThrow(
      'max_unpool: pooling a 6x6 plane gives 3x3, but the pooled operand is f32[1,1,2,2]',
    );
    expect(() => infer('gaussian_pool', [t(1, 1, 4, 4)], { size: [3, 3], sigma: 0 })).toThrow(
      'gaussian_pool: sigma must be positive, got 0',
    );
  });
});

describe('pool reference', () => {
  it('max, switches, mean and L2 by hand', () => {
    expect(run1('max_pool', [x16], win2)).toEqual([6, 8, 14, 16]);
    const [p, s] = run('max_pool_with_switches', [x16], win2);
    expect([...p.data]).toEqual([6, 8, 14, 16]);
    expect([...s.data]).toEqual([5, 7, 13, 15]);
    expect(run1('avg_pool', [x16], win2)).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(run1('l2_pool', [x16], win2)[0]).toBeCloseTo(Math.sqrt(1 + 4 + 25 + 36), 14);
    // Padding never wins a max and counts as zero in a mean.
    expect(run1('max_pool', [f32([1, 1, 1, 2], [-3, -1])], { size: [1, 2], padding: [0, 1], stride: [1, 1] })).toEqual([
      -3, -1, -1,
    ]);
    expect(run1('avg_pool', [f32([1, 1, 1, 2], [2, 4])], { size: [1, 2], padding: [0, 1], stride: [1, 1] })).toEqual([
      1, 3, 2,
    ]);
  });
  it('ties go to the first maximum in window order', () => {
    expect(run1('max_pool_grad', [f32([1, 1, 2, 2], [5, 5, 5, 5]), f32([1, 1, 1, 1], [1])], win2)).toEqual([
      1, 0, 0, 0,
    ]);
  });
  it('unpooling puts values back at their switches', () => {
    const [p, s] = run('max_pool_with_switches', [x16], win2);
    expect(run1('max_unpool', [p, s], win2)).toEqual([0, 0, 0, 0, 0, 6, 0, 8, 0, 0, 0, 0, 0, 14, 0, 16]);
    expect(run1('max_unpool_grad', [x16, s], win2)).toEqual([6, 8, 14, 16]);
  });
  it('gaussian weights are symmetric and sum to 1', () => {
    const ones = f32([1, 1, 3, 3], Array(9).fill(2));
    expect(run1('gaussian_pool', [ones], { size: [3, 3], sigma: 0.8 })[0]).toBeCloseTo(2, 14);
    const delta = f32([1, 1, 3, 3], [0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const centre = run1('gaussian_pool', [delta], { size: [3, 3], sigma: 1 })[0];
    const z = 1 + 4 * Math.exp(-0.5) + 4 * Math.exp(-1);
    expect(centre).toBeCloseTo(1 / z, 14);
  });
});

describe('pool gradients (finite differences)', () => {
  const x = () => randomInputs([t(2, 2, 5, 6)], 5);
  const over = { size: [3, 2], stride: [2, 1], padding: [1, 1] };
  it('max_pool and max_pool_with_switches (overlapping, padded windows)', () => {
    gradcheck((b, [v]) => [b.op('max_pool', [v], over)], x());
    gradcheck((b, [v]) => [b.opN('max_pool_with_switches', [v], over)[0]], x());
  });
  it('max_pool_grad in g, and max_unpool / max_unpool_grad in their values', () => {
    const [xv] = x();
    const [, s] = run('max_pool_with_switches', [xv], over);
    const [g] = randomInputs([s.type.shape.length ? t(...s.type.shape) : t()], 9);
    gradcheck((b, [v, gv]) => [b.op('max_pool_grad', [v, gv], over)], [xv, g], { wrt: [1] });
    gradcheck((b, [pv, sv]) => [b.op('max_unpool', [pv, sv], { ...over, out: [5, 6] })], [g, s]);
    gradcheck((b, [gv, sv]) => [b.op('max_unpool_grad', [gv, sv], over)], [xv, s]);
  });
  it("avg, gaussian and L2 pools and the linear pools' adjoints", () => {
    gradcheck((b, [v]) => [b.op('avg_pool', [v], over)], x());
    gradcheck(
      (b, [v]) => [b.op('gaussian_pool', [v], { size: [3, 3], stride: [2, 2], padding: [1, 1], sigma: 0.7 })],
      x(),
    );
    gradcheck((b, [v]) => [b.op('l2_pool', [v], over)], x());
    gradcheck((b, [g]) => [b.op('avg_pool_grad', [g], { ...over, out: [5, 6] })], randomInputs([t(2, 2, 3, 7)]));
    gradcheck(
      (b, [g]) => [
        b.op('gaussian_pool_grad', [g], { size: [3, 3], stride: [2, 2], padding: [1, 1], sigma: 0.7, out: [5, 6] }),
      ],
      randomInputs([t(2, 2, 3, 3)]),
    );
  });
  it('second order through l2_pool', () => {
    gradcheck((b, [v]) => {
      const y = b.op('l2_pool', [v], over);
      const [dx] = [b.op('mul', [v, b.op('avg_pool_grad', [b.op('div', [y, y])], { ...over, out: [5, 6] })])];
      return [dx];
    }, x());
  });
});

describe('pool kernels on the device', () => {
  const windows: [string, Record<string, number[] | number>, TensorType][] = [
    ['2x2 LeNet', { size: [2, 2] }, t(64, 20, 24, 24)],
    ['odd, overlapping, padded', { size: [3, 2], stride: [2, 1], padding: [1, 1] }, t(3, 5, 7, 9)],
    ['window larger than stride, ragged end', { size: [3, 3], stride: [2, 2] }, t(2, 3, 8, 5)],
    ['tiling windows with ragged ends', { size: [2, 3] }, t(2, 3, 7, 8)],
  ];
  for (const [label, attrs, x] of windows) {
    it(`max family: ${label}`, async () => {
      const [p] = infer('max_pool', [x], attrs);
      await expectKernelMatches('max_pool', [x], attrs);
      await expectKernelMatches('max_pool_with_switches', [x], attrs);
      await expectKernelMatches('max_pool_grad', [x, p], attrs);
      // Unpooling needs switches that max pooling produced: take them from the reference.
      const [xs] = randomInputs([x], 11);
      const [, s] = run('max_pool_with_switches', [xs], attrs);
      await expectKernelMatches(
        'max_unpool',
        [p, s.type],
        { ...attrs, out: [x.shape[2], x.shape[3]] },
        { fill: (k, e, u) => (k === 1 ? s.data[e] : 2 * u - 1) },
      );
      await expectKernelMatches('max_unpool_grad', [x, s.type], attrs, {
        fill: (k, e, u) => (k === 1 ? s.data[e] : 2 * u - 1),
      });
    }, 30_000);
    it(`linear and L2 pools: ${label}`, async () => {
      const [p] = infer('avg_pool', [x], attrs);
      const out = { out: [x.shape[2], x.shape[3]] };
      await expectKernelMatches('avg_pool', [x], attrs);
      await expectKernelMatches('avg_pool_grad', [p], { ...attrs, ...out });
      await expectKernelMatches('gaussian_pool', [x], { ...attrs, sigma: 0.9 });
      await expectKernelMatches('gaussian_pool_grad', [p], { ...attrs, sigma: 0.9, ...out });
      await expectKernelMatches('l2_pool', [x], attrs);
    }, 30_000);
  }
});
