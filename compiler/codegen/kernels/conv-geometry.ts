// How each op of the convolution family fills in the direct-convolution nest
// (DirectConv in ./conv): which operand the lanes walk, what is summed, and the
// index maps of input, weight and output. Shared by the ops' kernels and the fused
// kernels (./fused-conv).
import type { TensorType } from '../../ir/types';
import type { DirectConv } from './conv';

type Pair = readonly [number, number];

/** conv2d's attributes, as numbers. */
export interface ConvParams {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly groups: number;
}

/** conv2d: x [N,C,H,W] * w [O,C/g,KH,KW] → y [N,O,OH,OW]. */
export function conv2dGeometry(x: TensorType, w: TensorType, y: TensorType, a: ConvParams, name: string): DirectConv {
  const [, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [N, , OH, OW] = y.shape;
  const Og = O / a.groups;
  return {
    name,
    batch: N,
    groups: a.groups,
    ocPerGroup: Og,
    reduce: Cg,
    out: [OH, OW],
    kernel: [KH, KW],
    stride: a.stride,
    pad: a.padding,
    kdil: [1, 1],
    idil: [1, 1],
    inHW: [H, W],
    inElements: N * C * H * W,
    inPlane: `(b * ${C} + grp * ${Cg} + r) * ${H * W}`,
    weightAt: (ocg) => `(${ocg} * ${Cg} + r) * ${KH * KW} + ky * ${KW}`,
    weightKx: 1,
    weightElements: O * Cg * KH * KW,
    weightRowsAligned: KW % 4 === 0,
    outAt: (ocg, _ocl, ox) => `((b * ${O} + ${ocg}) * ${OH} + oy) * ${OW} + ${ox}`,
  };
}

/** conv2d_transpose (g [N,O,OH,OW], w [O,C/g,KH,KW] → x [N,C,H,W]) as a stride-1 convolution of the stride-dilated g with the flipped filter. */
export function conv2dTransposeGeometry(
  g: TensorType,
  w: TensorType,
  x: TensorType,
  a: ConvParams,
  name: string,
): DirectConv {
  const [N, O, OH, OW] = g.shape;
  const [, Cg, KH, KW] = w.shape;
  const [, C, H, W] = x.shape;
  const Og = O / a.groups;
  return {
    name,
    batch: N,
    groups: a.groups,
    ocPerGroup: Cg,
    reduce: Og,
    out: [H, W],
    kernel: [KH, KW],
    stride: [1, 1],
    pad: [KH - 1 - a.padding[0], KW - 1 - a.padding[1]],
    kdil: [1, 1],
    idil: a.stride,
    inHW: [OH, OW],
    inElements: N * O * OH * OW,
    inPlane: `(b * ${O} + grp * ${Og} + r) * ${OH * OW}`,
    weightAt: (_ocg, ocl) => `((grp * ${Og} + r) * ${Cg} + ${ocl}) * ${KH * KW} + (${KH - 1} - ky) * ${KW} + ${KW - 1}`,
    weightKx: -1,
    weightElements: O * Cg * KH * KW,
    weightRowsAligned: KW % 4 === 0,
    outAt: (ocg, _ocl, ox) => `((b * ${C} + ${ocg}) * ${H} + oy) * ${W} + ${ox}`,
  };
}

/**
 * conv2d_filter_grad (x [N,C,H,W], g [N,O,OH,OW] → dw [O,C/g,KH,KW]) as a convolution over the batch:
 * lanes own (input channel, kernel row, kernel columns).
 */
export function filterGradGeometry(
  x: TensorType,
  g: TensorType,
  dw: TensorType,
  a: ConvParams,
  name: string,
): DirectConv {
  const [N, C, H, W] = x.shape;
  const [, O, OH, OW] = g.shape;
  const [, Cg, KH, KW] = dw.shape;
  const Og = O / a.groups;
  return {
    name,
    batch: Cg,
    groups: a.groups,
    ocPerGroup: Og,
    reduce: N,
    out: [KH, KW],
    kernel: [OH, OW],
    stride: [1, 1],
    pad: a.padding,
    kdil: a.stride,
    idil: [1, 1],
    inHW: [H, W],
    inElements: N * C * H * W,
    inPlane: `(r * ${C} + grp * ${Cg} + b) * ${H * W}`,
    weightAt: (ocg) => `(r * ${O} + ${ocg}) * ${OH * OW} + ky * ${OW}`,
    weightKx: 1,
    weightElements: N * O * OH * OW,
    weightRowsAligned: OW % 4 === 0,
    outAt: (ocg, _ocl, ox) => `((${ocg} * ${Cg} + b) * ${KH} + oy) * ${KW} + ${ox}`,
  };
}
