// The convolution family, NCHW with filters [out_ch, in_ch/groups, kh, kw]:
//   conv2d(x, w)                 y[n,o,p,q] = Σ_c,i,j x[n, g·Cg+c, p·s−pad+i, q·s−pad+j] · w[o,c,i,j]
//   conv2d_transpose(y, w)       the adjoint of conv2d in x (its input gradient)
//   conv2d_filter_grad(x, y)     the adjoint of conv2d in w (its filter gradient)
// Each is bilinear and the adjoint of each in either operand is another of the
// three, so gradients of gradients stay inside the family. Bias is a separate add.
import type { Attrs, Node, TensorType, Value } from '../ir/types';
import { numel } from '../ir/types';
import { emitDirectConv, type DirectConv } from '../codegen/kernels/conv';
import { conv2dGeometry, conv2dTransposeGeometry, filterGradGeometry } from '../codegen/kernels/conv-geometry';
import type { AttrSpec, GradBuilder, Tensor } from './registry';
import type { KernelContext, KernelSpec } from '../codegen/kernel-spec';
import { defineOp, ShapeError } from './registry';
import type { Pair } from './window';
import {
  intAttr,
  pairAttr,
  requireNCHW,
  requireNonNegative,
  requirePositive,
  shapeText,
  transposedSize,
  windowOut,
} from './window';

const CONV_ATTRS: Record<string, AttrSpec> = {
  stride: { type: 'ints', default: [1, 1], doc: '[sh, sw]' },
  padding: { type: 'ints', default: [0, 0], doc: 'zero rows/columns added on each side [ph, pw]' },
  groups: { type: 'int', default: 1, doc: 'channel groups; input and output channels must both divide by it' },
};

interface ConvAttrs {
  stride: Pair;
  padding: Pair;
  groups: number;
}

function convAttrs(op: string, attrs: Attrs): ConvAttrs {
  const stride = pairAttr(op, attrs, 'stride', [1, 1]);
  const padding = pairAttr(op, attrs, 'padding', [0, 0]);
  const groups = intAttr(attrs, 'groups', 1);
  requirePositive(op, 'stride', stride);
  requireNonNegative(op, 'padding', padding);
  if (!(groups >= 1)) throw new ShapeError(`${op}: groups must be positive, got ${groups}`);
  return { stride, padding, groups };
}

function requireGroups(op: string, what: string, channels: number, groups: number, operand: number): void {
  if (channels % groups !== 0)
    throw new ShapeError(`${op}: ${what} has ${channels} channels, not divisible by groups=${groups}`, operand);
}

// --- shape rules -----------------------------------------------------------------

function inferConv2d(inputs: readonly TensorType[], attrs: Attrs): TensorType[] {
  const op = 'conv2d';
  const { stride, padding, groups } = convAttrs(op, attrs);
  const [N, C, H, W] = requireNCHW(op, inputs[0], 'input', 0);
  const [O, Cg, KH, KW] = requireNCHW(op, inputs[1], 'filter', 1);
  requireGroups(op, 'input', C, groups, 0);
  requireGroups(op, 'filter', O, groups, 1);
  if (C !== Cg * groups) {
    throw new ShapeError(
      `${op}: input has ${C} channels but the filter expects ${Cg * groups} (groups=${groups}): ${shapeText(inputs[0])} * ${shapeText(inputs[1])}`,
      1,
    );
  }
  const [OH, OW] = windowOut(op, 'input', [H, W], [KH, KW], stride, padding);
  return [{ dtype: 'f32', shape: [N, O, OH, OW] }];
}

function inferConv2dTranspose(inputs: readonly TensorType[], attrs: Attrs): TensorType[] {
  const op = 'conv2d_transpose';
  const { stride, padding, groups } = convAttrs(op, attrs);
  const extra = pairAttr(op, attrs, 'output_padding', [0, 0]);
  const [N, O, OH, OW] = requireNCHW(op, inputs[0], 'input', 0);
  const [FO, Cg, KH, KW] = requireNCHW(op, inputs[1], 'filter', 1);
  requireGroups(op, 'input', O, groups, 0);
  if (O !== FO)
    throw new ShapeError(
      `${op}: input has ${O} channels but the filter has ${FO} output channels: ${shapeText(inputs[0])} * ${shapeText(inputs[1])}`,
      1,
    );
  requireNonNegative(op, 'output_padding', extra);
  if (extra[0] >= stride[0] || extra[1] >= stride[1]) {
    throw new ShapeError(
      `${op}: output_padding [${extra.join(',')}] must be smaller than the stride [${stride.join(',')}]`,
    );
  }
  const H = transposedSize(OH, KH, stride[0], padding[0], extra[0]);
  const W = transposedSize(OW, KW, stride[1], padding[1], extra[1]);
  if (H < 1 || W < 1)
    throw new ShapeError(
      `${op}: padding [${padding.join(',')}] leaves an empty output for ${shapeText(inputs[0])} * ${shapeText(inputs[1])}`,
    );
  return [{ dtype: 'f32', shape: [N, Cg * groups, H, W] }];
}

