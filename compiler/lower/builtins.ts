// The builtin functions of the language and how each lowers onto registry ops.
// One entry per builtin: its parameters (positional order, defaults) and a lowering
// from bound arguments. dsl/ checks names and arity; shapes are checked here by the
// ops' own shape rules when the nodes are emitted.
import type { Span } from '../../dsl/ast';
import type { DType, Value } from '../ir/types';
import type { EntryContext } from './context';
import { asBool, asInt, asInts, asNumber, asPair, asTensor, normalizeAxes } from './coerce';
import { LowerError } from './errors';
import type { LVal } from './values';
import { num, tensor } from './values';

export interface BuiltinParam {
  readonly name: string;
  /** Absent: required. `null`: optional with no value. */
  readonly default?: LVal | null;
}

export interface BuiltinCall {
  readonly ctx: EntryContext;
  readonly span: Span;
  /** Bound arguments by parameter name; optional ones left out are absent. */
  readonly args: Readonly<Record<string, LVal>>;
}

export interface Builtin {
  readonly params: readonly BuiltinParam[];
  /** Accepts any number of extra positional tensors after the params (none so far). */
  lower(call: BuiltinCall): LVal;
}

const p = (name: string, def?: LVal | null): BuiltinParam => (def === undefined ? { name } : { name, default: def });
const NONE = null;
const FALSE: LVal = { kind: 'bool', value: false };

function t(call: BuiltinCall, name: string, dtype: DType = 'f32'): Value {
  return asTensor(call.ctx, call.args[name], call.span, dtype);
}

function op(call: BuiltinCall, name: string, inputs: readonly Value[], attrs = {}): LVal {
  return tensor(call.ctx.op(name, inputs, attrs, call.span));
}

const unary = (opName: string): Builtin => ({ params: [p('x')], lower: (c) => op(c, opName, [t(c, 'x')]) });

/** `axis` as the reduction's axes: absent means every axis. */
function reduceAxes(c: BuiltinCall, x: Value): number[] {
  const a = c.args.axis;
  const rank = x.type.shape.length;
  if (a === undefined) return [...Array(rank).keys()];
  return normalizeAxes(asInts(a, c.span, 'an axis or a list of axes'), rank, c.span);
}

/** `sum(x, axis=1)` reduces; `max(a, b)` with two tensors is elementwise. */
function reduction(opName: string, binary?: string): Builtin {
  return {
    params: [p('x'), p('y', NONE), p('axis', NONE), p('keepdims', FALSE)],
    lower(c) {
      if (c.args.y !== undefined) {
        if (!binary) throw new LowerError(c.span, `${opName} takes one tensor (use axis = ... to choose axes)`);
        return op(c, binary, [t(c, 'x'), t(c, 'y')]);
      }
      const x = t(c, 'x');
      return op(c, opName, [x], { axes: reduceAxes(c, x), keepdims: asBool(c.args.keepdims, c.span) });
    },
  };
}

function axisOp(opName: string, defaultAxis = -1): Builtin {
  return {
    params: [p('x'), p('axis', num(defaultAxis))],
    lower(c) {
      const x = t(c, 'x');
      const [axis] = normalizeAxes([asInt(c.args.axis, c.span, 'an axis')], x.type.shape.length, c.span);
      return op(c, opName, [x], { axis });
    },
  };
}

function cast(to: DType): Builtin {
  return {
    params: [p('x')],
    lower(c) {
      const x = t(c, 'x', to);
      return x.type.dtype === to ? tensor(x) : op(c, 'cast', [x], { to });
    },
  };
}

function fill(value: number | undefined): Builtin {
  return {
    params: value === undefined ? [p('shape'), p('value'), p('dtype', { kind: 'string', value: 'f32' })] : [p('shape'), p('dtype', { kind: 'string', value: 'f32' })],
    lower(c) {
      const shape = asInts(c.args.shape, c.span, 'a shape');
      const v = value ?? asNumber(c.args.value, c.span);
      const dtype = c.args.dtype.kind === 'string' ? (c.args.dtype.value as DType) : 'f32';
      return tensor(c.ctx.constant(v, { dtype, shape }, c.span));
    },
  };
}

function windowAttrs(c: BuiltinCall): Record<string, number[]> {
  const size = asPair(c.args.size, c.span, 'a window size');
  const stride = c.args.stride === undefined ? size : asPair(c.args.stride, c.span, 'a stride');
  return { size, stride, padding: asPair(c.args.padding, c.span, 'a padding') };
}

