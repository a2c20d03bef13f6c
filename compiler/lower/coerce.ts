// Conversions between the lowering's values: compile-time numbers become constant
// tensors where a tensor is needed, lists become shapes and axis lists, and every
// mismatch is a located error saying what was expected and what was given.
import type { Span } from '../../dsl/ast';
import type { DType, Value } from '../ir/types';
import type { EntryContext } from './context';
import { LowerError } from './errors';
import type { LVal } from './values';
import { elementsDtype, literalTensor } from './literal';
import { describe } from './values';

/**
 * `v` where a tensor is needed. `dtype` is what the context asks of a bare number or
 * a tensor literal; without one a number is f32 and a literal its elements' dtype.
 */
export function asTensor(ctx: EntryContext, v: LVal, span: Span, context?: DType): Value {
  const dtype = context ?? 'f32';
  switch (v.kind) {
    case 'tensor':
      return ctx.use(v.value);
    case 'list':
      return literalTensor(ctx, v, span, context);
    case 'number':
      // A fraction would silently truncate in an integer tensor.
      if ((dtype === 'i32' || dtype === 'u32') && !Number.isInteger(v.value)) {
        throw new LowerError(span, 'expected-value', {
          expected: `an integer (the other operand is ${dtype})`,
          found: v.value,
        });
      }
      return ctx.constant(v.value, { dtype, shape: [] }, span);
    case 'bool':
      return ctx.constant(v.value ? 1 : 0, { dtype: 'bool', shape: [] }, span);
    default:
      throw new LowerError(span, 'expected-value', { expected: 'a tensor', found: describe(v) });
  }
}

export function asNumber(v: LVal, span: Span, what = 'a number'): number {
  if (v.kind === 'number') return v.value;
  throw new LowerError(span, 'expected-value', { expected: `${what} known at compile time`, found: describe(v) });
}

export function asInt(v: LVal, span: Span, what = 'an integer'): number {
  const n = asNumber(v, span, what);
  if (!Number.isInteger(n)) throw new LowerError(span, 'expected-value', { expected: what, found: n });
  return n;
}

export function asBool(v: LVal, span: Span): boolean {
  if (v.kind === 'bool') return v.value;
  throw new LowerError(span, 'expected-value', { expected: 'true or false', found: describe(v) });
}

/** `[a, b]` or a single integer (as a one-item list). */
export function asInts(v: LVal, span: Span, what = 'a list of integers'): number[] {
  if (v.kind === 'number') return [asInt(v, span, what)];
  if (v.kind === 'list' || v.kind === 'tuple') return v.items.map((x) => asInt(x, span, what));
  throw new LowerError(span, 'expected-value', { expected: what, found: describe(v) });
}

/** A window or stride: one integer for both axes, or `[h, w]`. */
export function asPair(v: LVal, span: Span, what: string): [number, number] {
  const xs = asInts(v, span, what);
  if (xs.length === 1) return [xs[0], xs[0]];
  if (xs.length === 2) return [xs[0], xs[1]];
  throw new LowerError(span, 'bad-window', { what, count: xs.length });
}

/** Axes relative to a rank, negatives counted from the end, each checked in range. */
export function normalizeAxes(axes: readonly number[], rank: number, span: Span): number[] {
  return axes.map((a) => {
    const k = a < 0 ? a + rank : a;
    if (k < 0 || k >= rank) throw new LowerError(span, 'axis-out-of-range', { axis: a, rank });
    return k;
  });
}

/** `dtype` of the tensor operand when the other side is a bare number. */
export function dtypeOf(v: LVal): DType | undefined {
  return v.kind === 'tensor' ? v.value.type.dtype : undefined;
}

/**
 * Two operands of one op: a bare number or tensor literal takes the dtype of the
 * tensor beside it; with none, the dtype the literal's and number's elements ask for
 * together (`[1, 2] * 0.5` is f32), f32 for two bare numbers.
 */
export function asTensorPair(ctx: EntryContext, a: LVal, aSpan: Span, b: LVal, bSpan: Span): [Value, Value] {
  const literal = a.kind === 'list' || b.kind === 'list' ? elementsDtype([a, b]) : undefined;
  const dtype = dtypeOf(a) ?? dtypeOf(b) ?? literal ?? 'f32';
  return [asTensor(ctx, a, aSpan, dtype), asTensor(ctx, b, bSpan, dtype)];
}
