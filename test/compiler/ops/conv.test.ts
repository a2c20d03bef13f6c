import { describe, expect, it } from 'vitest';
import type { TensorType } from '../../../compiler/ir/types';
import type { KernelSpec } from '../../../compiler/codegen/kernel-spec';
import type { ConvTile } from '../../../compiler/codegen/kernels/conv';
import { gradcheck } from '../../helpers/gradcheck';
import { f32, infer, run1 } from './ref-helpers';
import { expectKernelMatches, randomInputs } from './vision-kernel';

const t = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

describe('conv shape rules', () => {
  it('computes output sizes', () => {
    expect(infer('conv2d', [t(64, 1, 28, 28), t(20, 1, 5, 5)])).toEqual([t(64, 20, 24, 24)]);
    expect(infer('conv2d', [t(2, 3, 7, 6), t(4, 3, 3, 3)], { stride: [2, 2], padding: [1, 1] })).toEqual([
      t(2, 4, 4, 3),
    ]);
    expect(infer('conv2d', [t(2, 4, 5, 5), t(6, 2, 3, 3)], { groups: 2 })).toEqual([t(2, 6, 3, 3)]);
    expect(
      infer('conv2d_transpose', [t(2, 4, 4, 3), t(4, 3, 3, 3)], {
        stride: [2, 2],
        padding: [1, 1],
        output_padding: [0, 1],
      }),
    ).toEqual([t(2, 3, 7, 6)]);
    expect(
      infer('conv2d_filter_grad', [t(2, 3, 7, 6), t(2, 4, 4, 3)], { stride: [2, 2], padding: [1, 1], kernel: [3, 3] }),
    ).toEqual([t(4, 3, 3, 3)]);
  });
  it('names the shapes in errors', () => {
    expect(() => infer('conv2d', [t(1, 3, 8, 8), t(4, 1, 3, 3)])).toThrow(
      'conv2d: input has 3 channels but the filter expects 1 (groups=1): f32[1,3,8,8] * f32[4,1,3,3]',
    );
    expect(() => infer('conv2d', [t(1, 3, 8, 8), t(4, 1, 3, 3)], { groups: 2 })).toThrow(
      'conv2d: input has 3 channels, not divisible by groups=2',
    );
    expect(() => infer('conv2d', [t(1, 4, 8, 8), t(3, 2, 3, 3)], { groups: 2 })).toThrow(
      'conv2d: filter has 3 channels, not divisible by groups=2',
    );
    expect(() => infer('conv2d', [t(1, 1, 2, 8), t(1, 1, 3, 3)])).toThrow(
      'conv2d: input height 2 with padding 0 is smaller than the window (3)',
    );
    expect(() => infer('conv2d', [t(1, 8, 8), t(1, 1, 3, 3)])).toThrow(
      'conv2d: input has shape f32[1,8,8], expected rank 4 (NCHW)',
    );
    expect(() => infer('conv2d', [t(1, 1, 8, 8), { dtype: 'i32', shape: [1, 1, 3, 3] }])).toThrow(
      'conv2d: filter is i32[1,1,3,3], expected f32',
    );
    expect(() => infer('conv2d', [t(1, 1, 8, 8), t(1, 1, 3, 3)], { stride: [0, 1] })).toThrow(
      'conv2d: stride must be positive, got [0,1]',
    );
    expect(() => infer('conv2d', [t(1, 1, 8, 8), t(1, 1, 3, 3)], { padding: [-1, 0] })).toThrow(
      'conv2d: padding must be non-negative',
    );
    expect(() => infer('conv2d', [t(1, 1, 8, 8), t(1, 1, 3, 3)], { groups: 0 })).toThrow(
      'conv2d: groups must be positive, got 0',
    );
    expect(() => infer('conv2d_transpose', [t(1, 2, 4, 4), t(3, 1, 3, 3)])).toThrow(
      'conv2d_transpose: input has 2 channels but the filter has 3 output channels',
    );
    expect(() =>
      infer('conv2d_transpose', [t(1, 2, 4, 4), t(2, 1, 3, 3)], { stride: [2, 2], output_padding: [2, 0] }),
    ).toThrow('conv2d_transpose: output_padding [2,0] must be smaller than the stride [2,2]');
    expect(() => infer('conv2d_transpose', [t(1, 2, 1, 1), t(2, 1, 1, 1)], { padding: [1, 1] })).toThrow(
      'conv2d_transpose: padding [1,1] leaves an empty output',
    );
    expect(() => infer('conv2d_filter_grad', [t(2, 1, 8, 8), t(3, 4, 6, 6)], { kernel: [3, 3] })).toThrow(
      'conv2d_filter_grad: batch sizes differ',
    );
    expect(() => infer('conv2d_filter_grad', [t(2, 1, 8, 8), t(2, 4, 5, 6)], { kernel: [3, 3] })).toThrow(
      'conv2d_filter_grad: a 3x3 filter over f32[2,1,8,8] gives 6x6 outputs, but the gradient is f32[2,4,5,6]',
    );
    expect(() => infer('conv2d_filter_grad', [t(2, 1, 8, 8), t(2, 4, 6, 6)])).toThrow(
      "conv2d_filter_grad: attribute 'kernel' is required",
    );
  });
});

