// Lowering of expressions: compile-time values fold, tensor expressions become IR
// nodes at their source spans, calls inline user fns and layer forwards and map
// builtins onto registry ops (builtins.ts).
import type { Arg, Binary, Call, Expr, Index, Span } from '../../dsl/ast';
import { assertNever } from '../../dsl/ast';
import type { Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { BUILTINS_BY_NAME } from '../../dsl/builtins';
import type { ParamDefault } from '../../dsl/builtins';
import { intRem } from '../ops/elementwise';
import { LOWERINGS, matmul } from './builtins';
import { asInt, asTensor, asTensorPair } from './coerce';
import type { EntryContext } from './context';
import type { Operand } from './errors';
import { FollowOnError, LowerError, withCallNote, withOperandNotes } from './errors';
import { unknownNameHint } from '../../dsl/resolve';
import type { Scope } from './scope';
import { lowerBlock, lowerLoop } from './stmts';
import type { LayerInstanceVal, LVal } from './values';
import { describe, num, tensor } from './values';

/** Where an expression is lowered: inside an entry point (tensors allowed) or at compile time. */
export interface Env {
  readonly ctx: EntryContext | null;
  readonly scope: Scope;
}

export function requireCtx(env: Env, span: Span): EntryContext {
  if (!env.ctx) throw new LowerError(span, 'needs-compile-time');
  return env.ctx;
}

export function lowerExpr(env: Env, e: Expr): LVal {
  switch (e.kind) {
    case 'Number':
      return num(e.value, e.isInt);
    case 'Bool':
      return { kind: 'bool', value: e.value };
    case 'String':
      return { kind: 'string', value: e.value };
    case 'List':
      return { kind: 'list', items: e.items.map((x) => lowerExpr(env, x)), spans: e.items.map((x) => x.span) };
    case 'Name':
      return resolveName(env, e.name, e.span);
    case 'Member':
      return member(env, lowerExpr(env, e.object), e.member.name, e.span);
    case 'Unary': {
      const v = lowerExpr(env, e.operand);
      if (e.op === '-') {
        if (v.kind === 'number') return num(-v.value, v.isInt);
        return tensor(requireCtx(env, e.span).op('neg', [asTensor(requireCtx(env, e.span), v, e.span)], {}, e.opSpan));
      }
      if (v.kind === 'bool') return { kind: 'bool', value: !v.value };
      const ctx = requireCtx(env, e.span);
      return tensor(ctx.op('logical_not', [asTensor(ctx, v, e.span, 'bool')], {}, e.opSpan));
    }
    case 'Binary':
      return binary(env, e);
    case 'Pipe':
      return call(
        env,
        e.target,
        [{ value: lowerExpr(env, e.value), span: e.value.span }],
        e.span,
        e.target.kind === 'Call' ? e.target.args : [],
      );
    case 'Transpose': {
      const ctx = requireCtx(env, e.span);
      const x = asTensor(ctx, lowerExpr(env, e.operand), e.span);
      const rank = x.type.shape.length;
      if (rank < 2)
        throw new LowerError(e.span, 'transpose-rank', { rank }, [
          { message: `the operand is ${typeToString(x.type)}`, span: e.operand.span },
        ]);
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      return tensor(ctx.op('transpose', [x], { perm }, e.span));
    }
    case 'Call':
      return call(env, e.callee, [], e.span, e.args);
    case 'Index':
      return index(env, e);
    case 'Repeat':
    case 'Scan':
      return lowerLoop(env, e);
    default:
      return assertNever(e, 'expression');
  }
}

function resolveName(env: Env, name: string, span: Span): LVal {
  const v = env.scope.lookup(name);
  if (v?.kind === 'global') return tensor(requireCtx(env, span).global(v.name, span), span);
  if (v) return v;
  if (LOWERINGS[name]) return { kind: 'builtin', name };
  if (env.scope.isPoisoned(name)) throw new FollowOnError(name);
  throw new LowerError(span, 'undefined-name', { name, hint: '' });
}

function member(env: Env, object: LVal, name: string, span: Span): LVal {
  const v = memberOf(object, name, span);
  if (v.kind === 'global') return tensor(requireCtx(env, span).global(v.name, span), span);
  return v;
}

/** `object.name` as bound in the instance: a param or state stays a `global` (what `<-` and `over` name). */
export function memberOf(object: LVal, name: string, span: Span): LVal {
  if (object.kind !== 'layer') throw new LowerError(span, 'no-members', { what: capitalize(describe(object)) });
  const v = object.instance.scope.lookup(name);
  if (!v || !object.instance.scope.hasOwn(name)) {
    throw new LowerError(span, 'undefined-member', { object: object.instance.path, member: name, hint: '' });
  }
  return v;
}

const ARITH: Partial<Record<Binary['op'], string>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
  '**': 'pow',
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  and: 'logical_and',
  or: 'logical_or',
};

