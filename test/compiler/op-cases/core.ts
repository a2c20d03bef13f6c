// Cases of the core op families (elementwise, reductions, softmax, losses, shape,
// indexing, random, constant) for the table-driven op suites. Data keeps away from
// points where an op is not differentiable (relu at 0, ties of max, |x| = delta).
import type { DType, TensorType } from '../../../compiler/ir/types';
import type { OpCase } from '../../helpers/op-case';

const t =
  (dtype: DType) =>
  (...shape: number[]): TensorType => ({ dtype, shape });
const f32 = t('f32');
const i32 = t('i32');
const u32 = t('u32');
const bool = t('bool');

/** Values in ±[0.2, 1.2): no zeros (relu, abs, reciprocal, sign). */
const awayFromZero = (_input: number, index: number, u: number): number => (index % 2 === 0 ? 1 : -1) * (0.2 + u);
/** Values in [0.5, 1.5) (log, sqrt, pow bases, denominators). */
const positive = (_input: number, _index: number, u: number): number => 0.5 + u;
/** Integer class labels in [0, k) for input `which`, else the default. */
const labels =
  (which: number, k: number) =>
  (input: number, index: number, u: number): number =>
    input === which ? Math.floor(u * k) % k : 2 * u - 1;
/** Distinct values per element (index spacing 0.1, plus noise below 0.05): no ties for max/min/argmax. */
const distinct = (input: number, index: number, u: number): number =>
  ((index * 7 + input * 3) % 23) * 0.1 + 0.04 * u - 1;
const noGradBool = 'boolean or integer output: no gradient flows';

const unary = (op: string, data?: OpCase['data']): OpCase[] => [
  { op, inputs: [f32(3, 4)], data },
  { op, inputs: [f32(7)], data },
];

