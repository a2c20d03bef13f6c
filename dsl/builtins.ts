// The language-level builtins: every function a .dl program can call without
// defining it, with its parameters (positional order, defaults) and what it
// returns. Data only: the resolver checks arity and named arguments against it,
// the lowering maps each entry onto IR ops, docs/language.md lists it.
// A parameter without `default` is required; `rest` marks a variadic tail.

export type BuiltinCategory =
  | 'elementwise'
  | 'reduction'
  | 'contraction'
  | 'pooling'
  | 'normalisation'
  | 'shape'
  | 'indexing'
  | 'loss'
  | 'random'
  | 'cast'
  | 'control'
  | 'creation'
  | 'derivative';

export type ParamDefault = number | boolean | string | null | readonly number[];

export interface BuiltinParam {
  readonly name: string;
  /** Absent: the argument is required. `null`: optional with no value (e.g. axis = all axes). */
  readonly default?: ParamDefault;
  /** Takes every remaining positional argument (concat's tensors). */
  readonly rest?: boolean;
}

export interface Builtin {
  readonly name: string;
  readonly category: BuiltinCategory;
  readonly params: readonly BuiltinParam[];
  /** How many values it returns (max_pool_with_switches returns 2). */
  readonly results: number;
  readonly doc: string;
  /**
   * The registry op it lowers to with its parameters as the operands, in order
   * (`softsign(x)` is the op `softsign x`). Absent: compiler/lower/builtins.ts
   * has its own lowering.
   */
  readonly op?: string;
}

const req = (name: string): BuiltinParam => ({ name });
const opt = (name: string, d: ParamDefault): BuiltinParam => ({ name, default: d });

/** An elementwise builtin that is the registry op of the same name. */
function unary(name: string, doc: string): Builtin {
  return { name, category: 'elementwise', params: [req('x')], results: 1, doc, op: name };
}
function binary(name: string, doc: string): Builtin {
  return { name, category: 'elementwise', params: [req('a'), req('b')], results: 1, doc };
}
function reduction(name: string, doc: string): Builtin {
  return {
    name,
    category: 'reduction',
    params: [req('x'), opt('axis', null), opt('keepdims', false)],
    results: 1,
    doc,
  };
}
function pool(name: string, doc: string, extra: BuiltinParam[] = [], results = 1): Builtin {
  return {
    name,
    category: 'pooling',
    params: [req('x'), req('size'), opt('stride', null), opt('padding', 0), ...extra],
    results,
    doc,
  };
}
function loss(name: string, params: BuiltinParam[], doc: string): Builtin {
  return { name, category: 'loss', params, results: 1, doc };
}
function random(name: string, params: BuiltinParam[], doc: string): Builtin {
  return { name, category: 'random', params, results: 1, doc };
}