function inferFilterGrad(inputs: readonly TensorType[], attrs: Attrs): TensorType[] {
  const op = 'conv2d_filter_grad';
  const { stride, padding, groups } = convAttrs(op, attrs);
  const kernel = pairAttr(op, attrs, 'kernel');
  requirePositive(op, 'kernel', kernel);
  const [N, C, H, W] = requireNCHW(op, inputs[0], 'input', 0);
  const [GN, O, OH, OW] = requireNCHW(op, inputs[1], 'output gradient', 1);
  if (N !== GN)
    throw new ShapeError(`${op}: batch sizes differ: ${shapeText(inputs[0])} and ${shapeText(inputs[1])}`, 1);
  requireGroups(op, 'input', C, groups, 0);
  requireGroups(op, 'output gradient', O, groups, 1);
  const [EH, EW] = windowOut(op, 'input', [H, W], kernel, stride, padding);
  if (EH !== OH || EW !== OW) {
    throw new ShapeError(
      `${op}: a ${kernel.join('x')} filter over ${shapeText(inputs[0])} gives ${EH}x${EW} outputs, but the gradient is ${shapeText(inputs[1])}`,
      1,
    );
  }
  return [{ dtype: 'f32', shape: [O, C / groups, kernel[0], kernel[1]] }];
}

// --- references (float64) ----------------------------------------------------------

/**
 * Visits every (x, w, y) index triple of the conv2d loop nest x[N,C,H,W] * w[O,Cg,KH,KW]
 * → y[N,O,OH,OW]; each of the three ops accumulates a different one of them.
 */
function forEachTap(
  x: readonly number[],
  w: readonly number[],
  y: readonly number[],
  a: ConvAttrs,
  visit: (xi: number, wi: number, yi: number) => void,
): void {
  const [N, C, H, W] = x;
  const [O, Cg, KH, KW] = w;
  const [, , OH, OW] = y;
  const Og = O / a.groups;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      for (let p = 0; p < OH; p++)
        for (let q = 0; q < OW; q++) {
          const yi = ((n * O + o) * OH + p) * OW + q;
          for (let c = 0; c < Cg; c++)
            for (let i = 0; i < KH; i++) {
              const h = p * a.stride[0] - a.padding[0] + i;
              if (h < 0 || h >= H) continue;
              for (let j = 0; j < KW; j++) {
                const v = q * a.stride[1] - a.padding[1] + j;
                if (v < 0 || v >= W) continue;
                visit(((n * C + g * Cg + c) * H + h) * W + v, ((o * Cg + c) * KH + i) * KW + j, yi);
              }
            }
        }
    }
}

function referenceConv2d(inputs: readonly Tensor[], attrs: Attrs): Tensor[] {
  const [type] = inferConv2d([inputs[0].type, inputs[1].type], attrs);
  const [x, w] = inputs.map((t) => t.data);
  const out = new Float64Array(numel(type.shape));
  forEachTap(
    inputs[0].type.shape,
    inputs[1].type.shape,
    type.shape,
    convAttrs('conv2d', attrs),
    (xi, wi, yi) => (out[yi] += x[xi] * w[wi]),
  );
  return [{ type, data: out }];
}

function referenceConv2dTranspose(inputs: readonly Tensor[], attrs: Attrs): Tensor[] {
  const [type] = inferConv2dTranspose([inputs[0].type, inputs[1].type], attrs);
  const [y, w] = inputs.map((t) => t.data);
  const out = new Float64Array(numel(type.shape));
  forEachTap(
    type.shape,
    inputs[1].type.shape,
    inputs[0].type.shape,
    convAttrs('conv2d_transpose', attrs),
    (xi, wi, yi) => (out[xi] += y[yi] * w[wi]),
  );
  return [{ type, data: out }];
}

function referenceFilterGrad(inputs: readonly Tensor[], attrs: Attrs): Tensor[] {
  const [type] = inferFilterGrad([inputs[0].type, inputs[1].type], attrs);
  const [x, y] = inputs.map((t) => t.data);
  const out = new Float64Array(numel(type.shape));
  forEachTap(
    inputs[0].type.shape,
    type.shape,
    inputs[1].type.shape,
    convAttrs('conv2d_filter_grad', attrs),
    (xi, wi, yi) => (out[wi] += x[xi] * y[yi]),
  );
  return [{ type, data: out }];
}

// --- gradient helpers ----------------------------------------------------------------

function attrsOf(a: ConvAttrs): Attrs {
  return { stride: [...a.stride], padding: [...a.padding], groups: a.groups };
}

