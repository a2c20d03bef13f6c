// Helpers for the conv/pool/norm tests: one op as a node (for its kernel emitter),
// its float64 reference on seeded data, and its kernel run on the device against it.
import { expect } from 'vitest';
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import type { Attrs, Node, TensorType, Value } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import '../../../compiler/ops/index';
import type { Tensor } from '../../../compiler/ops/registry';
import type { KernelSpec } from '../../../compiler/codegen/kernel-spec';
import { getOp } from '../../../compiler/ops/registry';
import { rng } from '../../helpers/gradcheck';
import { runKernel } from '../../helpers/kernel';
import type { ConvTile, DirectConv } from '../../../compiler/codegen/kernels/conv';
import { emitDirectConv } from '../../../compiler/codegen/kernels/conv';
import {
  conv2dGeometry,
  conv2dTransposeGeometry,
  filterGradGeometry,
} from '../../../compiler/codegen/kernels/conv-geometry';
import { convParamsOf } from '../../../compiler/codegen/kernels/fused-conv';

export function nodeOf(op: string, inputs: readonly TensorType[], attrs: Attrs = {}): Node {
  const def = getOp(op);
  const full = normalizeAttrs(def, attrs);
  const outs = def.infer(inputs, full);
  const value = (type: TensorType, id: number): Value => ({ id, type, def: null });
  return {
    id: 0,
    op,
    inputs: inputs.map((t, i) => value(t, i)),
    outputs: outs.map((t, i) => value(t, 100 + i)),
    attrs: full,
  };
}

/** Seeded data in [-1, 1) (or from `fill`) for each input type. */
export function randomInputs(
  types: readonly TensorType[],
  seed = 7,
  fill?: (input: number, index: number, u: number) => number,
): Tensor[] {
  const r = rng(seed);
  return types.map((type, k) => ({
    type,
    data: Float64Array.from({ length: numel(type.shape) }, (_, e) => (fill ? fill(k, e, r()) : 2 * r() - 1)),
  }));
}

/** The direct-convolution nest of a conv2d, conv2d_transpose or conv2d_filter_grad node. */
function convGeometry(node: Node): DirectConv {
  const [a, b] = node.inputs.map((v) => v.type);
  const out = node.outputs[0].type;
  const params = convParamsOf(node.attrs);
  if (node.op === 'conv2d') return conv2dGeometry(a, b, out, params, node.op);
  if (node.op === 'conv2d_transpose') return conv2dTransposeGeometry(a, b, out, params, node.op);
  if (node.op === 'conv2d_filter_grad') return filterGradGeometry(a, b, out, params, node.op);
  throw new Error(`${node.op} is not a direct convolution`);
}

/**
 * Runs the op's kernels on the device (guarded) and compares with the reference in
 * float32 tolerance; `textures` lets the kernel read operand textures, `tile` (conv
 * ops) sets the nest's tile. Returns the kernel.
 */
export async function expectKernelMatches(
  op: string,
  types: readonly TensorType[],
  attrs: Attrs = {},
  opts: {
    fill?: (input: number, index: number, u: number) => number;
    tol?: number;
    textures?: boolean;
    tile?: ConvTile;
  } = {},
): Promise<KernelSpec> {
  const node = nodeOf(op, types, attrs);
  const inputs = randomInputs(types, 11, opts.fill);
  const expected = getOp(op).reference(inputs, node.attrs, { seed: 1, step: 0 });
  const ctx = { limits: {}, family: 'register' as const, textures: opts.textures === true };
  const specs = opts.tile ? [emitDirectConv(convGeometry(node), ctx, opts.tile)] : getOp(op).kernel!(node, ctx);
  expect(specs.length).toBe(1);
  const got = await runKernel(
    specs[0],
    inputs.map((t) => ({ type: t.type, data: t.data })),
    node.outputs.map((v) => v.type),
    { guard: true },
  );
  const tol = opts.tol ?? 1e-4;
  got.forEach((g, o) => {
    const want = expected[o].data;
    expect(g.length).toBe(want.length);
    let scale = 1;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    for (let e = 0; e < want.length; e++) {
      if (!(Math.abs(g[e] - want[e]) <= tol * scale)) {
        throw new Error(`${specs[0].name} output ${o} element ${e}: kernel ${g[e]}, reference ${want[e]}`);
      }
    }
  });
  return specs[0];
}
