// Losses, per example (the program takes the mean): cross_entropy and
// ranking_hinge reduce the class axis of each row; binary_cross_entropy,
// squared_error, huber and hinge are elementwise with broadcasting.
import type { DType, TensorType, Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { emitCrossEntropyKernel, emitRankingHingeKernel } from '../codegen/kernels/loss';
import { makeTensor, requireDtypes, requireSameDtype, wgslLiteral } from './broadcast';
import { defineElementwise } from './elementwise';
import { logSumExp } from './reduction';
import type { GradBuilder, Tensor } from './registry';
import { defineOp, ShapeError } from './registry';

const f32Scalar: TensorType = { dtype: 'f32', shape: [] };
const floats =
  (op: string) =>
  (inputs: readonly TensorType[]): DType => {
    requireDtypes(op, inputs, ['f32']);
    return requireSameDtype(op, inputs);
  };

// --- row losses over the last axis -------------------------------------------------

/** logits f32[..., C] with labels i32[...] (or u32): the row shape without C. */
function inferRowLoss(op: string, inputs: readonly TensorType[]): TensorType {
  const [logits, labels] = inputs;
  requireDtypes(op, [logits], ['f32']);
  requireDtypes(op, inputs, ['i32', 'u32'], [1]);
  const rows = logits.shape.slice(0, -1);
  const ok =
    logits.shape.length >= 1 && labels.shape.length === rows.length && rows.every((d, k) => d === labels.shape[k]);
  if (!ok) {
    throw new ShapeError(
      `${op}: labels ${typeToString(labels)} must have the shape of scores ${typeToString(logits)} without its last axis`,
      1,
    );
  }
  return { dtype: 'f32', shape: rows };
}

/** g of shape [...] as [..., 1] so it broadcasts over the class axis. */
function perRow(b: GradBuilder, g: Value): Value {
  return b.op('reshape', [g], { shape: [...g.type.shape, 1] });
}

function rowLossReference(
  logits: Tensor,
  labels: Tensor,
  f: (start: number, classes: number, label: number) => number,
): Tensor {
  const classes = logits.type.shape[logits.type.shape.length - 1];
  const out = makeTensor({ dtype: 'f32', shape: logits.type.shape.slice(0, -1) });
  for (let o = 0; o < out.data.length; o++) {
    const label = labels.data[o];
    out.data[o] = label >= 0 && label < classes ? f(o * classes, classes, label) : NaN;
  }
  return out;
}

defineOp({
  name: 'cross_entropy',
  kind: 'reduction',
  doc: 'Softmax cross-entropy per row, logsumexp(z) - z[label] (NaN for an out-of-range label): `%2: f32[128] = cross_entropy %0, %1`',
  arity: 2,
  infer: (inputs) => [inferRowLoss('cross_entropy', inputs)],
  // dz = g · (softmax(z) - one_hot(label))
  grad(b, node, [g]) {
    if (!g) return [null, null];
    const [z, labels] = node.inputs;
    const classes = z.type.shape[z.type.shape.length - 1];
    const p = b.op('softmax', [z], { axis: -1 });
    const diff = b.op('sub', [p, b.op('one_hot', [labels], { depth: classes })]);
    return [b.op('mul', [diff, perRow(b, g)]), null];
  },
  reference([z, labels]) {
    return [rowLossReference(z, labels, (start, n, label) => logSumExp(z.data, start, n, 1) - z.data[start + label])];
  },
  kernel(node, ctx) {
    const [z, labels] = node.inputs;
    return [emitCrossEntropyKernel(z.type.shape, labels.type.dtype, ctx.family)];
  },
});

defineOp({
  name: 'ranking_hinge',
  kind: 'reduction',
  doc: 'DeViSE ranking loss per row, Σ_{j≠label} max(0, margin - s[label] + s[j]): `%2: f32[64] = ranking_hinge %0, %1 [margin=0.1]`',
  arity: 2,
  attrs: { margin: { type: 'float', default: 0.1, doc: 'how far the true score must lead every other' } },
  infer: (inputs) => [inferRowLoss('ranking_hinge', inputs)],
  // With v_j = [margin - s_y + s_j > 0]·[j ≠ y]: ds_j = g·v_j, and ds_y = -g·Σ_j v_j.
  grad(b, node, [g]) {
    if (!g) return [null, null];
    const [s, labels] = node.inputs;
    const classes = s.type.shape[s.type.shape.length - 1];
    const hot = b.op('one_hot', [labels], { depth: classes });
    const sy = b.op('sum', [b.op('mul', [s, hot])], { axes: [-1], keepdims: true });
    const slack = b.op('sub', [b.op('add', [s, b.constant(node.attrs.margin as number, f32Scalar)]), sy]);
    const active = b.op('cast', [b.op('gt', [slack, b.constant(0, f32Scalar)])], { to: 'f32' });
    const v = b.op('mul', [active, b.op('sub', [b.constant(1, f32Scalar), hot])]);
    const count = b.op('sum', [v], { axes: [-1], keepdims: true });
    return [b.op('mul', [b.op('sub', [v, b.op('mul', [hot, count])]), perRow(b, g)]), null];
  },
  reference([s, labels], attrs) {
    const margin = attrs.margin as number;
    return [
      rowLossReference(s, labels, (start, n, label) => {
        let total = 0;
        for (let j = 0; j < n; j++)
          if (j !== label) total += Math.max(0, margin - s.data[start + label] + s.data[start + j]);
        return total;
      }),
    ];
  },
  kernel(node, ctx) {
    const [s, labels] = node.inputs;
    return [emitRankingHingeKernel(s.type.shape, labels.type.dtype, node.attrs.margin as number, ctx.family)];
  },
});

// --- elementwise losses ---------------------------------------------------------------

const scalar = (b: GradBuilder, v: number): Value => b.constant(v, f32Scalar);

defineElementwise({
  name: 'binary_cross_entropy',
  doc: 'Logistic loss of logits z against targets t in [0,1], softplus(z) - z·t (stable): `%2: f32[4] = binary_cross_entropy %0, %1`',
  arity: 2,
  dtype: floats('binary_cross_entropy'),
  // (max(z,0) - z·t) first: for a confident correct logit the two cancel exactly and the log1p term survives.
  f: ([z, t]) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z))),
  wgsl: ([z, t]) => {
    const e = `exp(-abs(${z}))`;
    return `((select(${z}, 0.0, ${z} < 0.0) - ${z} * ${t}) + select(log(1.0 + ${e}), ${e} * (1.0 - 0.5 * ${e}), ${e} < 0.001))`;
  },
  // dz = g·(sigmoid(z) - t), dt = -g·z
  grad: (b, g, [z, t]) => [
    b.unbroadcast(b.op('mul', [g, b.op('sub', [b.op('sigmoid', [z]), t])]), z.type),
    b.unbroadcast(b.op('neg', [b.op('mul', [g, z])]), t.type),
  ],
});

