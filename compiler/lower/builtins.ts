// How each builtin function of the language lowers onto registry ops. The
// builtins' names, parameters and defaults are data in dsl/builtins.ts (the resolver
// checks calls against it); a builtin that is one op of its operands says so there
// (`op`), and this file holds the lowering of every other one, from the arguments
// bound by name. Shapes are checked by the ops' own shape rules.
import type { Span } from '../../dsl/ast';
import { BUILTINS } from '../../dsl/builtins';
import type { DType, Value } from '../ir/types';
import type { EntryContext } from './context';
import { asBool, asInt, asInts, asNumber, asPair, asTensor, asTensorPair, normalizeAxes } from './coerce';
import { lowerGrad, lowerHvp, lowerJvp } from './derivatives';
import { LowerError } from './errors';
import type { LVal } from './values';
import { num, tensor } from './values';

export interface BuiltinCall {
  readonly ctx: EntryContext;
  readonly span: Span;
  /** Bound arguments by parameter name; optional ones left out are absent. */
  readonly args: Readonly<Record<string, LVal>>;
  /** Where each argument given was written (absent for defaults). */
  readonly argSpans: Readonly<Record<string, Span>>;
}

export type Lowering = (call: BuiltinCall) => LVal;

function t(call: BuiltinCall, name: string, dtype: DType = 'f32'): Value {
  return asTensor(call.ctx, call.args[name], call.span, dtype);
}

function op(call: BuiltinCall, name: string, inputs: readonly Value[], attrs = {}): LVal {
  return tensor(call.ctx.op(name, inputs, attrs, call.span));
}

const unary =
  (opName: string): Lowering =>
  (c) =>
    op(c, opName, [t(c, 'x')]);
const direct =
  (opName: string, params: readonly string[]): Lowering =>
  (c) =>
    op(
      c,
      opName,
      params.map((p) => t(c, p)),
    );
/** Named arguments `a` and `b` as one op's operands; a bare number takes the other's dtype (`min(i, 3)`). */
function pair(c: BuiltinCall, a: string, b: string): Value[] {
  return asTensorPair(c.ctx, c.args[a], c.span, c.args[b], c.span);
}

const binary =
  (opName: string): Lowering =>
  (c) =>
    op(c, opName, pair(c, 'a', 'b'));

/** `axis` as the reduction's axes: absent means every axis. */
function reduceAxes(c: BuiltinCall, x: Value): number[] {
  const a = c.args.axis;
  const rank = x.type.shape.length;
  if (a === undefined) return [...Array(rank).keys()];
  return normalizeAxes(asInts(a, c.span, 'an axis or a list of axes'), rank, c.span);
}

/** `sum(x, axis=1)` reduces; `max(a, b)` with two tensors is elementwise. */
function reduction(opName: string, binaryOp?: string): Lowering {
  return (c) => {
    if (c.args.y !== undefined) {
      if (!binaryOp) throw new LowerError(c.span, 'reduction-of-two', { name: opName });
      return op(c, binaryOp, pair(c, 'x', 'y'));
    }
    const x = t(c, 'x');
    return op(c, opName, [x], { axes: reduceAxes(c, x), keepdims: asBool(c.args.keepdims, c.span) });
  };
}

function oneAxis(c: BuiltinCall, x: Value): number {
  return normalizeAxes([asInt(c.args.axis, c.span, 'an axis')], x.type.shape.length, c.span)[0];
}

/**
 * top_k and sort along `axis`: the top_k op works on the last axis, so another axis
 * is swapped to the end and both results swapped back. Returns (values, indices).
 */
function selectAlong(c: BuiltinCall, x: Value, k: (n: number) => number, largest: boolean): LVal {
  if (x.type.shape.length === 0) {
    throw new LowerError(c.span, 'expected-value', { expected: 'a tensor of rank 1 or more', found: 'a scalar' });
  }
  const axis = oneAxis(c, x);
  const last = x.type.shape.length - 1;
  const perm = [...Array(last + 1).keys()];
  [perm[axis], perm[last]] = [last, axis];
  const swap = (v: Value): Value => (axis === last ? v : c.ctx.op('transpose', [v], { perm }, c.span));
  const node = c.ctx.emit('top_k', [swap(x)], { k: k(x.type.shape[axis]), largest }, c.span);
  return { kind: 'tuple', items: node.outputs.map((v) => tensor(swap(v))) };
}

const axisOp =
  (opName: string): Lowering =>
  (c) => {
    const x = t(c, 'x');
    return op(c, opName, [x], { axis: oneAxis(c, x) });
  };

function cast(to: DType): Lowering {
  return (c) => {
    const x = t(c, 'x', to);
    return x.type.dtype === to ? tensor(x) : op(c, 'cast', [x], { to });
  };
}