export const cases: readonly OpCase[] = [
  // elementwise arithmetic with broadcasting
  { op: 'add', inputs: [f32(2, 3), f32(3)] },
  { op: 'add', inputs: [f32(4, 1, 3), f32(1, 2, 1)], label: 'both operands stretched' },
  { op: 'sub', inputs: [f32(2, 1), f32(1, 3)] },
  { op: 'mul', inputs: [f32(3, 4), f32()] },
  { op: 'mul', inputs: [f32(2, 3), f32(2, 3)] },
  { op: 'div', inputs: [f32(2, 3), f32(3)], data: (input, i, u) => (input === 1 ? 0.5 + u : 2 * u - 1) },
  // Both signs of dividend and divisor, and a zero divisor.
  {
    op: 'mod',
    inputs: [i32(2, 5), i32(5)],
    noGrad: 'integer op',
    data: (input, i, u) => (input === 1 ? [3, -3, 0, 7, -1][i] : Math.round(40 * u - 20)),
  },
  { op: 'pow', inputs: [f32(2, 3), f32(2, 3)], data: (input, i, u) => (input === 0 ? 0.5 + u : 3 * u - 1.5) },
  {
    op: 'pow',
    inputs: [f32(4), f32()],
    data: (input, i, u) => (input === 0 ? 0.5 + u : 2),
    label: 'square by a scalar exponent',
  },
  {
    // 0^0 and 0^y: d/dx of 0^0 is 0 (not 0·0^-1), d/dy at a zero base is 0 (not 0·log 0).
    op: 'pow',
    inputs: [f32(4), f32(4)],
    label: 'pow at a zero base and a zero exponent (boundary)',
    data: (input, e) => (input === 0 ? [0, 0, 0, 2] : [0, 2, 3, 0])[e],
    subgradient: () => [
      [0, 0, 0, 0],
      [0, 0, 0, Math.log(2)],
    ],
  },
  { op: 'minimum', inputs: [f32(3, 4), f32(3, 4)], data: distinct },
  { op: 'maximum', inputs: [f32(3, 4), f32(4)], data: distinct },
  ...unary('neg'),
  ...unary('exp'),
  ...unary('log', positive),
  ...unary('sqrt', positive),
  {
    op: 'sqrt',
    inputs: [f32(4)],
    label: 'sqrt at 0: gradient 0 (boundary)',
    data: (_input, e) => [0, 0.25, 0, 4][e],
    subgradient: ([x]) => [Array.from(x, (v) => (v > 0 ? 0.5 / Math.sqrt(v) : 0))],
  },
  ...unary('abs', awayFromZero),
  { op: 'sign', inputs: [f32(5)], data: awayFromZero },
  ...unary('square'),
  ...unary('reciprocal', awayFromZero),
  ...unary('sigmoid', (_i, _e, u) => 8 * u - 4),
  ...unary('tanh'),
  ...unary('relu', awayFromZero),
  ...unary('softplus', (_i, _e, u) => 8 * u - 4),
  ...unary('softsign', (_i, _e, u) => 8 * u - 4),
  {
    op: 'where',
    inputs: [bool(2, 3), f32(2, 3), f32(3)],
    data: (input, index, u) => (input === 0 ? index % 2 : 2 * u - 1),
  },
  { op: 'cast', inputs: [f32(2, 3)], attrs: { to: 'f32' }, label: 'f32 to f32 passes the gradient' },
  { op: 'cast', inputs: [f32(2, 3)], attrs: { to: 'i32' }, noGrad: noGradBool },
  { op: 'cast', inputs: [bool(4)], attrs: { to: 'f32' }, data: (_i, index) => index % 2, noGrad: 'boolean input' },
  ...['eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((op): OpCase => ({
    op,
    inputs: [f32(2, 3), f32(3)],
    noGrad: noGradBool,
  })),
  { op: 'logical_and', inputs: [bool(4), bool(4)], data: (input, index) => (index >> input) & 1, noGrad: noGradBool },
  { op: 'logical_or', inputs: [bool(4), bool(4)], data: (input, index) => (index >> input) & 1, noGrad: noGradBool },
  { op: 'logical_not', inputs: [bool(4)], data: (_i, index) => index & 1, noGrad: noGradBool },
  { op: 'constant', inputs: [], attrs: { value: 1.5, dtype: 'f32', shape: [2, 2] }, noGrad: 'no inputs' },

  // reductions
  { op: 'sum', inputs: [f32(3, 4)], attrs: { axes: [1] } },
  { op: 'sum', inputs: [f32(2, 3, 4)], attrs: { axes: [0, 2], keepdims: true } },
  { op: 'sum', inputs: [f32(5)], attrs: { axes: [0] }, label: 'to a scalar' },
  { op: 'mean', inputs: [f32(3, 4)], attrs: { axes: [0] } },
  { op: 'mean', inputs: [f32(2, 3, 4)], attrs: { axes: [-1, 0] } },
  { op: 'max', inputs: [f32(3, 5)], attrs: { axes: [1] }, data: distinct },
  { op: 'max', inputs: [f32(2, 3, 4)], attrs: { axes: [0, 2], keepdims: true }, data: distinct },
  { op: 'min', inputs: [f32(3, 5)], attrs: { axes: [0] }, data: distinct },
  { op: 'logsumexp', inputs: [f32(3, 5)], attrs: { axes: [1] } },
  { op: 'logsumexp', inputs: [f32(2, 3, 4)], attrs: { axes: [0, 2], keepdims: true } },
  { op: 'argmax', inputs: [f32(3, 5)], attrs: { axis: 1 }, data: distinct, noGrad: noGradBool },
  { op: 'top_k', inputs: [f32(3, 6)], attrs: { k: 3, largest: true }, data: distinct },
  { op: 'top_k', inputs: [f32(2, 2, 5)], attrs: { k: 5, largest: false }, data: distinct, label: 'sort ascending' },
  {
    op: 'top_k',
    inputs: [f32(2, 5)],
    attrs: { k: 4, largest: true },
    data: (_input, e) => [1, NaN, 1, -2, 5, 0, 0, 0, -1, 0][e]!,
    noGrad: 'ties and NaN: the order is checked, not its gradient',
    label: 'ties to the lower index, NaN largest',
  },
  {
    op: 'top_k',
    inputs: [i32(2, 4)],
    attrs: { k: 2, largest: false },
    data: (_input, e) => [3, -7, 3, 0, 2, 2, 9, -1][e]!,
    noGrad: noGradBool,
    label: 'i32 smallest',
  },
  { op: 'softmax', inputs: [f32(3, 5)], attrs: { axis: -1 } },
  { op: 'softmax', inputs: [f32(4, 3, 2)], attrs: { axis: 1 } },
  { op: 'log_softmax', inputs: [f32(3, 5)], attrs: { axis: -1 } },
  { op: 'log_softmax', inputs: [f32(4, 3)], attrs: { axis: 0 } },

  // losses
  { op: 'cross_entropy', inputs: [f32(4, 5), i32(4)], data: labels(1, 5) },
  { op: 'cross_entropy', inputs: [f32(2, 3, 4), i32(2, 3)], data: labels(1, 4) },
  {
    op: 'ranking_hinge',
    inputs: [f32(4, 5), i32(4)],
    attrs: { margin: 0.5 },
    data: (input, index, u) => (input === 1 ? index % 5 : distinct(0, index, u)),
  },
  { op: 'binary_cross_entropy', inputs: [f32(3, 4), f32(3, 4)], data: (input, _i, u) => (input === 0 ? 6 * u - 3 : u) },
  { op: 'squared_error', inputs: [f32(3, 4), f32(4)] },
  {
    op: 'huber',
    inputs: [f32(3, 4)],
    attrs: { delta: 0.5 },
    data: (_i, index, u) => (index % 2 ? 0.05 + 0.4 * u : 0.6 + u) * (index % 3 ? 1 : -1),
  },
  // Targets ±1; every third score beyond the margin on its target's side (inactive), the rest inside it.
  {
    op: 'hinge',
    inputs: [f32(6), f32(6)],
    data: (input, index, u) => {
      const tt = index % 2 ? 1 : -1;
      return input === 1 ? tt : index % 3 === 0 ? tt * (1.5 + u) : u - 0.5;
    },
  },

  // shape
  { op: 'reshape', inputs: [f32(2, 6)], attrs: { shape: [3, -1] } },
  { op: 'transpose', inputs: [f32(2, 3, 4)], attrs: { perm: [2, 0, 1] } },
  { op: 'broadcast_to', inputs: [f32(3, 1)], attrs: { shape: [2, 3, 4] } },
  { op: 'concat', inputs: [f32(2, 3), f32(2, 1), f32(2, 2)], attrs: { axis: 1 } },
  { op: 'concat', inputs: [f32(1, 3), f32(2, 3)], attrs: { axis: 0 } },
  { op: 'slice', inputs: [f32(5, 4)], attrs: { starts: [1, 0], ends: [5, 3], strides: [2, 1] } },
  { op: 'pad', inputs: [f32(2, 3)], attrs: { lo: [1, 0], hi: [0, 2], interior: [1, 0] } },
  { op: 'iota', inputs: [], attrs: { shape: [2, 3, 4], axis: 1 }, noGrad: 'no inputs' },
  { op: 'iota', inputs: [], attrs: { shape: [5], axis: -1 }, noGrad: 'no inputs', label: 'arange' },
  {
    op: 'literal',
    inputs: [],
    attrs: { data: [1.5, -2, 0.25, 4, 0, 3], dtype: 'f32', shape: [2, 3] },
    noGrad: 'no inputs',
  },
  {
    op: 'literal',
    inputs: [],
    attrs: { data: [3, -1, 7], dtype: 'i32', shape: [3] },
    noGrad: 'no inputs',
    label: 'i32',
  },
  { op: 'one_hot', inputs: [i32(4)], attrs: { depth: 3 }, data: labels(0, 3), noGrad: 'integer input' },

  // indexing
  {
    op: 'gather',
    inputs: [f32(5, 3), i32(2, 3)],
    attrs: { axis: 0 },
    data: labels(1, 5),
    label: 'embedding lookup with repeats',
  },
  { op: 'gather', inputs: [f32(2, 4, 3), i32(2)], attrs: { axis: 1 }, data: labels(1, 4) },
  {
    op: 'scatter_add',
    inputs: [f32(5, 2), i32(3), f32(3, 2)],
    attrs: { axis: 0 },
    data: (input, index, u) => (input === 1 ? [1, 3, 1][index] : 2 * u - 1),
  },
  {
    op: 'scatter',
    inputs: [f32(5, 2), i32(4), f32(4, 2)],
    attrs: { axis: 0 },
    data: (input, index, u) => (input === 1 ? [1, 3, 1, 4][index] : 2 * u - 1),
    label: 'repeated row: the last write wins',
  },
  { op: 'scatter', inputs: [f32(2, 4, 3), i32(2), f32(2, 2, 3)], attrs: { axis: 1 }, data: labels(1, 4) },
  {
    op: 'sum_duplicate_rows',
    inputs: [i32(7), f32(7, 3)],
    attrs: { parts: [4, 3] },
    data: (input, index, u) => (input === 0 ? [1, 3, 1, 0, 3, 1, 9][index] : 2 * u - 1),
    label: 'repeats within and across parts',
    noGrad: 'made from gradients after differentiation (sparse optimizer updates)',
  },
  { op: 'take_along_axis', inputs: [f32(4, 3), i32(4)], attrs: { axis: 1 }, data: labels(1, 3), label: 'Q(s, a)' },
  { op: 'take_along_axis', inputs: [f32(3, 2, 4), i32(2, 4)], attrs: { axis: 0 }, data: labels(1, 3) },

  // random (draws are fixed by seed and step, so corruption is a fixed function of x)
  { op: 'uniform', inputs: [], attrs: { shape: [3, 4], low: -1, high: 2, stream: 1 }, noGrad: 'no inputs' },
  { op: 'normal', inputs: [], attrs: { shape: [5], mean: 1, std: 0.5, stream: 2 }, noGrad: 'no inputs' },
  {
    op: 'bernoulli',
    inputs: [f32(3, 4)],
    attrs: { stream: 3 },
    data: (_i, _e, u) => u,
    noGrad: 'sampling is not differentiable',
  },
  {
    op: 'categorical',
    inputs: [f32(3, 4)],
    attrs: { stream: 4 },
    data: (_i, _e, u) => u + 0.1,
    noGrad: 'sampling is not differentiable',
  },
  {
    op: 'categorical',
    inputs: [f32(6)],
    attrs: { stream: 4, samples: [5, 3] },
    data: (_i, _e, u) => u + 0.1,
    label: 'samples [5,3] from one table',
    noGrad: 'sampling is not differentiable',
  },
  { op: 'dropout', inputs: [f32(4, 5)], attrs: { p: 0.3, stream: 5 } },
  { op: 'salt_and_pepper', inputs: [f32(4, 5)], attrs: { p: 0.3, stream: 6 } },
  { op: 'gaussian_noise', inputs: [f32(4, 5)], attrs: { std: 0.1, stream: 7 } },
  // ... with the optional iteration input (Philox counter word 2), as inside loop bodies
  {
    op: 'uniform',
    inputs: [i32()],
    attrs: { shape: [3, 4], low: -1, high: 2, stream: 1 },
    data: () => 2,
    label: 'iteration 2',
    noGrad: 'no float inputs',
  },
  {
    op: 'normal',
    inputs: [u32()],
    attrs: { shape: [5], mean: 1, std: 0.5, stream: 2 },
    data: () => 7,
    label: 'u32 iteration 7',
    noGrad: 'no float inputs',
  },
  {
    op: 'bernoulli',
    inputs: [f32(3, 4), i32()],
    attrs: { stream: 3 },
    data: (input, _e, u) => (input === 1 ? 1 : u),
    label: 'iteration 1',
    noGrad: 'sampling is not differentiable',
  },
  {
    op: 'categorical',
    inputs: [f32(3, 4), i32()],
    attrs: { stream: 4 },
    data: (input, _e, u) => (input === 1 ? 5 : u + 0.1),
    label: 'iteration 5',
    noGrad: 'sampling is not differentiable',
  },
  {
    op: 'dropout',
    inputs: [f32(4, 5), i32()],
    attrs: { p: 0.3, stream: 5 },
    data: (input, _e, u) => (input === 1 ? 3 : 2 * u - 1),
    label: 'iteration 3',
  },
  {
    op: 'salt_and_pepper',
    inputs: [f32(4, 5), u32()],
    attrs: { p: 0.3, stream: 6 },
    data: (input, _e, u) => (input === 1 ? 4 : 2 * u - 1),
    label: 'u32 iteration 4',
  },
  {
    op: 'gaussian_noise',
    inputs: [f32(4, 5), i32()],
    attrs: { std: 0.1, stream: 7 },
    data: (input, _e, u) => (input === 1 ? -1 : 2 * u - 1),
    label: 'iteration -1 (all bits set)',
  },
];

export default cases;
