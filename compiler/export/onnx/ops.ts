// How each IR op becomes standard ONNX ops: one table keyed by the registry's op
// name. An op is either in ONNX_OPS (a rule that adds ONNX nodes and returns the
// names of its outputs) or in NOT_EXPORTED with the reason it is refused; the
// exporter reports a refused op at its .dl line. test/export/onnx-ops.test.ts checks
// that every registered op is in exactly one of the two.
import type { DType, Node } from '../../ir/types';
import type { OnnxAttr } from './proto';
import { elemType } from './proto';

/** What a rule may ask of the exporter (export.ts). */
export interface EmitContext {
  /** Adds one ONNX node; returns the names of its `outputs` outputs. */
  add(
    opType: string,
    inputs: readonly string[],
    attrs?: Readonly<Record<string, OnnxAttr>>,
    outputs?: number,
  ): string[];
  /** An INT64 1-D constant (axes, pads, indices). */
  ints(values: readonly number[]): string;
  /** A scalar constant of a dlc dtype. */
  scalar(value: number, dtype: DType): string;
  /** `literal` node `node`'s elements as a constant (refused when they follow the batch). */
  literal(node: Node): string;
  /** Node attribute `attr` (a shape) as an INT64 shape tensor, computed from the batch where it follows it. */
  shapeAttr(node: Node, attr: string): string;
  /** Raised for a node this rule cannot express (an attribute ONNX has no form for). */
  refuse(node: Node, reason: string): never;
}

export type OnnxRule = (e: EmitContext, node: Node, ins: readonly string[]) => string[];

const ints = (node: Node, k: string) => node.attrs[k] as readonly number[];
const int = (node: Node, k: string) => node.attrs[k] as number;

const unary =
  (opType: string): OnnxRule =>
  (e, _n, [x]) =>
    e.add(opType, [x!]);
const binary =
  (opType: string): OnnxRule =>
  (e, _n, [a, b]) =>
    e.add(opType, [a!, b!]);

/** Reductions take their axes as an input since opset 18; no axes reduces nothing (dlc), not everything (ONNX). */
const reduce =
  (opType: string): OnnxRule =>
  (e, n, [x]) => {
    const axes = ints(n, 'axes');
    if (axes.length === 0) return e.add('Identity', [x!]);
    return e.add(opType, [x!, e.ints(axes)], { keepdims: n.attrs.keepdims ? 1 : 0 });
  };

/** Swaps the last two axes of a rank-r tensor. */
function swapLast(e: EmitContext, x: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return e.add('Transpose', [x], { perm })[0]!;
}

/** Window attributes shared by conv and pooling: NCHW, symmetric padding [ph, pw]. */
function window(n: Node, sizeAttr?: string): Record<string, OnnxAttr> {
  const [ph, pw] = ints(n, 'padding');
  const out: Record<string, OnnxAttr> = { strides: ints(n, 'stride'), pads: [ph!, pw!, ph!, pw!] };
  if (sizeAttr) out.kernel_shape = ints(n, sizeAttr);
  return out;
}

/** Labels as INT64 with a trailing axis of 1, the index form GatherElements takes. */
function labelIndex(e: EmitContext, labels: string): string {
  const wide = e.add('Cast', [labels], { to: 7 })[0]!;
  return e.add('Unsqueeze', [wide, e.ints([-1])])[0]!;
}

/** Each element's coordinate along `axis`: Range(0, shape[axis]) laid along that axis, expanded to the shape. */
const iota: OnnxRule = (e, n) => {
  const shape = e.shapeAttr(n, 'shape');
  const rank = ints(n, 'shape').length;
  const axis = (int(n, 'axis') + rank) % rank;
  const scalar = (t: string) => e.add('Squeeze', [t, e.ints([0])])[0]!;
  const size = scalar(e.add('Gather', [shape, e.ints([axis])])[0]!);
  const range = e.add('Range', [scalar(e.ints([0])), size, scalar(e.ints([1]))])[0]!;
  const along = [...Array(rank).keys()].map((d) => (d === axis ? -1 : 1));
  const placed = e.add('Reshape', [range, e.ints(along)])[0]!;
  const full = e.add('Expand', [placed, shape])[0]!;
  return e.add('Cast', [full], { to: 6 });
};