function pool(opName: string, extra: Record<string, string> = {}): Builtin {
  return {
    params: [p('x'), p('size'), p('stride', NONE), p('padding', num(0)), ...Object.keys(extra).map((k) => p(k, NONE))],
    lower(c) {
      const attrs: Record<string, number | number[]> = windowAttrs(c);
      for (const k of Object.keys(extra)) if (c.args[k] !== undefined) attrs[k] = asNumber(c.args[k], c.span);
      return op(c, opName, [t(c, 'x')], attrs);
    },
  };
}

/** A random op that corrupts or masks its input; off (identity) outside train/sample. */
function noise(opName: string, param: string): Builtin {
  return {
    params: [p('x'), p(param)],
    lower(c) {
      const x = t(c, 'x');
      const amount = asNumber(c.args[param], c.span);
      if (!c.ctx.noise || amount === 0) return tensor(x);
      return random(c, opName, [x], { [param]: amount });
    },
  };
}

/** Emits a random op with a fresh stream. */
function random(c: BuiltinCall, opName: string, inputs: readonly Value[], attrs: Record<string, number | number[]>): LVal {
  return op(c, opName, inputs, { ...attrs, stream: c.ctx.stream() });
}

/** `x[i]` along `axis` for an index tensor with one axis less: expand, take, squeeze. */
function take(c: BuiltinCall): LVal {
  const x = t(c, 'x');
  const idx = t(c, 'indices', 'i32');
  const rank = x.type.shape.length;
  const [axis] = normalizeAxes([asInt(c.args.axis, c.span, 'an axis')], rank, c.span);
  if (idx.type.shape.length === rank) return op(c, 'take_along_axis', [x, idx], { axis });
  if (idx.type.shape.length !== rank - 1) {
    throw new LowerError(c.span, `take: indices of rank ${idx.type.shape.length} cannot index axis ${axis} of a rank-${rank} tensor (expected rank ${rank - 1} or ${rank})`);
  }
  const expanded = [...idx.type.shape];
  expanded.splice(axis, 0, 1);
  const i2 = c.ctx.op('reshape', [idx], { shape: expanded }, c.span);
  const picked = c.ctx.op('take_along_axis', [x, i2], { axis }, c.span);
  return op(c, 'reshape', [picked], { shape: idx.type.shape });
}

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  // elementwise
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  abs: unary('abs'),
  sign: unary('sign'),
  sigmoid: unary('sigmoid'),
  tanh: unary('tanh'),
  relu: unary('relu'),
  softplus: unary('softplus'),
  square: unary('square'),
  reciprocal: unary('reciprocal'),
  neg: unary('neg'),
  pow: { params: [p('x'), p('y')], lower: (c) => op(c, 'pow', [t(c, 'x'), t(c, 'y')]) },
  minimum: { params: [p('x'), p('y')], lower: (c) => op(c, 'minimum', [t(c, 'x'), t(c, 'y')]) },
  maximum: { params: [p('x'), p('y')], lower: (c) => op(c, 'maximum', [t(c, 'x'), t(c, 'y')]) },
  where: {
    params: [p('cond'), p('x'), p('y')],
    lower: (c) => op(c, 'where', [t(c, 'cond', 'bool'), t(c, 'x'), t(c, 'y')]),
  },
  f32: cast('f32'),
  i32: cast('i32'),
  u32: cast('u32'),
  bool: cast('bool'),
  // reductions
  sum: reduction('sum'),
  mean: reduction('mean'),
  max: reduction('max', 'maximum'),
  min: reduction('min', 'minimum'),
  logsumexp: reduction('logsumexp'),
  argmax: {
    params: [p('x'), p('axis', num(-1)), p('keepdims', FALSE)],
    lower(c) {
      const x = t(c, 'x');
      const [axis] = normalizeAxes([asInt(c.args.axis, c.span, 'an axis')], x.type.shape.length, c.span);
      return op(c, 'argmax', [x], { axis, keepdims: asBool(c.args.keepdims, c.span) });
    },
  },
  softmax: axisOp('softmax'),
  log_softmax: axisOp('log_softmax'),
  // contraction
  matmul: { params: [p('a'), p('b')], lower: (c) => tensor(matmul(c.ctx, t(c, 'a'), t(c, 'b'), c.span)) },
  conv2d: {
    params: [p('x'), p('w'), p('stride', num(1)), p('padding', num(0)), p('groups', num(1))],
    lower: (c) =>
      op(c, 'conv2d', [t(c, 'x'), t(c, 'w')], {
        stride: asPair(c.args.stride, c.span, 'a stride'),
        padding: asPair(c.args.padding, c.span, 'a padding'),
        groups: asInt(c.args.groups, c.span),
      }),
  },
  conv2d_transpose: {
    params: [p('x'), p('w'), p('stride', num(1)), p('padding', num(0)), p('groups', num(1)), p('output_padding', num(0))],
    lower: (c) =>
      op(c, 'conv2d_transpose', [t(c, 'x'), t(c, 'w')], {
        stride: asPair(c.args.stride, c.span, 'a stride'),
        padding: asPair(c.args.padding, c.span, 'a padding'),
        groups: asInt(c.args.groups, c.span),
        output_padding: asPair(c.args.output_padding, c.span, 'an output padding'),
      }),
  },
  // pooling and normalisation
  max_pool: pool('max_pool'),
  avg_pool: pool('avg_pool'),
  l2_pool: pool('l2_pool'),
  gaussian_pool: pool('gaussian_pool', { sigma: 'float' }),
  max_pool_with_switches: {
    params: [p('x'), p('size'), p('stride', NONE), p('padding', num(0))],
    lower(c) {
      const node = c.ctx.emit('max_pool_with_switches', [t(c, 'x')], windowAttrs(c), c.span);
      return { kind: 'tuple', items: node.outputs.map((v) => tensor(v)) };
    },
  },
  max_unpool: {
    params: [p('x'), p('switches'), p('size'), p('stride', NONE), p('padding', num(0)), p('out')],
    lower: (c) => op(c, 'max_unpool', [t(c, 'x'), t(c, 'switches', 'i32')], { ...windowAttrs(c), out: asPair(c.args.out, c.span, 'an output size') }),
  },
  lrn: {
    params: [p('x'), p('size', num(5)), p('alpha', num(1e-4)), p('beta', num(0.75)), p('k', num(2))],
    lower: (c) =>
      op(c, 'lrn', [t(c, 'x')], {
        size: asInt(c.args.size, c.span),
        alpha: asNumber(c.args.alpha, c.span),
        beta: asNumber(c.args.beta, c.span),
        k: asNumber(c.args.k, c.span),
      }),
  },
  lcn: {
    params: [p('x'), p('size', num(9)), p('sigma', num(2))],
    lower: (c) => op(c, 'lcn', [t(c, 'x')], { size: asPair(c.args.size, c.span, 'a window size'), sigma: asNumber(c.args.sigma, c.span) }),
  },
  // shape
  reshape: { params: [p('x'), p('shape')], lower: (c) => op(c, 'reshape', [t(c, 'x')], { shape: asInts(c.args.shape, c.span, 'a shape') }) },
  flatten: {
    params: [p('x')],
    lower(c) {
      const x = t(c, 'x');
      const [n, ...rest] = x.type.shape;
      return op(c, 'reshape', [x], { shape: [n ?? 1, rest.reduce((a, b) => a * b, 1)] });
    },
  },
  transpose: {
    params: [p('x'), p('perm', NONE)],
    lower(c) {
      const x = t(c, 'x');
      const rank = x.type.shape.length;
      const perm = c.args.perm === undefined ? [...Array(rank).keys()].reverse() : normalizeAxes(asInts(c.args.perm, c.span, 'a permutation'), rank, c.span);
      return op(c, 'transpose', [x], { perm });
    },
  },
  broadcast_to: { params: [p('x'), p('shape')], lower: (c) => op(c, 'broadcast_to', [t(c, 'x')], { shape: asInts(c.args.shape, c.span, 'a shape') }) },
  concat: {
    params: [p('xs'), p('axis', num(-1))],
    lower(c) {
      const xs = c.args.xs;
      if (xs.kind !== 'list' && xs.kind !== 'tuple') throw new LowerError(c.span, 'concat expects a list of tensors: concat([a, b], axis = 1)');
      const values = xs.items.map((v) => asTensor(c.ctx, v, c.span));
      const rank = values[0]?.type.shape.length ?? 0;
      const [axis] = normalizeAxes([asInt(c.args.axis, c.span, 'an axis')], rank, c.span);
      return op(c, 'concat', values, { axis });
    },
  },
  one_hot: {
    params: [p('x'), p('depth')],
    lower: (c) => op(c, 'one_hot', [t(c, 'x', 'i32')], { depth: asInt(c.args.depth, c.span, 'a class count') }),
  },
  // indexing
  gather: {
    params: [p('table'), p('ids'), p('axis', num(0))],
    lower: (c) => op(c, 'gather', [t(c, 'table'), t(c, 'ids', 'i32')], { axis: asInt(c.args.axis, c.span) }),
  },
  scatter_add: {
    params: [p('x'), p('ids'), p('updates'), p('axis', num(0))],
    lower: (c) => op(c, 'scatter_add', [t(c, 'x'), t(c, 'ids', 'i32'), t(c, 'updates')], { axis: asInt(c.args.axis, c.span) }),
  },
  take: { params: [p('x'), p('indices'), p('axis', num(-1))], lower: take },
  // losses
  cross_entropy: { params: [p('logits'), p('labels')], lower: (c) => op(c, 'cross_entropy', [t(c, 'logits'), t(c, 'labels', 'i32')]) },
  binary_cross_entropy: {
    params: [p('logits'), p('targets')],
    lower: (c) => op(c, 'binary_cross_entropy', [t(c, 'logits'), t(c, 'targets')]),
  },
  squared_error: { params: [p('x'), p('y')], lower: (c) => op(c, 'squared_error', [t(c, 'x'), t(c, 'y')]) },
  huber: { params: [p('x'), p('delta', num(1))], lower: (c) => op(c, 'huber', [t(c, 'x')], { delta: asNumber(c.args.delta, c.span) }) },
  hinge: { params: [p('scores'), p('targets')], lower: (c) => op(c, 'hinge', [t(c, 'scores'), t(c, 'targets')]) },
  ranking_hinge: {
    params: [p('scores'), p('labels'), p('margin', num(0.1))],
    lower: (c) => op(c, 'ranking_hinge', [t(c, 'scores'), t(c, 'labels', 'i32')], { margin: asNumber(c.args.margin, c.span) }),
  },
  // randomness
  uniform: {
    params: [p('shape'), p('low', num(0)), p('high', num(1))],
    lower: (c) => random(c, 'uniform', [], { shape: asInts(c.args.shape, c.span, 'a shape'), low: asNumber(c.args.low, c.span), high: asNumber(c.args.high, c.span) }),
  },
  normal: {
    params: [p('shape'), p('mean', num(0)), p('std', num(1))],
    lower: (c) => random(c, 'normal', [], { shape: asInts(c.args.shape, c.span, 'a shape'), mean: asNumber(c.args.mean, c.span), std: asNumber(c.args.std, c.span) }),
  },
  bernoulli: { params: [p('p')], lower: (c) => random(c, 'bernoulli', [t(c, 'p')], {}) },
  categorical: { params: [p('p')], lower: (c) => random(c, 'categorical', [t(c, 'p')], {}) },
  dropout: noise('dropout', 'p'),
  salt_and_pepper: noise('salt_and_pepper', 'p'),
  gaussian_noise: noise('gaussian_noise', 'std'),
  // control and constants
  stop_gradient: unary('stop_gradient'),
  zeros: fill(0),
  ones: fill(1),
  full: fill(undefined),
};

/**
 * `a @ b` with numpy's rules for vectors: a vector on the left is a row, on the
 * right a column, and the added axis is removed from the result.
 */
export function matmul(ctx: EntryContext, a: Value, b: Value, span: Span): Value {
  const ra = a.type.shape.length;
  const rb = b.type.shape.length;
  if (ra === 0 || rb === 0) throw new LowerError(span, `matmul needs tensors of rank 1 or more, found a scalar`);
  const a2 = ra === 1 ? ctx.op('reshape', [a], { shape: [1, a.type.shape[0]] }, span) : a;
  const b2 = rb === 1 ? ctx.op('reshape', [b], { shape: [b.type.shape[0], 1] }, span) : b;
  const out = ctx.op('matmul', [a2, b2], {}, span);
  if (ra > 1 && rb > 1) return out;
  const shape = [...out.type.shape];
  if (rb === 1) shape.pop();
  if (ra === 1) shape.splice(shape.length - (rb === 1 ? 1 : 2), 1);
  return ctx.op('reshape', [out], { shape }, span);
}