export const BUILTINS: readonly Builtin[] = [
  // elementwise
  binary('add', 'a + b, broadcasting'),
  binary('sub', 'a - b, broadcasting'),
  binary('mul', 'a * b, broadcasting'),
  binary('div', 'a / b, broadcasting'),
  binary('pow', 'a ** b, broadcasting'),
  unary('neg', '-x'),
  unary('exp', 'e ** x'),
  unary('log', 'natural logarithm'),
  unary('sqrt', 'square root'),
  unary('abs', '|x|'),
  unary('sign', '-1, 0 or 1'),
  unary('sigmoid', '1 / (1 + exp(-x))'),
  unary('tanh', 'hyperbolic tangent'),
  unary('relu', 'max(x, 0)'),
  unary('softplus', 'log(1 + exp(x))'),
  unary('softsign', 'x / (1 + |x|)'),
  {
    name: 'where',
    category: 'elementwise',
    params: [req('cond'), req('a'), req('b')],
    results: 1,
    doc: 'a where cond is true, else b',
  },
  // max/min are binary with two tensors, reductions with one tensor and `axis`.
  {
    name: 'max',
    category: 'reduction',
    params: [req('x'), opt('y', null), opt('axis', null), opt('keepdims', false)],
    results: 1,
    doc: 'elementwise max(x, y), or max over axis',
  },
  {
    name: 'min',
    category: 'reduction',
    params: [req('x'), opt('y', null), opt('axis', null), opt('keepdims', false)],
    results: 1,
    doc: 'elementwise min(x, y), or min over axis',
  },
  // reductions
  reduction('sum', 'sum over axis (all axes when omitted)'),
  reduction('mean', 'mean over axis (all axes when omitted)'),
  reduction('logsumexp', 'log(sum(exp(x))) over axis, computed stably'),
  {
    name: 'argmax',
    category: 'reduction',
    params: [req('x'), opt('axis', -1)],
    results: 1,
    doc: 'index (i32) of the largest element along axis',
  },
  {
    name: 'top_k',
    category: 'reduction',
    params: [req('x'), req('k'), opt('axis', -1), opt('largest', true)],
    results: 2,
    doc:
      'the k largest (largest = false: smallest) elements along axis, in order, and their i32 indices; ' +
      'NaN counts as largest, ties go to the lower index; gradient through the values',
  },
  {
    name: 'sort',
    category: 'reduction',
    params: [req('x'), opt('axis', -1), opt('descending', false)],
    results: 2,
    doc: 'the elements along axis in order (stable) and their i32 indices (argsort); gradient through the values',
  },
  {
    name: 'softmax',
    category: 'reduction',
    params: [req('x'), opt('axis', -1)],
    results: 1,
    doc: 'exp(x) / sum(exp(x)) along axis',
  },
  {
    name: 'log_softmax',
    category: 'reduction',
    params: [req('x'), opt('axis', -1)],
    results: 1,
    doc: 'log(softmax(x)) along axis, computed stably',
  },
  // contraction
  {
    name: 'matmul',
    category: 'contraction',
    params: [req('a'), req('b')],
    results: 1,
    doc: 'batched matrix product (same as a @ b)',
  },
  {
    name: 'conv2d',
    category: 'contraction',
    params: [req('x'), req('w'), opt('stride', 1), opt('padding', 0), opt('groups', 1)],
    results: 1,
    doc: 'NCHW convolution with OIHW weights',
  },
  {
    name: 'conv2d_transpose',
    category: 'contraction',
    params: [req('x'), req('w'), opt('stride', 1), opt('padding', 0), opt('groups', 1)],
    results: 1,
    doc: 'transposed convolution (the gradient of conv2d w.r.t. its input)',
  },
  // pooling
  pool('max_pool', 'max over size x size windows'),
  pool('avg_pool', 'average over size x size windows'),
  pool('l2_pool', 'sqrt of the sum of squares over windows'),
  pool('gaussian_pool', 'gaussian-weighted average over windows', [opt('sigma', 1)]),
  pool('max_pool_with_switches', 'max pooling that also returns where each max came from (i32 switches)', [], 2),
  {
    name: 'unpool',
    category: 'pooling',
    params: [req('x'), req('switches'), req('size'), opt('stride', null), opt('out', null)],
    results: 1,
    doc:
      'places each value where its switch says (inverse of max_pool_with_switches) in an out = [h, w] plane; ' +
      'without out, the plane the switches were recorded in, else (n-1)·stride + size',
  },
  // normalisation
  {
    name: 'local_response_norm',
    category: 'normalisation',
    params: [req('x'), opt('size', 5), opt('alpha', 1e-4), opt('beta', 0.75), opt('k', 2)],
    results: 1,
    doc: 'local response normalisation across channels',
  },
  {
    name: 'local_contrast_norm',
    category: 'normalisation',
    params: [req('x'), opt('size', 9), opt('sigma', 2)],
    results: 1,
    doc: 'local contrast normalisation: subtractive then divisive, gaussian window',
  },
  // shape
  {
    name: 'reshape',
    category: 'shape',
    params: [req('x'), req('shape')],
    results: 1,
    doc: 'same elements in a new shape; one dimension may be -1',
  },
  {
    name: 'transpose',
    category: 'shape',
    params: [req('x'), opt('perm', null)],
    results: 1,
    doc: 'permutes axes (reverses them when perm is omitted)',
  },
  {
    name: 'concat',
    category: 'shape',
    params: [{ name: 'xs', rest: true }, opt('axis', 0)],
    results: 1,
    doc: 'joins tensors along axis',
  },
  {
    name: 'slice',
    category: 'shape',
    params: [req('x'), req('axis'), req('start'), req('end')],
    results: 1,
    doc: 'x[start:end] along axis (same as indexing)',
  },
  {
    name: 'broadcast',
    category: 'shape',
    params: [req('x'), req('shape')],
    results: 1,
    doc: 'repeats x to the given shape',
  },
  { name: 'flatten', category: 'shape', params: [req('x')], results: 1, doc: 'keeps axis 0, flattens the rest' },
  {
    name: 'one_hot',
    category: 'shape',
    params: [req('x'), req('depth')],
    results: 1,
    doc: 'f32 one-hot vectors of integer labels',
  },
  // indexing
  {
    name: 'gather',
    category: 'indexing',
    params: [req('table'), req('indices')],
    results: 1,
    doc: 'rows of table at integer indices (embedding lookup)',
  },
  {
    name: 'scatter_add',
    category: 'indexing',
    params: [req('target'), req('indices'), req('values')],
    results: 1,
    doc: 'adds values into rows of target at indices',
  },
  {
    name: 'scatter',
    category: 'indexing',
    params: [req('target'), req('indices'), req('values')],
    results: 1,
    doc: 'target with its rows at indices replaced by values (a repeated index keeps its last value)',
  },
  {
    name: 'take',
    category: 'indexing',
    params: [req('x'), req('indices'), opt('axis', -1)],
    results: 1,
    doc: 'one element per row along axis (Q(s, a))',
  },
  // losses (per example; reduce with mean)
  loss(
    'cross_entropy',
    [req('logits'), req('labels')],
    'softmax cross entropy of logits against integer labels (per example)',
  ),
  loss(
    'binary_cross_entropy',
    [req('logits'), req('target')],
    'binary cross entropy of sigmoid(logits) against targets in [0, 1], computed stably from the logits (per element)',
  ),
  loss('squared_error', [req('x'), req('target')], '(x - target) ** 2 (per element)'),
  loss('huber', [req('x'), opt('delta', 1)], 'huber loss of a residual'),
  loss(
    'hinge',
    [req('scores'), req('targets')],
    'binary hinge loss max(0, 1 - t·s) of scores against targets ±1 (per element)',
  ),
  loss(
    'ranking_hinge',
    [req('scores'), req('labels'), opt('margin', 0.1)],
    'DeViSE ranking loss per row: sum over j ≠ label of max(0, margin - s[label] + s[j])',
  ),
  // randomness (counter-based; off in infer entries for dropout and noise)
  random('uniform', [req('shape'), opt('low', 0), opt('high', 1)], 'uniform samples in [low, high)'),
  random('normal', [req('shape'), opt('mean', 0), opt('std', 1)], 'gaussian samples'),
  random('bernoulli', [req('p')], '1 with probability p, else 0'),
  random(
    'categorical',
    [req('p'), opt('shape', null)],
    'one i32 index per row, drawn from probabilities p; with shape, p is one table and every element of an i32 tensor of that shape is drawn from it',
  ),
  random('dropout', [req('x'), req('p')], 'zeroes each element with probability p, scales the rest by 1/(1-p)'),
  random('salt_and_pepper', [req('x'), req('p')], 'sets each element to 0 or 1 with probability p'),
  random('gaussian_noise', [req('x'), req('std')], 'adds gaussian noise'),
  // casts
  { name: 'f32', category: 'cast', params: [req('x')], results: 1, doc: 'converts to f32 (true is 1)' },
  { name: 'i32', category: 'cast', params: [req('x')], results: 1, doc: 'converts to i32 (truncates)' },
  { name: 'u32', category: 'cast', params: [req('x')], results: 1, doc: 'converts to u32' },
  { name: 'bool', category: 'cast', params: [req('x')], results: 1, doc: 'x != 0' },
  // control
  {
    name: 'stop_gradient',
    category: 'control',
    params: [req('x')],
    results: 1,
    doc: 'x, with no gradient flowing through',
  },
  // derivatives as values (wrt: a tensor, param or layer instance, or a list of them; v: one part per wrt tensor)
  {
    name: 'grad',
    category: 'derivative',
    params: [req('f'), req('wrt')],
    results: 1,
    doc: 'gradient of the scalar f: one tensor per wrt tensor (a tuple when there are several)',
  },
  {
    name: 'jvp',
    category: 'derivative',
    params: [req('y'), req('wrt'), req('v')],
    results: 1,
    doc: 'Jacobian–vector product (R-op): how y changes along v, shaped like y',
  },
  {
    name: 'hvp',
    category: 'derivative',
    params: [req('f'), req('wrt'), req('v'), opt('gauss_newton', null)],
    results: 1,
    doc: 'Hessian–vector product of the scalar f; with gauss_newton = z, the Gauss–Newton product Jᵀ·H_z·J·v of the model output z',
  },
  // creation
  { name: 'zeros', category: 'creation', params: [req('shape')], results: 1, doc: 'f32 tensor of zeros' },
  { name: 'ones', category: 'creation', params: [req('shape')], results: 1, doc: 'f32 tensor of ones' },
  { name: 'arange', category: 'creation', params: [req('n')], results: 1, doc: 'i32 [0, 1, ..., n-1]' },
  { name: 'eye', category: 'creation', params: [req('n')], results: 1, doc: 'f32 n×n identity matrix' },
];

export const BUILTINS_BY_NAME: ReadonlyMap<string, Builtin> = new Map(BUILTINS.map((b) => [b.name, b]));