const fill =
  (value: number): Lowering =>
  (c) =>
    tensor(c.ctx.constant(value, { dtype: 'f32', shape: asInts(c.args.shape, c.span, 'a shape') }, c.span));

function windowAttrs(c: BuiltinCall): Record<string, number[]> {
  const size = asPair(c.args.size, c.span, 'a window size');
  const stride = c.args.stride === undefined ? size : asPair(c.args.stride, c.span, 'a stride');
  const padding = c.args.padding === undefined ? [0, 0] : asPair(c.args.padding, c.span, 'a padding');
  return { size, stride, padding };
}

const pool =
  (opName: string): Lowering =>
  (c) =>
    op(c, opName, [t(c, 'x')], windowAttrs(c));

/** A random op that corrupts or masks its input; off (identity) outside train/sample. */
function noise(opName: string, param: string): Lowering {
  return (c) => {
    const x = t(c, 'x');
    const amount = asNumber(c.args[param], c.span);
    // Checked in every entry, though the noise is only on in train and sample ones.
    const ok = param === 'p' ? amount >= 0 && amount < 1 : amount >= 0;
    if (!ok)
      throw new LowerError(c.span, 'bad-noise-amount', {
        name: opName,
        param,
        range: param === 'p' ? 'in [0, 1)' : 'at least 0',
        value: amount,
      });
    if (!c.ctx.noise || amount === 0) return tensor(x);
    return random(c, opName, [x], { [param]: amount });
  };
}

/**
 * Emits a random op with a fresh stream. Inside a loop body the loop's iteration
 * number is its last input, so every iteration draws new bits.
 */
function random(
  c: BuiltinCall,
  opName: string,
  inputs: readonly Value[],
  attrs: Record<string, number | number[]>,
): LVal {
  const iteration = c.ctx.iteration(c.span);
  return op(c, opName, iteration ? [...inputs, iteration] : inputs, { ...attrs, stream: c.ctx.stream() });
}

/** `x[i]` along `axis` for an index tensor with one axis less: expand, take, squeeze. */
function take(c: BuiltinCall): LVal {
  const x = t(c, 'x');
  const idx = t(c, 'indices', 'i32');
  const rank = x.type.shape.length;
  const axis = oneAxis(c, x);
  if (idx.type.shape.length === rank) {
    throw new LowerError(c.span, 'take-rank', { want: rank - 1, found: rank });
  }
  return op(c, 'take_along_axis', [x, idx], { axis });
}

/** The unpooled size that pooling with this window maps back from: (n - 1)·stride + size - 2·padding. */
function unpooledSize(x: Value, w: Record<string, number[]>): number[] {
  const [h, wd] = x.type.shape.slice(-2);
  return [(h - 1) * w.stride[0] + w.size[0] - 2 * w.padding[0], (wd - 1) * w.stride[1] + w.size[1] - 2 * w.padding[1]];
}

/**
 * The plane that switches index (y·W + x), when they come from max_pool_with_switches
 * here: unpooling must rebuild that plane, since a plane of another width would put
 * every switch in the wrong place (a 24-wide plane pooled 3/2 is 11 wide, and
 * (11 − 1)·2 + 3 = 23).
 */
function recordedSize(switches: Value): number[] | undefined {
  const def = switches.def;
  return def?.op === 'max_pool_with_switches' && def.outputs[1] === switches
    ? def.inputs[0].type.shape.slice(-2)
    : undefined;
}

/** `arange(n)`: i32 [0 … n-1], an iota with no inputs (folded at compile time). */
function arange(c: BuiltinCall): Value {
  const n = asInt(c.args.n, c.span, 'a positive length');
  if (n < 1) throw new LowerError(c.span, 'expected-value', { expected: 'a positive length', found: n });
  return c.ctx.op('iota', [], { shape: [n], axis: 0 }, c.span);
}

/** Builtins that are one registry op of their operands (`op` in dsl/builtins.ts). */
const DIRECT: Readonly<Record<string, Lowering>> = Object.fromEntries(
  BUILTINS.filter((b) => b.op !== undefined).map((b) => [
    b.name,
    direct(
      b.op!,
      b.params.map((p) => p.name),
    ),
  ]),
);