export const ONNX_OPS: Readonly<Record<string, OnnxRule>> = {
  // --- elementwise: ONNX broadcasts multidirectionally like numpy, as dlc does
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  minimum: binary('Min'),
  // fmod=1 keeps the dividend's sign, as dlc's `%` does; dlc defines x % 0 = 0, ONNX leaves it undefined.
  mod: (e, _n, [a, b]) => e.add('Mod', [a!, b!], { fmod: 1 }),
  maximum: binary('Max'),
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  reciprocal: unary('Reciprocal'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  relu: unary('Relu'),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  stop_gradient: unary('Identity'),
  square: (e, _n, [x]) => e.add('Mul', [x!, x!]),
  where: (e, _n, [c, a, b]) => e.add('Where', [c!, a!, b!]),
  cast: (e, n, [x]) => e.add('Cast', [x!], { to: elemType(n.attrs.to as DType) }),
  eq: binary('Equal'),
  ne: (e, _n, [a, b]) => e.add('Not', e.add('Equal', [a!, b!])),
  lt: binary('Less'),
  le: binary('LessOrEqual'),
  gt: binary('Greater'),
  ge: binary('GreaterOrEqual'),
  logical_and: binary('And'),
  logical_or: binary('Or'),
  logical_not: unary('Not'),
  // constant [value, dtype, shape] = Expand(scalar value, shape)
  constant: (e, n) => {
    const v = e.scalar(n.attrs.value as number, n.attrs.dtype as DType);
    return ints(n, 'shape').length === 0 ? [v] : e.add('Expand', [v, e.shapeAttr(n, 'shape')]);
  },

  // literal [data, dtype, shape] = an initializer holding data
  literal: (e, n) => [e.literal(n)],

  // --- losses, composite: each its defining formula in ONNX ops
  // binary_cross_entropy(z, t) = softplus(z) - z·t
  binary_cross_entropy: (e, _n, [z, t]) => e.add('Sub', [e.add('Softplus', [z!])[0]!, e.add('Mul', [z!, t!])[0]!]),
  // squared_error(p, t) = (p - t)²
  squared_error: (e, _n, [p, t]) => {
    const d = e.add('Sub', [p!, t!])[0]!;
    return e.add('Mul', [d, d]);
  },
  // hinge(s, t) = relu(1 - t·s)
  hinge: (e, _n, [s, t]) => e.add('Relu', [e.add('Sub', [e.scalar(1, 'f32'), e.add('Mul', [t!, s!])[0]!])[0]!]),
  // huber(x) = |x| ≤ δ ? ½x² : δ(|x| - ½δ)
  huber: (e, n, [x]) => {
    const delta = n.attrs.delta as number;
    const a = e.add('Abs', [x!])[0]!;
    const quad = e.add('Mul', [e.scalar(0.5, 'f32'), e.add('Mul', [x!, x!])[0]!])[0]!;
    const lin = e.add('Mul', [e.scalar(delta, 'f32'), e.add('Sub', [a, e.scalar(delta / 2, 'f32')])[0]!])[0]!;
    return e.add('Where', [e.add('LessOrEqual', [a, e.scalar(delta, 'f32')])[0]!, quad, lin]);
  },
  // cross_entropy(z, y) = logsumexp(z, last axis) - z[y]
  cross_entropy: (e, _n, [z, y]) => {
    const lse = e.add('ReduceLogSumExp', [z!, e.ints([-1])], { keepdims: 0 })[0]!;
    const picked = e.add('GatherElements', [z!, labelIndex(e, y!)], { axis: -1 })[0]!;
    return e.add('Sub', [lse, e.add('Squeeze', [picked, e.ints([-1])])[0]!]);
  },

  // --- contractions and windows
  matmul: (e, n, [a, b]) => {
    const ta = n.attrs.transpose_a ? swapLast(e, a!, n.inputs[0]!.type.shape.length) : a!;
    const tb = n.attrs.transpose_b ? swapLast(e, b!, n.inputs[1]!.type.shape.length) : b!;
    return e.add('MatMul', [ta, tb]);
  },
  conv2d: (e, n, [x, w]) => e.add('Conv', [x!, w!], { ...window(n), group: int(n, 'groups') }),
  // ConvTranspose's weight [C_in, C_out/group, kh, kw] is conv2d's filter as dlc stores it.
  conv2d_transpose: (e, n, [g, w]) =>
    e.add('ConvTranspose', [g!, w!], {
      ...window(n),
      group: int(n, 'groups'),
      output_padding: ints(n, 'output_padding'),
    }),
  // Padding never wins a max, as in ONNX MaxPool.
  max_pool: (e, n, [x]) => e.add('MaxPool', [x!], window(n, 'size')),
  // dlc counts padding as zeros in the mean.
  avg_pool: (e, n, [x]) => e.add('AveragePool', [x!], { ...window(n, 'size'), count_include_pad: 1 }),
  // (Σ x²)^½ over each window, padding adding 0.
  l2_pool: (e, n, [x]) => e.add('LpPool', [x!], { ...window(n, 'size'), p: 2 }),
  // ONNX LRN divides alpha by the size and, for an odd size, has dlc's window [c − size/2, c + size/2];
  // an even window it centres one channel higher than dlc.
  lrn: (e, n, [x]) => {
    const size = int(n, 'size');
    if (size % 2 === 0) e.refuse(n, `has an even window (size ${size}), which ONNX LRN places one channel higher`);
    const num = (k: string) => ({ float: n.attrs[k] as number });
    return e.add('LRN', [x!], {
      size,
      alpha: { float: (n.attrs.alpha as number) * size },
      beta: num('beta'),
      bias: num('k'),
    });
  },

  // --- reductions
  sum: reduce('ReduceSum'),
  mean: reduce('ReduceMean'),
  max: reduce('ReduceMax'),
  min: reduce('ReduceMin'),
  logsumexp: reduce('ReduceLogSumExp'),
  // ArgMax gives INT64; dlc's argmax is i32. Both pick the first maximum.
  argmax: (e, n, [x]) => {
    const i = e.add('ArgMax', [x!], { axis: int(n, 'axis'), keepdims: n.attrs.keepdims ? 1 : 0 })[0]!;
    return e.add('Cast', [i], { to: elemType('i32') });
  },
  softmax: (e, n, [x]) => e.add('Softmax', [x!], { axis: int(n, 'axis') }),
  log_softmax: (e, n, [x]) => e.add('LogSoftmax', [x!], { axis: int(n, 'axis') }),

  // --- data movement
  reshape: (e, n, [x]) => e.add('Reshape', [x!, e.shapeAttr(n, 'shape')]),
  transpose: (e, n, [x]) => e.add('Transpose', [x!], { perm: ints(n, 'perm') }),
  broadcast_to: (e, n, [x]) => e.add('Expand', [x!, e.shapeAttr(n, 'shape')]),
  iota: iota,
  concat: (e, n, ins) => e.add('Concat', ins, { axis: int(n, 'axis') }),
  slice: (e, n, [x]) => {
    const starts = ints(n, 'starts');
    const rank = starts.length;
    const strides = ints(n, 'strides').length ? ints(n, 'strides') : starts.map(() => 1);
    // An end at the axis' full size runs to the end, whatever the batch.
    const ends = ints(n, 'ends').map((end, k) => (end === n.inputs[0]!.type.shape[k] ? Number.MAX_SAFE_INTEGER : end));
    const axes = [...Array(rank).keys()];
    return e.add('Slice', [x!, e.ints(starts), e.ints(ends), e.ints(axes), e.ints(strides)]);
  },
  pad: (e, n, [x]) => {
    if (ints(n, 'interior').some((k) => k !== 0))
      e.refuse(n, 'interior padding (zeros between elements) has no ONNX Pad mode');
    return e.add('Pad', [x!, e.ints([...ints(n, 'lo'), ...ints(n, 'hi')])]);
  },
  // one_hot(i) = f32(i[..., None] == arange(depth)): out-of-range indices give zeros, as in dlc
  one_hot: (e, n, [i]) => {
    const depth = int(n, 'depth');
    const hit = e.add('Equal', [labelIndex(e, i!), e.ints([...Array(depth).keys()])])[0]!;
    return e.add('Cast', [hit], { to: elemType('f32') });
  },
  // TopK breaks ties to the lower index, as dlc does; its INT64 indices are cast to i32.
  top_k: (e, n, [x]) => {
    const attrs = { axis: -1, largest: n.attrs.largest ? 1 : 0, sorted: 1 };
    const [values, indices] = e.add('TopK', [x!, e.ints([int(n, 'k')])], attrs, 2);
    return [values!, e.add('Cast', [indices!], { to: elemType('i32') })[0]!];
  },
  gather: (e, n, [table, ids]) => e.add('Gather', [table!, ids!], { axis: int(n, 'axis') }),
  // take_along_axis(x, idx) = squeeze(GatherElements(x, idx[..., None at axis]))
  take_along_axis: (e, n, [x, idx]) => {
    const axis = int(n, 'axis');
    const wide = e.add('Unsqueeze', [e.add('Cast', [idx!], { to: 7 })[0]!, e.ints([axis])])[0]!;
    return e.add('Squeeze', [e.add('GatherElements', [x!, wide], { axis })[0]!, e.ints([axis])]);
  },
  // scatter_add along axis 0 is ScatterND with add reduction over row indices.
  scatter_add: (e, n, [target, ids, updates]) => {
    if (int(n, 'axis') !== 0) e.refuse(n, 'scatter_add is exported along axis 0 only');
    return e.add('ScatterND', [target!, labelIndex(e, ids!), updates!], { reduction: 'add' });
  },
};

const RANDOM =
  "draws random numbers from dlc's counter-based generator; an exported inference graph must be deterministic";
const GRADIENT = 'is a gradient op, found only in training graphs';
const CUSTOM_POOL = 'is a custom pool with no ONNX equivalent';

/** Ops that are refused, with why; the message names the op and its .dl line. */
export const NOT_EXPORTED: Readonly<Record<string, string>> = {
  uniform: RANDOM,
  normal: RANDOM,
  bernoulli: RANDOM,
  categorical: RANDOM,
  dropout: RANDOM,
  salt_and_pepper: RANDOM,
  gaussian_noise: RANDOM,
  gaussian_pool: CUSTOM_POOL,
  max_pool_with_switches: `${CUSTOM_POOL} (its switches index each plane; ONNX MaxPool's index the whole tensor)`,
  max_unpool: `${CUSTOM_POOL} (it places values at dlc's per-plane switches)`,
  lcn: 'is local contrast normalisation, which has no ONNX equivalent',
  channel_window_sum: 'is a sum over a window of channels, which has no ONNX equivalent',
  ranking_hinge: 'is a training loss not mapped to ONNX',
  sum_duplicate_rows: GRADIENT,
  scatter: "is not mapped to ONNX ScatterND, which leaves repeated indices' result unspecified (dlc keeps the last)",
  repeat: 'is a loop; dlc does not export ONNX Loop or Scan',
  scan: 'is a loop; dlc does not export ONNX Loop or Scan',
  stack_get: 'belongs to a differentiated loop',
  stack_put: 'belongs to a differentiated loop',
  assign: 'writes model state; an exported inference graph is a pure function of its inputs',
  fused: 'is a fused kernel group; export works on the graph before fusion',
  conv2d_filter_grad: GRADIENT,
  max_pool_grad: GRADIENT,
  max_unpool_grad: GRADIENT,
  avg_pool_grad: GRADIENT,
  gaussian_pool_grad: GRADIENT,
};