function foldNumbers(op: Binary['op'], a: number, b: number, isInt: boolean): LVal | undefined {
  switch (op) {
    case '+':
      return num(a + b, isInt);
    case '-':
      return num(a - b, isInt);
    case '*':
      return num(a * b, isInt);
    case '/':
      return num(a / b);
    // Integer remainder only; a fraction goes on to the op, which rejects f32.
    case '%':
      return isInt ? num(intRem(a, b, 'i32'), true) : undefined;
    case '**':
      return num(a ** b, isInt && b >= 0);
    case '==':
      return { kind: 'bool', value: a === b };
    case '!=':
      return { kind: 'bool', value: a !== b };
    case '<':
      return { kind: 'bool', value: a < b };
    case '<=':
      return { kind: 'bool', value: a <= b };
    case '>':
      return { kind: 'bool', value: a > b };
    case '>=':
      return { kind: 'bool', value: a >= b };
    default:
      return undefined;
  }
}

function binary(env: Env, e: Binary): LVal {
  const l = lowerExpr(env, e.left);
  const r = lowerExpr(env, e.right);
  if (l.kind === 'number' && r.kind === 'number') {
    const folded = foldNumbers(e.op, l.value, r.value, l.isInt && r.isInt);
    if (folded) return folded;
  }
  if (l.kind === 'bool' && r.kind === 'bool' && (e.op === 'and' || e.op === 'or')) {
    return { kind: 'bool', value: e.op === 'and' ? l.value && r.value : l.value || r.value };
  }
  const ctx = requireCtx(env, e.span);
  const logical = e.op === 'and' || e.op === 'or';
  // A bare number takes the dtype of the tensor on the other side.
  const [a, b] = logical
    ? [asTensor(ctx, l, e.left.span, 'bool'), asTensor(ctx, r, e.right.span, 'bool')]
    : asTensorPair(ctx, l, e.left.span, r, e.right.span);
  const operands: Operand[] = [
    { label: 'left operand', span: e.left.span, type: a.type },
    { label: 'right operand', span: e.right.span, type: b.type },
  ];
  return withOperandNotes(e.opSpan, operands, () => {
    if (e.op === '@') return tensor(matmul(ctx, a, b, e.opSpan));
    // x ** 2 is the common case; square is exact and differentiates everywhere.
    if (e.op === '**' && r.kind === 'number' && r.value === 2) return tensor(ctx.op('square', [a], {}, e.opSpan));
    const opName = ARITH[e.op];
    if (!opName) throw new Error(`no op for operator ${e.op}`);
    return tensor(ctx.op(opName, [a, b], {}, e.opSpan));
  });
}

/** An argument already lowered (a piped value) or still an expression. */
interface Given {
  readonly value: LVal;
  readonly span: Span;
  readonly name?: string;
}

/** How deep fn and layer calls may nest: every call is inlined, recursively. */
export const MAX_INLINE_DEPTH = 200;
let inlineDepth = 0;

/** Lowers an inlined body one call level deeper, or reports the chain as too deep. */
function inlined(span: Span, note: string, f: () => LVal): LVal {
  if (inlineDepth >= MAX_INLINE_DEPTH) throw new LowerError(span, 'inline-too-deep', { limit: MAX_INLINE_DEPTH });
  inlineDepth++;
  try {
    return withCallNote(span, note, f);
  } finally {
    inlineDepth--;
  }
}