/** conv2d_transpose of `g` that reproduces the spatial size `hw` of the conv's input. */
function transposeTo(b: GradBuilder, g: Value, w: Value, a: ConvAttrs, hw: Pair): Value {
  const [KH, KW] = [w.type.shape[2], w.type.shape[3]];
  const [OH, OW] = [g.type.shape[2], g.type.shape[3]];
  const extra = [
    hw[0] - transposedSize(OH, KH, a.stride[0], a.padding[0], 0),
    hw[1] - transposedSize(OW, KW, a.stride[1], a.padding[1], 0),
  ];
  return b.op('conv2d_transpose', [g, w], { ...attrsOf(a), output_padding: extra });
}

function filterGrad(b: GradBuilder, x: Value, g: Value, a: ConvAttrs, kernel: Pair): Value {
  return b.op('conv2d_filter_grad', [x, g], { ...attrsOf(a), kernel: [...kernel] });
}

const spatial = (t: TensorType): Pair => [t.shape[2], t.shape[3]];

const dims = (t: TensorType): string => t.shape.join('x');

type Geometry = (a: TensorType, b: TensorType, out: TensorType, params: ConvAttrs, name: string) => DirectConv;

/** The kernel of op `op` (operands a, b): the direct-convolution nest as `geometry` fills it in, named `op_<a dims>_<b dims>`. */
function directConvKernel(op: string, geometry: Geometry): (node: Node, ctx: KernelContext) => KernelSpec[] {
  return (node, ctx) => {
    const [a, b] = node.inputs.map((v) => v.type);
    return [
      emitDirectConv(
        geometry(a, b, node.outputs[0].type, convAttrs(op, node.attrs), `${op}_${dims(a)}_${dims(b)}`),
        ctx,
      ),
    ];
  };
}

// --- the ops -------------------------------------------------------------------------------

export const conv2d = defineOp({
  name: 'conv2d',
  kind: 'contraction',
  doc: '2-D cross-correlation, NCHW, filter [out, in/groups, kh, kw]: `%2: f32[64,20,24,24] = conv2d %x, %w [groups=1, padding=[0,0], stride=[1,1]]`',
  arity: 2,
  attrs: CONV_ATTRS,
  infer: inferConv2d,
  // dx = conv2d_transpose(g, w), dw = conv2d_filter_grad(x, g).
  grad(b, node, [g]) {
    if (!g) return [null, null];
    const [x, w] = node.inputs;
    const a = convAttrs('conv2d', node.attrs);
    return [transposeTo(b, g, w, a, spatial(x.type)), filterGrad(b, x, g, a, spatial(w.type))];
  },
  reference: referenceConv2d,
  kernel: directConvKernel('conv2d', conv2dGeometry),
});

export const conv2dTranspose = defineOp({
  name: 'conv2d_transpose',
  kind: 'contraction',
  doc:
    'Transposed convolution (the adjoint of conv2d in its input; ' +
    'filter [in, out/groups, kh, kw] as conv2d stores it): ' +
    '`%2: f32[64,1,28,28] = conv2d_transpose %g, %w [groups=1, output_padding=[0,0], padding=[0,0], stride=[1,1]]`',
  arity: 2,
  attrs: {
    ...CONV_ATTRS,
    output_padding: {
      type: 'ints',
      default: [0, 0],
      doc: 'extra rows/columns at the bottom/right, less than the stride',
    },
  },
  infer: inferConv2dTranspose,
  // y = Tᵀ(g, w) is bilinear: dg = conv2d(dy, w), dw = conv2d_filter_grad(dy, g).
  grad(b, node, [dy]) {
    if (!dy) return [null, null];
    const [g, w] = node.inputs;
    const a = convAttrs('conv2d_transpose', node.attrs);
    return [b.op('conv2d', [dy, w], attrsOf(a)), filterGrad(b, dy, g, a, spatial(w.type))];
  },
  reference: referenceConv2dTranspose,
  kernel: directConvKernel('conv2d_transpose', conv2dTransposeGeometry),
});

export const conv2dFilterGrad = defineOp({
  name: 'conv2d_filter_grad',
  kind: 'contraction',
  doc:
    'The filter gradient of conv2d from its input and output gradient: ' +
    '`%2: f32[20,1,5,5] = conv2d_filter_grad %x, %g [groups=1, kernel=[5,5], padding=[0,0], stride=[1,1]]`',
  arity: 2,
  attrs: { ...CONV_ATTRS, kernel: { type: 'ints', doc: 'filter size [kh, kw]' } },
  infer: inferFilterGrad,
  // dw = F(x, g) is bilinear: dx = conv2d_transpose(g, ddw), dg = conv2d(x, ddw).
  grad(b, node, [ddw]) {
    if (!ddw) return [null, null];
    const [x, g] = node.inputs;
    const a = convAttrs('conv2d_filter_grad', node.attrs);
    return [transposeTo(b, g, ddw, a, spatial(x.type)), b.op('conv2d', [x, ddw], attrsOf(a))];
  },
  reference: referenceFilterGrad,
  kernel: directConvKernel('conv2d_filter_grad', filterGradGeometry),
});
