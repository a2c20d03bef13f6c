import { describe, expect, it } from 'vitest';
import type { TensorType, Value } from '../../../compiler/ir/types';
import type { GradBuilder } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';
import { gradcheck } from '../../helpers/gradcheck';
import { f32, infer, run1 } from './ref-helpers';
import { expectKernelMatches, randomInputs } from './vision-kernel';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

describe('norm shape rules', () => {
  it('keep the input shape', () => {
    expect(infer('lrn', [t(2, 7, 3, 3)])).toEqual([t(2, 7, 3, 3)]);
    expect(infer('lcn', [t(2, 3, 8, 8)], { size: [5, 3] })).toEqual([t(2, 3, 8, 8)]);
    expect(infer('channel_window_sum', [t(1, 4, 2, 2)], { size: 3, lo: 1 })).toEqual([t(1, 4, 2, 2)]);
  });
  it('reject bad inputs and attributes', () => {
    expect(() => infer('lrn', [t(2, 7, 3)])).toThrow('lrn: input has shape f32[2,7,3], expected rank 4 (NCHW)');
    expect(() => infer('lrn', [t(2, 7, 3, 3)], { size: 0 })).toThrow('lrn: size must be positive, got 0');
    expect(() => infer('lrn', [t(2, 7, 3, 3)], { k: 0 })).toThrow(
      'lrn: k must be positive and alpha non-negative, got k=0, alpha=0.0001',
    );
    expect(() => infer('lcn', [t(2, 3, 8, 8)], { size: [4, 3] })).toThrow(
      'lcn: the window [4,3] must have odd, positive sides',
    );
    expect(() => infer('lcn', [t(2, 3, 8, 8)], { sigma: -1 })).toThrow('lcn: sigma must be positive, got -1');
    expect(() => infer('channel_window_sum', [t(1, 4, 2, 2)], { size: 3, lo: 3 })).toThrow(
      'channel_window_sum: lo must be in [0, 2], got 3',
    );
  });
});

describe('norm reference', () => {
  it('lrn by hand', () => {
    // Channels 1, 2, 3 at one pixel, size 3 (window c−1..c+1), k = 1, α = 1, β = 1.
    const y = run1('lrn', [f32([1, 3, 1, 1], [1, 2, 3])], { size: 3, k: 1, alpha: 1, beta: 1 });
    expect(y).toEqual([1 / (1 + 1 + 4), 2 / (1 + 1 + 4 + 9), 3 / (1 + 4 + 9)]);
  });
  it('channel_window_sum and its mirror', () => {
    expect(run1('channel_window_sum', [f32([1, 4, 1, 1], [1, 2, 4, 8])], { size: 2, lo: 0 })).toEqual([3, 6, 12, 8]);
    expect(run1('channel_window_sum', [f32([1, 4, 1, 1], [1, 2, 4, 8])], { size: 2, lo: 1 })).toEqual([1, 3, 6, 12]);
  });
  it('lcn by hand: subtract the channel mean, divide by max(σ, mean σ)', () => {
    // Two pixels: A = (1, 3) has σ = 1, B = (0, 4) has σ = 2; mean σ = 1.5.
    const y = run1('lcn', [f32([1, 2, 1, 2], [1, 0, 3, 4])], { size: [1, 1], sigma: 1 });
    [-2 / 3, -1, 2 / 3, 1].forEach((v, e) => expect(y[e]).toBeCloseTo(v, 14));
  });
});

describe('norm gradients (finite differences)', () => {
  it('lrn, with a large alpha so the divisive term matters', () => {
    gradcheck((b, [x]) => [b.op('lrn', [x], { size: 3, alpha: 0.5, beta: 0.75, k: 1 })], randomInputs([t(2, 5, 2, 3)]));
    gradcheck((b, [x]) => [b.op('lrn', [x], { size: 4, alpha: 0.3, beta: 0.6, k: 2 })], randomInputs([t(1, 6, 2, 2)]));
  });
  it('channel_window_sum', () => {
    gradcheck((b, [x]) => [b.op('channel_window_sum', [x], { size: 3, lo: 2 })], randomInputs([t(2, 5, 2, 2)]));
  });
  it('lcn', () => {
    gradcheck((b, [x]) => [b.op('lcn', [x], { size: [3, 3], sigma: 1 })], randomInputs([t(2, 2, 4, 5)]), {
      rtol: 1e-5,
    });
  });
  it('second order through lrn', () => {
    gradcheck(
      (b, [x]) => {
        const y = b.op('lrn', [x], { size: 3, alpha: 0.5, beta: 0.75, k: 1 });
        const g = b.op('mul', [y, y]);
        return [getLrnGrad(b, y, g)];
      },
      randomInputs([t(1, 4, 2, 2)]),
    );
  });
});

/** lrn's gradient rule applied to seed g, as a function of x (so it can be differentiated again). */
function getLrnGrad(b: GradBuilder, y: Value, g: Value): Value {
  return getOp('lrn').grad!(b, y.def!, [g])[0]!;
}

describe('norm kernels on the device', () => {
  it('lrn over odd shapes and windows', async () => {
    await expectKernelMatches('lrn', [t(3, 7, 5, 3)], { size: 5, alpha: 0.2, beta: 0.75, k: 2 });
    await expectKernelMatches('lrn', [t(2, 4, 3, 3)], { size: 2, alpha: 1, beta: 0.5, k: 1 });
  });
  it('channel_window_sum', async () => {
    await expectKernelMatches('channel_window_sum', [t(2, 6, 3, 5)], { size: 3, lo: 2 });
  });
});

describe('lcn kernel on the device', () => {
  it('matches the composite reference, odd sizes and windows', async () => {
    await expectKernelMatches('lcn', [t(3, 3, 7, 9)], { size: [3, 5], sigma: 1.2 });
    await expectKernelMatches('lcn', [t(2, 1, 28, 28)], { size: [9, 9], sigma: 2 });
  });
});