function call(env: Env, calleeExpr: Expr, piped: readonly Given[], span: Span, args: readonly Arg[]): LVal {
  const callee = calleeExpr.kind === 'Call' ? calleeExpr.callee : calleeExpr;
  const f = lowerCallee(env, callee);
  const given: Given[] = [
    ...piped,
    ...args.map((a) => ({ value: lowerExpr(env, a.value), span: a.span, name: a.name?.name })),
  ];
  switch (f.kind) {
    case 'builtin':
      return callBuiltin(env, f.name, given, span);
    case 'fn': {
      const scope = bindParams(
        env,
        f.closure.child(),
        { what: 'fn', name: f.decl.name.name },
        f.decl.params,
        given,
        span,
      );
      return inlined(span, `in this call of '${f.decl.name.name}'`, () =>
        lowerBlock({ ctx: env.ctx, scope }, f.decl.body),
      );
    }
    case 'layer':
      return callLayer(env, f.instance, given, span);
    default:
      throw new LowerError(callee.span, 'value-not-callable', { what: capitalize(describe(f)) });
  }
}

function lowerCallee(env: Env, callee: Expr): LVal {
  if (callee.kind === 'Name') {
    const v = env.scope.lookup(callee.name);
    if (v && v.kind !== 'global') return v;
    if (!v && LOWERINGS[callee.name]) return { kind: 'builtin', name: callee.name };
  }
  return lowerExpr(env, callee);
}

export function callLayer(env: Env, inst: LayerInstanceVal, given: readonly Given[], span: Span): LVal {
  const fwd = inst.def.forward;
  if (!fwd) throw new LowerError(span, 'missing-forward', { name: inst.def.name.name });
  const scope = bindParams(
    env,
    inst.scope.child(),
    { what: 'layer instance', name: inst.path },
    fwd.params,
    given,
    span,
  );
  return inlined(span, `in this call of layer instance '${inst.path}'`, () =>
    lowerBlock({ ctx: env.ctx, scope }, fwd.body),
  );
}

/** Binds given arguments to declared parameters (positional, then named, then defaults). */
function bindParams(
  env: Env,
  scope: Scope,
  sig: { readonly what: string; readonly name: string },
  params: readonly { name: { name: string }; default?: Expr }[],
  given: readonly Given[],
  span: Span,
): Scope {
  const bound = new Map<string, LVal>();
  let position = 0;
  for (const g of given) {
    if (g.name === undefined) {
      const param = params[position++];
      if (!param)
        throw new LowerError(g.span, 'too-many-args', {
          ...sig,
          max: params.length,
          s: params.length === 1 ? '' : 's',
          count: given.filter((x) => x.name === undefined).length,
        });
      bound.set(param.name.name, g.value);
    } else {
      const names = params.map((p) => p.name.name);
      if (!names.includes(g.name)) {
        throw new LowerError(g.span, 'unknown-named-arg', {
          ...sig,
          arg: g.name,
          hint: unknownNameHint(g.name, names, 'its parameters'),
        });
      }
      if (bound.has(g.name)) throw new LowerError(g.span, 'duplicate-arg', { arg: g.name });
      bound.set(g.name, g.value);
    }
  }
  for (const param of params) {
    let v = bound.get(param.name.name);
    if (v === undefined) {
      if (!param.default) throw new LowerError(span, 'missing-arg', { ...sig, param: param.name.name });
      v = lowerExpr({ ctx: env.ctx, scope }, param.default);
    }
    scope.define(param.name.name, v);
  }
  return scope;
}

function callBuiltin(env: Env, name: string, given: readonly Given[], span: Span): LVal {
  const spec = BUILTINS_BY_NAME.get(name);
  const lower = LOWERINGS[name];
  if (!spec || !lower) throw new LowerError(span, 'undefined-name', { name, hint: '' });
  const ctx = requireCtx(env, span);
  const args: Record<string, LVal> = {};
  const argSpans: Record<string, Span> = {};
  const rest: LVal[] = [];
  const operands: Operand[] = [];
  const sig = { what: 'builtin', name };
  // A variadic tail cannot be named, so it is not listed among the parameters.
  const names = spec.params.filter((p) => !p.rest).map((p) => p.name);
  let position = 0;
  for (const g of given) {
    const param = g.name === undefined ? spec.params[position] : spec.params.find((p) => p.name === g.name);
    if (g.name === undefined && !param?.rest) position++;
    if (!param) {
      if (g.name !== undefined) {
        throw new LowerError(g.span, 'unknown-named-arg', {
          ...sig,
          arg: g.name,
          hint: unknownNameHint(g.name, names, 'its parameters'),
        });
      }
      const max = spec.params.length;
      throw new LowerError(g.span, 'too-many-args', {
        ...sig,
        max,
        s: max === 1 ? '' : 's',
        count: given.filter((x) => x.name === undefined).length,
      });
    }
    if (g.value.kind === 'tensor')
      operands.push({ label: `argument '${param.name}'`, span: g.span, type: g.value.value.type });
    if (param.rest) {
      rest.push(g.value);
      continue;
    }
    if (param.name in args) throw new LowerError(g.span, 'duplicate-arg', { arg: param.name });
    args[param.name] = g.value;
    argSpans[param.name] = g.span;
  }
  for (const param of spec.params) {
    if (param.rest) {
      args[param.name] = rest.length === 1 ? rest[0] : { kind: 'tuple', items: rest };
      continue;
    }
    if (param.name in args) continue;
    if (param.default === undefined) throw new LowerError(span, 'missing-arg', { ...sig, param: param.name });
    if (param.default !== null) args[param.name] = fromDefault(param.default);
  }
  return withOperandNotes(span, operands, () => lower({ ctx, span, args, argSpans }));
}