describe('conv reference', () => {
  // 1-channel 4×4 input 1..16, 2×2 filter [[1,0],[0,-1]]: y = x[i][j] − x[i+1][j+1] = −5 everywhere.
  const x = f32(
    [1, 1, 4, 4],
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  it('conv2d by hand', () => {
    expect(run1('conv2d', [x, f32([1, 1, 2, 2], [1, 0, 0, -1])])).toEqual(Array(9).fill(-5));
    // 3×3 box filter, padding 1, stride 2: sums of the clipped 3×3 neighbourhoods of (0,0),(0,2),(2,0),(2,2).
    expect(run1('conv2d', [x, f32([1, 1, 3, 3], Array(9).fill(1))], { stride: [2, 2], padding: [1, 1] })).toEqual([
      14, 30, 57, 99,
    ]);
  });
  it('groups keep channels apart', () => {
    const x2 = f32([1, 2, 1, 1], [3, 5]);
    expect(run1('conv2d', [x2, f32([2, 1, 1, 1], [2, 10])], { groups: 2 })).toEqual([6, 50]);
  });
  it('conv2d_transpose scatters each input through the filter', () => {
    // One input 1 at (0,0) and 2 at (0,1), stride 2, 2×2 filter [[1,2],[3,4]] → two disjoint copies.
    expect(
      run1('conv2d_transpose', [f32([1, 1, 1, 2], [1, 2]), f32([1, 1, 2, 2], [1, 2, 3, 4])], { stride: [2, 2] }),
    ).toEqual([1, 2, 2, 4, 3, 4, 6, 8]);
  });
  it('conv2d_filter_grad correlates input and gradient', () => {
    // Gradient all ones over the 3×3 output of a 2×2 filter: dw[i][j] = sum of x over the shifted 3×3 block.
    expect(run1('conv2d_filter_grad', [x, f32([1, 1, 3, 3], Array(9).fill(1))], { kernel: [2, 2] })).toEqual([
      54, 63, 90, 99,
    ]);
  });
  it('the three ops are adjoint: <conv(x,w), y> = <x, convᵀ(y,w)> = <w, F(x,y)>', () => {
    const attrs = { stride: [2, 1], padding: [1, 2], groups: 2 };
    const [xs, ws] = randomInputs([t(2, 4, 7, 6), t(6, 2, 3, 2)], 3);
    const y = run1('conv2d', [xs, ws], attrs);
    const [ys] = randomInputs([t(2, 6, 4, 9)], 4);
    expect(y.length).toBe(ys.data.length);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
    const lhs = dot(y, ys.data);
    expect(dot(xs.data, run1('conv2d_transpose', [ys, ws], { ...attrs, output_padding: [0, 0] }))).toBeCloseTo(lhs, 10);
    expect(dot(ws.data, run1('conv2d_filter_grad', [xs, ys], { ...attrs, kernel: [3, 2] }))).toBeCloseTo(lhs, 10);
  });
});

describe('conv gradients (finite differences)', () => {
  const attrs = { stride: [2, 2], padding: [1, 0], groups: 1 };
  it('conv2d', () => {
    const r = gradcheck((b, [x, w]) => [b.op('conv2d', [x, w], attrs)], randomInputs([t(2, 2, 5, 6), t(3, 2, 3, 2)]));
    expect(r.elements).toBe(120 + 36);
  });
  it('conv2d_transpose and conv2d_filter_grad, with groups', () => {
    const g = { stride: [1, 2], padding: [0, 1], groups: 2 };
    gradcheck(
      (b, [y, w]) => [b.op('conv2d_transpose', [y, w], { ...g, output_padding: [0, 1] })],
      randomInputs([t(1, 4, 3, 3), t(4, 1, 2, 3)]),
    );
    gradcheck(
      (b, [x, y]) => [b.op('conv2d_filter_grad', [x, y], { ...g, kernel: [2, 3] })],
      randomInputs([t(2, 2, 4, 5), t(2, 4, 3, 3)]),
    );
  });
  it('second order: the gradient of a conv gradient', () => {
    // d/dx of <F(x, g), v> — differentiates the filter gradient again.
    gradcheck(
      (b, [x, w]) => {
        const y = b.op('conv2d', [x, w], attrs);
        return [b.op('conv2d_filter_grad', [x, b.op('mul', [y, y])], { ...attrs, kernel: [3, 2] })];
      },
      randomInputs([t(1, 2, 5, 4), t(2, 2, 3, 2)]),
    );
  });
});

describe('conv kernels on the device', () => {
  const shapes: [string, TensorType[], Record<string, number[] | number>][] = [
    ['odd sizes', [t(3, 3, 7, 9), t(5, 3, 3, 2)], {}],
    ['stride and padding', [t(2, 3, 9, 7), t(4, 3, 3, 3)], { stride: [2, 3], padding: [1, 2] }],
    ['groups', [t(2, 6, 6, 5), t(9, 2, 3, 3)], { groups: 3, padding: [1, 1] }],
    ['many channels, ragged block', [t(2, 20, 12, 12), t(50, 20, 5, 5)], {}],
  ];
  for (const [label, [x, w], attrs] of shapes) {
    it(`conv2d ${label}`, async () => {
      await expectKernelMatches('conv2d', [x, w], attrs);
    });
    it(`conv2d_transpose ${label}`, async () => {
      const [y] = (await import('./ref-helpers')).infer('conv2d', [x, w], attrs);
      const s = (attrs.stride as number[] | undefined) ?? [1, 1];
      const p = (attrs.padding as number[] | undefined) ?? [0, 0];
      const extra = [0, 1].map((d) => (x.shape[2 + d] + 2 * p[d] - w.shape[2 + d]) % s[d]);
      await expectKernelMatches('conv2d_transpose', [y, w], { ...attrs, output_padding: extra });
    });
    it(`conv2d_filter_grad ${label}`, async () => {
      const [y] = (await import('./ref-helpers')).infer('conv2d', [x, w], attrs);
      await expectKernelMatches('conv2d_filter_grad', [x, y], { ...attrs, kernel: [w.shape[2], w.shape[3]] });
    });
  }
  // Operand textures (register family): which operands a kernel reads as textures
  // ('x' binding 0, 'w' binding 1) is asserted, so a case cannot silently fall back.
  const bound = (spec: KernelSpec): string => (spec.textureInputs ?? []).map((t) => ['x', 'w'][t.binding]).join('');
  const textured: [string, string, TensorType[], Record<string, number[] | number>, string][] = [
    // Rows of 16, kernel rows of 4 (aligned weight runs), columns in 3 tiles of 8 starting at −4.
    ['conv2d', 'aligned runs, column tiles', [t(2, 3, 8, 16), t(4, 3, 4, 4)], { padding: [1, 4] }, 'xw'],
    [
      'conv2d',
      'stride 2, tiles of 16 input columns',
      [t(2, 3, 9, 24), t(4, 3, 3, 5)],
      { stride: [2, 2], padding: [1, 4] },
      'xw',
    ],
    [
      'conv2d',
      'one tile per row, unaligned weight runs, ragged channel block',
      [t(3, 20, 12, 12), t(50, 20, 5, 5)],
      {},
      'xw',
    ],
    ['conv2d', 'groups', [t(2, 4, 6, 8), t(6, 2, 3, 2)], { groups: 2, padding: [1, 0] }, 'xw'],
    ['conv2d_transpose', 'flipped unaligned runs over padding', [t(3, 50, 8, 8), t(50, 20, 5, 5)], {}, 'xw'],
    [
      'conv2d_transpose',
      'flipped aligned runs, rows of 21 as buffer',
      [t(2, 4, 7, 21), t(4, 3, 4, 4)],
      { padding: [1, 4] },
      'w',
    ],
    [
      'conv2d_filter_grad',
      'runs of 21 gradient columns',
      [t(2, 3, 8, 16), t(2, 4, 7, 21)],
      { padding: [1, 4], kernel: [4, 4] },
      'xw',
    ],
    ['conv2d_filter_grad', 'LeNet layer 2 shapes', [t(3, 20, 12, 12), t(3, 50, 8, 8)], { kernel: [5, 5] }, 'xw'],
  ];
  for (const [op, label, types, attrs, want] of textured) {
    it(`${op} through operand textures: ${label}`, async () => {
      const spec = await expectKernelMatches(op, types, attrs, { textures: true, tol: 1e-3 });
      expect(bound(spec)).toBe(want);
    });
  }
  // Several output rows per invocation, the last row block ragged, with and without textures.
  const rowBlocks: [string, TensorType[], Record<string, number[] | number>, ConvTile][] = [
    ['conv2d', [t(2, 3, 9, 8), t(4, 3, 3, 3)], { padding: [1, 4] }, { to: 2, tx: 8, ty: 4 }],
    ['conv2d_transpose', [t(2, 4, 7, 8), t(4, 3, 3, 3)], { padding: [1, 2] }, { to: 2, tx: 4, ty: 3 }],
    [
      'conv2d_filter_grad',
      [t(2, 3, 9, 8), t(2, 5, 9, 10)],
      { padding: [1, 2], kernel: [3, 3] },
      { to: 3, tx: 3, ty: 2 },
    ],
  ];
  for (const [op, types, attrs, tile] of rowBlocks) {
    for (const textures of [false, true]) {
      it(`${op}: ${tile.ty} rows per invocation, ragged${textures ? ', through operand textures' : ''}`, async () => {
        const spec = await expectKernelMatches(op, types, attrs, { textures, tile });
        expect(spec.wgsl).toContain(`oy${tile.ty! - 1}`);
        expect((spec.textureInputs ?? []).length > 0).toBe(textures);
      });
    }
  }
  it('LeNet layer 1: [64,1,28,28] * [20,1,5,5], forward and filter gradient', async () => {
    await expectKernelMatches('conv2d', [t(64, 1, 28, 28), t(20, 1, 5, 5)]);
    await expectKernelMatches(
      'conv2d_filter_grad',
      [t(64, 1, 28, 28), t(64, 20, 24, 24)],
      { kernel: [5, 5] },
      { tol: 1e-3 },
    );
  }, 60_000);
  it('LeNet layer 2: [64,20,12,12] * [50,20,5,5], all three', async () => {
    await expectKernelMatches('conv2d', [t(64, 20, 12, 12), t(50, 20, 5, 5)]);
    await expectKernelMatches('conv2d_transpose', [t(64, 50, 8, 8), t(50, 20, 5, 5)]);
    await expectKernelMatches(
      'conv2d_filter_grad',
      [t(64, 20, 12, 12), t(64, 50, 8, 8)],
      { kernel: [5, 5] },
      { tol: 1e-3 },
    );
  }, 60_000);
});