/** Lowerings of the builtins without `op`; test/compiler/lower/tables.test.ts holds the two to BUILTINS. */
export const OWN_LOWERINGS: Readonly<Record<string, Lowering>> = {
  // elementwise
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  pow: binary('pow'),
  // A condition known at compile time (a hyperparameter test) picks its branch.
  where: (c) =>
    c.args.cond.kind === 'bool'
      ? c.args.cond.value
        ? c.args.a
        : c.args.b
      : op(c, 'where', [t(c, 'cond', 'bool'), ...pair(c, 'a', 'b')]),
  max: reduction('max', 'maximum'),
  min: reduction('min', 'minimum'),
  // reductions
  sum: reduction('sum'),
  mean: reduction('mean'),
  logsumexp: reduction('logsumexp'),
  argmax: (c) => {
    const x = t(c, 'x');
    return op(c, 'argmax', [x], { axis: oneAxis(c, x), keepdims: false });
  },
  softmax: axisOp('softmax'),
  log_softmax: axisOp('log_softmax'),
  // contraction
  matmul: (c) => tensor(matmul(c.ctx, t(c, 'a'), t(c, 'b'), c.span)),
  conv2d: (c) =>
    op(c, 'conv2d', [t(c, 'x'), t(c, 'w')], {
      stride: asPair(c.args.stride, c.span, 'a stride'),
      padding: asPair(c.args.padding, c.span, 'a padding'),
      groups: asInt(c.args.groups, c.span),
    }),
  conv2d_transpose: (c) =>
    op(c, 'conv2d_transpose', [t(c, 'x'), t(c, 'w')], {
      stride: asPair(c.args.stride, c.span, 'a stride'),
      padding: asPair(c.args.padding, c.span, 'a padding'),
      groups: asInt(c.args.groups, c.span),
    }),
  // pooling
  max_pool: pool('max_pool'),
  avg_pool: pool('avg_pool'),
  l2_pool: pool('l2_pool'),
  gaussian_pool: (c) =>
    op(c, 'gaussian_pool', [t(c, 'x')], { ...windowAttrs(c), sigma: asNumber(c.args.sigma, c.span) }),
  top_k: (c) => {
    const k = asInt(c.args.k, c.span, 'k (an integer)');
    return selectAlong(c, t(c, 'x'), () => k, asBool(c.args.largest, c.span));
  },
  sort: (c) => selectAlong(c, t(c, 'x'), (n) => n, asBool(c.args.descending, c.span)),
  max_pool_with_switches: (c) => {
    const node = c.ctx.emit('max_pool_with_switches', [t(c, 'x')], windowAttrs(c), c.span);
    return { kind: 'tuple', items: node.outputs.map((v) => tensor(v)) };
  },
  unpool: (c) => {
    const x = t(c, 'x');
    const w = windowAttrs(c);
    const switches = t(c, 'switches', 'i32');
    const out = c.args.out === undefined ? undefined : asPair(c.args.out, c.span, 'the unpooled plane [h, w]');
    return op(c, 'max_unpool', [x, switches], { ...w, out: out ?? recordedSize(switches) ?? unpooledSize(x, w) });
  },
  // normalisation
  local_response_norm: (c) =>
    op(c, 'lrn', [t(c, 'x')], {
      size: asInt(c.args.size, c.span),
      alpha: asNumber(c.args.alpha, c.span),
      beta: asNumber(c.args.beta, c.span),
      k: asNumber(c.args.k, c.span),
    }),
  local_contrast_norm: (c) =>
    op(c, 'lcn', [t(c, 'x')], {
      size: asPair(c.args.size, c.span, 'a window size'),
      sigma: asNumber(c.args.sigma, c.span),
    }),
  // shape
  reshape: (c) => op(c, 'reshape', [t(c, 'x')], { shape: asInts(c.args.shape, c.span, 'a shape') }),
  transpose: (c) => {
    const x = t(c, 'x');
    const rank = x.type.shape.length;
    const perm =
      c.args.perm === undefined
        ? [...Array(rank).keys()].reverse()
        : normalizeAxes(asInts(c.args.perm, c.span, 'a permutation'), rank, c.span);
    return op(c, 'transpose', [x], { perm });
  },
  concat: (c) => {
    const xs = c.args.xs;
    const items = xs.kind === 'tuple' || xs.kind === 'list' ? xs.items : [xs];
    const values = items.map((v) => asTensor(c.ctx, v, c.span));
    if (values.length === 0)
      throw new LowerError(c.span, 'missing-arg', { what: 'builtin', name: 'concat', param: 'xs' });
    const axis = normalizeAxes([asInt(c.args.axis, c.span, 'an axis')], values[0].type.shape.length, c.span)[0];
    return op(c, 'concat', values, { axis });
  },
  slice: (c) => {
    const x = t(c, 'x');
    const axis = oneAxis(c, x);
    const starts = x.type.shape.map(() => 0);
    const ends = [...x.type.shape];
    starts[axis] = asInt(c.args.start, c.span, 'a start index');
    ends[axis] = asInt(c.args.end, c.span, 'an end index');
    return op(c, 'slice', [x], { starts, ends });
  },
  broadcast: (c) => op(c, 'broadcast_to', [t(c, 'x')], { shape: asInts(c.args.shape, c.span, 'a shape') }),
  flatten: (c) => {
    const x = t(c, 'x');
    const [n, ...rest] = x.type.shape;
    return op(c, 'reshape', [x], { shape: [n ?? 1, rest.reduce((a, b) => a * b, 1)] });
  },
  one_hot: (c) => op(c, 'one_hot', [t(c, 'x', 'i32')], { depth: asInt(c.args.depth, c.span, 'a class count') }),
  // indexing
  gather: (c) => op(c, 'gather', [t(c, 'table'), t(c, 'indices', 'i32')], { axis: 0 }),
  scatter_add: (c) => op(c, 'scatter_add', [t(c, 'target'), t(c, 'indices', 'i32'), t(c, 'values')], { axis: 0 }),
  scatter: (c) => op(c, 'scatter', [t(c, 'target'), t(c, 'indices', 'i32'), t(c, 'values')], { axis: 0 }),
  take,
  // losses
  cross_entropy: (c) => op(c, 'cross_entropy', [t(c, 'logits'), t(c, 'labels', 'i32')]),
  binary_cross_entropy: (c) => op(c, 'binary_cross_entropy', [t(c, 'logits'), t(c, 'target')]),
  squared_error: (c) => op(c, 'squared_error', [t(c, 'x'), t(c, 'target')]),
  huber: (c) => op(c, 'huber', [t(c, 'x')], { delta: asNumber(c.args.delta, c.span) }),
  hinge: (c) => op(c, 'hinge', [t(c, 'scores'), t(c, 'targets')]),
  ranking_hinge: (c) =>
    op(c, 'ranking_hinge', [t(c, 'scores'), t(c, 'labels', 'i32')], { margin: asNumber(c.args.margin, c.span) }),
  // randomness
  uniform: (c) =>
    random(c, 'uniform', [], {
      shape: asInts(c.args.shape, c.span, 'a shape'),
      low: asNumber(c.args.low, c.span),
      high: asNumber(c.args.high, c.span),
    }),
  normal: (c) =>
    random(c, 'normal', [], {
      shape: asInts(c.args.shape, c.span, 'a shape'),
      mean: asNumber(c.args.mean, c.span),
      std: asNumber(c.args.std, c.span),
    }),
  bernoulli: (c) => random(c, 'bernoulli', [t(c, 'p')], {}),
  categorical: (c) =>
    random(
      c,
      'categorical',
      [t(c, 'p')],
      c.args.shape === undefined ? {} : { samples: asInts(c.args.shape, c.span, 'a shape') },
    ),
  dropout: noise('dropout', 'p'),
  salt_and_pepper: noise('salt_and_pepper', 'p'),
  gaussian_noise: noise('gaussian_noise', 'std'),
  // casts
  f32: cast('f32'),
  i32: cast('i32'),
  u32: cast('u32'),
  bool: cast('bool'),
  // control and creation
  stop_gradient: unary('stop_gradient'),
  // derivatives as values
  grad: lowerGrad,
  jvp: lowerJvp,
  hvp: lowerHvp,
  zeros: fill(0),
  ones: fill(1),
  arange: (c) => tensor(arange(c)),
  eye: (c) => {
    const r = arange(c);
    return op(c, 'one_hot', [r], { depth: r.type.shape[0] });
  },
};

export const LOWERINGS: Readonly<Record<string, Lowering>> = { ...DIRECT, ...OWN_LOWERINGS };

/**
 * `a @ b` with numpy's rules for vectors: a vector on the left is a row, on the
 * right a column, and the added axis is removed from the result.
 */
export function matmul(ctx: EntryContext, a: Value, b: Value, span: Span): Value {
  const ra = a.type.shape.length;
  const rb = b.type.shape.length;
  if (ra === 0 || rb === 0) throw new LowerError(span, 'matmul-scalar');
  const a2 = ra === 1 ? ctx.op('reshape', [a], { shape: [1, a.type.shape[0]] }, span) : a;
  const b2 = rb === 1 ? ctx.op('reshape', [b], { shape: [b.type.shape[0], 1] }, span) : b;
  const out = ctx.op('matmul', [a2, b2], {}, span);
  if (ra > 1 && rb > 1) return out;
  const shape = [...out.type.shape];
  if (rb === 1) shape.pop();
  if (ra === 1) shape.splice(shape.length - (rb === 1 ? 1 : 2), 1);
  return ctx.op('reshape', [out], { shape }, span);
}