/** A default from the builtin table as a compile-time value. */
export function fromDefault(d: Exclude<ParamDefault, null>): LVal {
  if (typeof d === 'number') return num(d);
  if (typeof d === 'boolean') return { kind: 'bool', value: d };
  if (typeof d === 'string') return { kind: 'string', value: d };
  return { kind: 'list', items: d.map((x) => num(x)) };
}

function index(env: Env, e: Index): LVal {
  const ctx = requireCtx(env, e.span);
  let x: Value = asTensor(ctx, lowerExpr(env, e.object), e.object.span);
  const shape = x.type.shape;
  if (e.items.length > shape.length)
    throw new LowerError(e.span, 'too-many-indices', { count: e.items.length, rank: shape.length }, [
      { message: `the indexed tensor is ${typeToString(x.type)}`, span: e.object.span },
    ]);
  const indexedNote = { message: `the indexed tensor is ${typeToString(x.type)}`, span: e.object.span };
  const starts = shape.map(() => 0);
  const ends = [...shape];
  const strides = shape.map(() => 1);
  const dropped: number[] = [];
  const gathered: { axis: number; ids: Value }[] = [];
  e.items.forEach((item, axis) => {
    const dim = shape[axis];
    const at = (v: Expr | undefined, dflt: number): number => {
      if (!v) return dflt;
      const n = asInt(lowerExpr(env, v), v.span, 'an integer index');
      const k = n < 0 ? n + dim : n;
      if (k < 0 || k > dim) throw new LowerError(v.span, 'index-out-of-range', { index: n, size: dim }, [indexedNote]);
      return k;
    };
    if (item.kind === 'Slice') {
      starts[axis] = at(item.start, 0);
      ends[axis] = at(item.end, dim);
      strides[axis] = item.step ? asInt(lowerExpr(env, item.step), item.step.span, 'a slice step') : 1;
      if (ends[axis] <= starts[axis])
        throw new LowerError(item.span, 'empty-slice', { start: starts[axis], end: ends[axis], size: dim }, [
          indexedNote,
        ]);
      return;
    }
    const v = lowerExpr(env, item);
    if (v.kind === 'tensor') {
      gathered.push({ axis, ids: v.value });
      return;
    }
    const i = at(item, 0);
    if (i >= dim) throw new LowerError(item.span, 'index-out-of-range', { index: i, size: dim }, [indexedNote]);
    starts[axis] = i;
    ends[axis] = i + 1;
    dropped.push(axis);
  });
  const whole = starts.every((s, i) => s === 0 && ends[i] === shape[i] && strides[i] === 1);
  if (!whole) x = ctx.op('slice', [x], { starts, ends, strides }, e.span);
  if (dropped.length > 0)
    x = ctx.op('reshape', [x], { shape: x.type.shape.filter((_, i) => !dropped.includes(i)) }, e.span);
  // Tensor indices (a scan's `t`) pick along their axis; later axes shift down as earlier ones go.
  for (const [k, g] of gathered.entries()) {
    const axis = g.axis - dropped.filter((d) => d < g.axis).length - k;
    x = ctx.op('gather', [x, asTensor(ctx, tensor(g.ids), e.span, 'i32')], { axis }, e.span);
  }
  return tensor(x);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
