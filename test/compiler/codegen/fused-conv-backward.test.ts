// The backward convolutions with the activation gradient fused in (gradMask), on
// the device (guarded bindings) against masking in float64 followed by the
// registry's conv2d_transpose / conv2d_filter_grad references.
import { describe, expect, it } from 'vitest';
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import type { Attrs, TensorType } from '../../../compiler/ir/types';
import type { Tensor } from '../../../compiler/ops/registry';
import { getOp } from '../../../compiler/ops/registry';
import type { ConvParams, PoolWindow } from '../../../compiler/codegen/kernels/fused-conv';
import {
  emitConv2dFilterGradFused,
  emitConv2dTransposeFused,
  RELU_GRAD_MASK,
} from '../../../compiler/codegen/kernels/fused-conv';
import { runKernel } from '../../helpers/kernel';
import { expectClose, f32, randomTensor, ref } from './fused-conv-reference';

const input = (t: Tensor) => ({ type: t.type, data: t.data });
const attrsOf = (c: ConvParams): Attrs => ({ stride: [...c.stride], padding: [...c.padding], groups: c.groups });

interface BackCase {
  readonly label: string;
  /** The forward conv's input and filter. */
  readonly x: TensorType;
  readonly w: TensorType;
  readonly conv: ConvParams;
}

const CASES: BackCase[] = [
  {
    label: 'LeNet conv1',
    x: f32(64, 1, 28, 28),
    w: f32(20, 1, 5, 5),
    conv: { stride: [1, 1], padding: [0, 0], groups: 1 },
  },
  {
    label: 'LeNet conv2',
    x: f32(64, 20, 12, 12),
    w: f32(50, 20, 5, 5),
    conv: { stride: [1, 1], padding: [0, 0], groups: 1 },
  },
  {
    label: 'odd: stride 2, padding, groups 3',
    x: f32(3, 6, 12, 9),
    w: f32(9, 2, 3, 4),
    conv: { stride: [2, 2], padding: [1, 2], groups: 3 },
  },
];

/** The forward output type, g and a relu output y (about half zeros) of that type, and g masked by y > 0. */
function gradients(c: BackCase): { g: Tensor; y: Tensor; masked: Tensor } {
  const [yType] = getOp('conv2d').infer([c.x, c.w], normalizeAttrs(getOp('conv2d'), attrsOf(c.conv)));
  const g = randomTensor(yType, 21);
  const y = ref('relu', [randomTensor(yType, 22)])[0];
  const masked = { type: yType, data: g.data.map((v, i) => (y.data[i] > 0 ? v : 0)) };
  return { g, y, masked };
}

describe('conv backward with the relu gradient mask fused in', () => {
  for (const c of CASES) {
    it(`${c.label}: conv2d_transpose(g · (y > 0), w)`, async () => {
      const { g, y, masked } = gradients(c);
      const w = randomTensor(c.w, 23);
      // The output size of the forward input (output_padding recovers the rows a stride drops).
      const [, , OH, OW] = g.type.shape;
      const extra = [0, 1].map(
        (d) => c.x.shape[2 + d] - ((d ? OW : OH) - 1) * c.conv.stride[d] + 2 * c.conv.padding[d] - c.w.shape[2 + d],
      );
      const want = ref('conv2d_transpose', [masked, w], { ...attrsOf(c.conv), output_padding: extra })[0];
      expect(want.type.shape).toEqual(c.x.shape);
      const spec = emitConv2dTransposeFused({
        name: 'fused_relu_grad_conv2d_transpose',
        g: g.type,
        w: c.w,
        out: c.x,
        conv: c.conv,
        gradMask: RELU_GRAD_MASK,
      });
      const [got] = await runKernel(spec, [input(g), input(w), input(y)], [c.x], { guard: true });
      expectClose(`${c.label} dx`, got, want.data);
    });

    it(`${c.label}: conv2d_filter_grad(x, g · (y > 0))`, async () => {
      const { g, y, masked } = gradients(c);
      const x = randomTensor(c.x, 24);
      const want = ref('conv2d_filter_grad', [x, masked], {
        ...attrsOf(c.conv),
        kernel: [c.w.shape[2], c.w.shape[3]],
      })[0];
      expect(want.type.shape).toEqual(c.w.shape);
      const spec = emitConv2dFilterGradFused({
        name: 'fused_relu_grad_conv2d_filter_grad',
        x: c.x,
        g: g.type,
        out: c.w,
        conv: c.conv,
        gradMask: RELU_GRAD_MASK,
      });
      const [got] = await runKernel(spec, [input(x), input(g), input(y)], [c.w], { guard: true });
      expectClose(`${c.label} dw`, got, want.data);
    });
  }

  it('without a mask they are the plain conv2d_transpose and filter gradient', async () => {
    const c = CASES[2];
    const { g } = gradients(c);
    const w = randomTensor(c.w, 25);
    const x = randomTensor(c.x, 26);
    const [, , OH, OW] = g.type.shape;
    const extra = [0, 1].map(
      (d) => c.x.shape[2 + d] - ((d ? OW : OH) - 1) * c.conv.stride[d] + 2 * c.conv.padding[d] - c.w.shape[2 + d],
    );
    const [dx] = await runKernel(
      emitConv2dTransposeFused({ name: 'dx', g: g.type, w: c.w, out: c.x, conv: c.conv }),
      [input(g), input(w)],
      [c.x],
      { guard: true },
    );
    expectClose('dx', dx, ref('conv2d_transpose', [g, w], { ...attrsOf(c.conv), output_padding: extra })[0].data);
    const [dw] = await runKernel(
      emitConv2dFilterGradFused({ name: 'dw', x: c.x, g: g.type, out: c.w, conv: c.conv }),
      [input(x), input(g)],
      [c.w],
      { guard: true },
    );
    expectClose(
      'dw',
      dw,
      ref('conv2d_filter_grad', [x, g], { ...attrsOf(c.conv), kernel: [c.w.shape[2], c.w.shape[3]] })[0].data,
    );
  });
});

