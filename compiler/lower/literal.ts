// Tensor literals: a nested list of compile-time numbers or bools used where a
// tensor is needed (`x @ [[1, 0], [0, 1]]`) becomes one `literal` node, row-major,
// uploaded once (compiler/ops/literal.ts). Its dtype is its context's (the other
// operand's, or what a builtin needs); with no context it is its elements' own:
// bool for true/false, i32 when every number is written whole, f32 otherwise.
// Ragged or empty lists, and elements that are not compile-time numbers, are errors
// at the item that is wrong.
import type { Span } from '../../dsl/ast';
import type { DType, TensorType, Value } from '../ir/types';
import type { EntryContext } from './context';
import { LowerError } from './errors';
import { checkSize } from './limits';
import type { LVal } from './values';
import { describe } from './values';

type ListVal = Extract<LVal, { kind: 'list' }>;

/** The dtype the elements of numbers, bools and lists ask for by themselves; undefined for anything else. */
export function elementsDtype(values: readonly LVal[]): DType | undefined {
  let bools = false;
  let numbers = false;
  let fraction = false;
  const visit = (v: LVal): boolean => {
    if (v.kind === 'bool') bools = true;
    else if (v.kind === 'number') {
      numbers = true;
      if (!v.isInt || !Number.isInteger(v.value)) fraction = true;
    } else if (v.kind === 'list') return v.items.every(visit);
    else return false;
    return true;
  };
  if (!values.every(visit)) return undefined;
  if (bools && !numbers) return 'bool';
  return fraction ? 'f32' : 'i32';
}

function itemShape(v: LVal): string {
  return v.kind === 'list' ? `a list of ${v.items.length}` : 'one element';
}

/** The literal's shape, checking every list is non-empty and as long as its siblings. */
function shapeOf(v: LVal, span: Span): number[] {
  if (v.kind !== 'list') return [];
  if (v.items.length === 0) throw new LowerError(span, 'empty-literal');
  const spanOf = (k: number): Span => v.spans?.[k] ?? span;
  const first = shapeOf(v.items[0], spanOf(0));
  v.items.forEach((item, k) => {
    const same =
      (item.kind === 'list') === (v.items[0].kind === 'list') &&
      (item.kind !== 'list' || item.items.length === first[0]);
    if (!same)
      throw new LowerError(spanOf(k), 'ragged-literal', { found: itemShape(item), expected: itemShape(v.items[0]) });
    if (k > 0) shapeOf(item, spanOf(k));
  });
  return [v.items.length, ...first];
}

/** One element as the buffer of `dtype` holds it, or a located error. */
function element(v: LVal, span: Span, dtype: DType): number {
  if (dtype === 'bool') {
    if (v.kind === 'bool') return v.value ? 1 : 0;
    throw new LowerError(span, 'expected-value', {
      expected: 'true or false (the literal is bool)',
      found: describe(v),
    });
  }
  if (v.kind !== 'number') {
    throw new LowerError(span, 'expected-value', {
      expected: `a number known at compile time (the literal is ${dtype})`,
      found: describe(v),
    });
  }
  if (dtype === 'f32') return Math.fround(v.value);
  const [low, high] = dtype === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
  // A fraction would silently truncate, and an out-of-range number wrap.
  if (!Number.isInteger(v.value) || v.value < low || v.value > high) {
    throw new LowerError(span, 'expected-value', {
      expected: `an integer from ${low} to ${high} (the literal is ${dtype})`,
      found: v.value,
    });
  }
  return v.value;
}

/** `[[1, 0], [0, 1]]` as a `literal` node of `dtype` (its elements' own when absent). */
export function literalTensor(ctx: EntryContext, v: ListVal, span: Span, dtype?: DType): Value {
  const type: TensorType = { dtype: dtype ?? elementsDtype([v]) ?? 'f32', shape: shapeOf(v, span) };
  checkSize(type, span);
  const data: number[] = [];
  const collect = (x: LVal, at: Span): void => {
    if (x.kind === 'list') x.items.forEach((item, k) => collect(item, x.spans?.[k] ?? at));
    else data.push(element(x, at, type.dtype));
  };
  collect(v, span);
  return ctx.op('literal', [], { data, dtype: type.dtype, shape: type.shape }, span);
}
