// What the fusion passes (compiler/passes/fuse-*) and the fused kernels they build
// (compiler/codegen/fused-*-node.ts, kernels/fused-conv.ts) both ask of nodes: which
// ones may join a fused group, and the pooling window a node's attributes describe.
// Kept here, beside the ops, so the passes never import the code generator.
import type { AttrValue, Attrs, Node, TensorType, Value } from '../ir/types';
import { numel } from '../ir/types';
import type { PoolWindow } from '../codegen/kernels/pool';
import { getOp } from './registry';

type Pair = readonly [number, number];

/** How many windows of size k, stride s fit a padded extent n. */
export const windowCount = (n: number, k: number, s: number, p: number): number => Math.floor((n + 2 * p - k) / s) + 1;

/** Whether `v` broadcast against the conv output [N, O, OH, OW] varies along the channel axis only. */
export function isChannelBias(v: Value, convOut: Value): boolean {
  const shape = v.type.shape;
  const out = convOut.type.shape;
  if (v.type.dtype !== 'f32' || shape.length > out.length) return false;
  const offset = out.length - shape.length;
  return shape.every((d, k) => (k + offset === 1 ? d === out[1] : d === 1)) && numel(shape) === out[1];
}

/**
 * A slice in a fused elementwise group: the way the group loads one of its inputs
 * (at the slice's offsets, compiler/codegen/slice-load.ts), not a kernel of its own.
 */
export function isSliceLoad(n: Node): boolean {
  return n.op === 'slice';
}

/** One-operand f32 elementwise ops with a WGSL template (relu, tanh, sigmoid, ...). */
export function isActivation(n: Node): boolean {
  const def = getOp(n.op);
  return (
    def.kind === 'elementwise' &&
    def.wgsl !== undefined &&
    n.inputs.length === 1 &&
    n.outputs.length === 1 &&
    n.outputs[0].type.dtype === 'f32' &&
    n.inputs[0].type.dtype === 'f32'
  );
}

/** Most output channels one invocation of a conv with a fused lrn holds (its accumulators are registers). */
export const NORM_TILE_MAX_CHANNELS = 64;

/**
 * Whether an lrn can fuse into the conv (with `groups`) whose epilogue makes y: the
 * kernel's tile must hold all n neighbouring channels of every output, so all of
 * y's channels, as registers of one invocation.
 */
export function lrnFitsTile(y: TensorType, groups: number): boolean {
  return groups === 1 && y.shape.length === 4 && y.shape[1] <= NORM_TILE_MAX_CHANNELS;
}

export function isPool(n: Node): boolean {
  return n.op === 'max_pool' || n.op === 'avg_pool';
}

/** Whether `v` broadcasts against the 2-D product (numpy rules, rank at most 2). */
export function broadcastsToMatrix(v: Value, product: Value): boolean {
  const shape = v.type.shape;
  const out = product.type.shape;
  if (shape.length > out.length) return false;
  const offset = out.length - shape.length;
  return shape.every((d, k) => d === 1 || d === out[k + offset]);
}

/** A pair-valued attribute (`stride`, `padding`, `size`) as numbers. */
export function pairAttr(v: AttrValue | undefined, fallback: Pair): Pair {
  return Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : fallback;
}

/** A pooling node's window; `stride` absent or [] means the window size. */
export function poolWindowOf(attrs: Attrs): PoolWindow {
  const size = pairAttr(attrs.size, [0, 0]);
  if (!(size[0] > 0 && size[1] > 0))
    throw new Error(`pooling attributes without a window size: ${JSON.stringify(attrs)}`);
  return { size, stride: pairAttr(attrs.stride, size), padding: pairAttr(attrs.padding, [0, 0]) };
}

/** The pooled type of a conv output y [N, O, OH, OW]. */
export function pooledType(y: TensorType, window: PoolWindow): TensorType {
  const [N, O, OH, OW] = y.shape;
  return {
    dtype: 'f32',
    shape: [
      N,
      O,
      windowCount(OH, window.size[0], window.stride[0], window.padding[0]),
      windowCount(OW, window.size[1], window.stride[1], window.padding[1]),
    ],
  };
}

/** Whether pooling windows touch every element of the conv output (no stride gaps, no ragged end), as `prePool` needs. */
export function poolCoversOutput(y: TensorType, window: PoolWindow): boolean {
  const pooled = pooledType(y, window);
  return [0, 1].every((d) => {
    const n = y.shape[2 + d];
    const covered = (pooled.shape[2 + d] - 1) * window.stride[d] - window.padding[d] + window.size[d];
    return window.stride[d] <= window.size[d] && covered >= n;
  });
}

/** Whether the pooling windows tile the plane (stride = size, no padding), as `unpool` needs. */
export function poolWindowsTile(window: PoolWindow): boolean {
  return (
    window.stride[0] === window.size[0] &&
    window.stride[1] === window.size[1] &&
    window.padding[0] === 0 &&
    window.padding[1] === 0
  );
}