describe('conv backward straight from the max pool gradient (switches) with the relu mask', () => {
  interface UnpoolCase extends BackCase {
    readonly window: PoolWindow;
  }
  const UNPOOL: UnpoolCase[] = [
    { ...CASES[0], window: { size: [2, 2], stride: [2, 2], padding: [0, 0] } },
    { ...CASES[1], window: { size: [2, 2], stride: [2, 2], padding: [0, 0] } },
    // 13x13 conv output under 2x3 windows: a ragged last row and column that get no gradient.
    {
      label: 'odd ragged, groups 3',
      x: f32(2, 6, 14, 15),
      w: f32(6, 2, 4, 3),
      conv: { stride: [1, 1], padding: [1, 0], groups: 3 },
      window: { size: [2, 3], stride: [2, 3], padding: [0, 0] },
    },
  ];
  const poolAttrs = (w: PoolWindow): Attrs => ({ size: [...w.size], stride: [...w.stride], padding: [...w.padding] });

  /** The forward relu activation, its pooled values and switches, a pooled gradient, and the conv output's masked gradient in float64. */
  function forward(c: UnpoolCase) {
    const x = randomTensor(c.x, 31);
    const w = randomTensor(c.w, 32);
    const act = ref('relu', [ref('conv2d', [x, w], attrsOf(c.conv))[0]])[0];
    const [pooled, switches] = ref('max_pool_with_switches', [act], poolAttrs(c.window));
    const gp = randomTensor(pooled.type, 33);
    const [, , OH, OW] = act.type.shape;
    const unpooled = ref('max_unpool', [gp, switches], { ...poolAttrs(c.window), out: [OH, OW] })[0];
    const masked = { type: act.type, data: unpooled.data.map((v, i) => (act.data[i] > 0 ? v : 0)) };
    return { x, w, act, pooled, switches, gp, masked };
  }

  for (const c of UNPOOL) {
    it(`${c.label}: conv2d_transpose`, async () => {
      const { w, act, pooled, switches, gp, masked } = forward(c);
      const [, , OH, OW] = act.type.shape;
      const extra = [0, 1].map(
        (d) => c.x.shape[2 + d] - ((d ? OW : OH) - 1) * c.conv.stride[d] + 2 * c.conv.padding[d] - c.w.shape[2 + d],
      );
      const want = ref('conv2d_transpose', [masked, w], { ...attrsOf(c.conv), output_padding: extra })[0];
      const spec = emitConv2dTransposeFused({
        name: 'fused_max_unpool_relu_grad_conv2d_transpose',
        g: act.type,
        w: c.w,
        out: c.x,
        conv: c.conv,
        gradMask: RELU_GRAD_MASK,
        unpool: c.window,
      });
      const [got] = await runKernel(spec, [input(gp), input(w), input(switches), input(pooled)], [c.x], {
        guard: true,
      });
      expectClose(`${c.label} dx`, got, want.data);
    });
    it(`${c.label}: conv2d_filter_grad`, async () => {
      const { x, act, pooled, switches, gp, masked } = forward(c);
      const want = ref('conv2d_filter_grad', [x, masked], {
        ...attrsOf(c.conv),
        kernel: [c.w.shape[2], c.w.shape[3]],
      })[0];
      const spec = emitConv2dFilterGradFused({
        name: 'fused_max_unpool_relu_grad_conv2d_filter_grad',
        x: c.x,
        g: act.type,
        out: c.w,
        conv: c.conv,
        gradMask: RELU_GRAD_MASK,
        unpool: c.window,
      });
      const [got] = await runKernel(spec, [input(x), input(gp), input(switches), input(pooled)], [c.w], {
        guard: true,
      });
      expectClose(`${c.label} dw`, got, want.data);
    });
  }

  it('unpooling without the mask routes the pooled gradient alone', async () => {
    const c = UNPOOL[2];
    const { x, switches, gp, act } = forward(c);
    const [, , OH, OW] = act.type.shape;
    const unpooled = ref('max_unpool', [gp, switches], { ...poolAttrs(c.window), out: [OH, OW] })[0];
    const want = ref('conv2d_filter_grad', [x, unpooled], {
      ...attrsOf(c.conv),
      kernel: [c.w.shape[2], c.w.shape[3]],
    })[0];
    const spec = emitConv2dFilterGradFused({
      name: 'dw',
      x: c.x,
      g: act.type,
      out: c.w,
      conv: c.conv,
      unpool: c.window,
    });
    const [got] = await runKernel(spec, [input(x), input(gp), input(switches)], [c.w], { guard: true });
    expectClose('dw', got, want.data);
  });

  it('refuses windows that do not tile', () => {
    const c = UNPOOL[2];
    expect(() =>
      emitConv2dTransposeFused({
        name: 'k',
        g: f32(2, 6, 13, 13),
        w: c.w,
        out: c.x,
        conv: c.conv,
        unpool: { size: [3, 3], stride: [2, 2], padding: [0, 0] },
      }),
    ).toThrow('windows that tile');
  });
});