defineElementwise({
  name: 'squared_error',
  doc: '(prediction - target)², elementwise: `%2: f32[4,3] = squared_error %0, %1`',
  arity: 2,
  dtype: floats('squared_error'),
  f: ([p, t]) => (p - t) * (p - t),
  wgsl: ([p, t]) => `((${p} - ${t}) * (${p} - ${t}))`,
  grad: (b, g, [p, t]) => {
    const d = b.op('mul', [g, b.op('mul', [b.op('sub', [p, t]), scalar(b, 2)])]);
    return [b.unbroadcast(d, p.type), b.unbroadcast(b.op('neg', [d]), t.type)];
  },
});

defineElementwise({
  name: 'huber',
  doc: 'Huber loss of a residual: ½x² for |x| ≤ delta, else delta·(|x| - ½delta): `%1: f32[32] = huber %0 [delta=1]`',
  arity: 1,
  attrs: { delta: { type: 'float', default: 1, doc: 'where the quadratic turns linear' } },
  dtype: floats('huber'),
  f: ([x], _d, attrs) => {
    const delta = attrs.delta as number;
    return Math.abs(x) <= delta ? 0.5 * x * x : delta * (Math.abs(x) - 0.5 * delta);
  },
  wgsl: ([x], _d, attrs) => {
    const delta = wgslLiteral(attrs.delta as number, 'f32');
    return `select(${delta} * (abs(${x}) - 0.5 * ${delta}), 0.5 * ${x} * ${x}, abs(${x}) <= ${delta})`;
  },
  // dx = g · clamp(x, -delta, delta)
  grad: (b, g, [x], _out, attrs) => {
    const delta = attrs.delta as number;
    const clamped = b.op('maximum', [b.op('minimum', [x, scalar(b, delta)]), scalar(b, -delta)]);
    return [b.op('mul', [g, clamped])];
  },
});

defineElementwise({
  name: 'hinge',
  doc: 'Binary hinge loss max(0, 1 - t·s) of scores s against targets t = ±1: `%2: f32[4] = hinge %0, %1`',
  arity: 2,
  dtype: floats('hinge'),
  f: ([s, t]) => Math.max(0, 1 - t * s),
  // NaN passes through, as in the reference (a plain max(·, 0) may drop it).
  wgsl: ([s, t]) => {
    const v = `(1.0 - ${t} * ${s})`;
    return `select(max(${v}, 0.0), ${v}, ${v} != ${v})`;
  },
  // Where the margin is violated: ds = -g·t, dt = -g·s.
  grad: (b, g, [s, t]) => {
    const active = b.op('cast', [b.op('gt', [b.op('sub', [scalar(b, 1), b.op('mul', [t, s])]), scalar(b, 0)])], {
      to: 'f32',
    });
    const ga = b.op('neg', [b.op('mul', [g, active])]);
    return [b.unbroadcast(b.op('mul', [ga, t]), s.type), b.unbroadcast(b.op('mul', [ga, s]), t.type)];
  },
});
