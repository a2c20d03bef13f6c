// The IR: an SSA dataflow graph per entry point. Every value has a static dtype and
// shape; every node knows its op, attributes, inputs and the span it came from.
// Loops are region ops (`repeat`, `scan`) whose body is a nested Graph.
import type { Span } from '../../runtime/errors';

export type { Span };

export type DType = 'f32' | 'i32' | 'u32' | 'bool';
export const DTYPES: readonly DType[] = ['f32', 'i32', 'u32', 'bool'];

export interface TensorType {
  readonly dtype: DType;
  /** Static shape; [] is a scalar. Every dimension is a positive integer. */
  readonly shape: readonly number[];
}

/** Attribute values are plain data so that IR text and JSON round-trip exactly. */
export type AttrValue = number | boolean | string | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

export interface Value {
  readonly id: number;
  readonly type: TensorType;
  /** The node that produces this value, or null for a graph argument. */
  readonly def: Node | null;
  /** A user-facing name where one is known (`fc1.W`, `loss`), used by printers. */
  readonly name?: string;
}

export interface Node {
  readonly id: number;
  /** The registry name of the op (`matmul`, `add`, `repeat`). */
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attrs: Attrs;
  readonly span?: Span;
  /** Body graphs of region ops (`repeat`, `scan`); absent for ordinary ops. */
  readonly regions?: readonly Graph[];
}

/**
 * What a graph argument is:
 * - input: data fed per call; param: trained tensor; state: persistent, not trained;
 * - slot: optimizer state for a param (momentum, accumulators);
 * - scalar: a runtime-settable scalar (learning rate, step counter, seed);
 * - region: an argument of a region body (loop index, carried value, captured value).
 */
export type ArgKind = 'input' | 'param' | 'state' | 'slot' | 'scalar' | 'region';

/** How a persistent tensor starts: an initializer name with its numeric arguments. */
export interface Initializer {
  readonly name: string;
  readonly args: Readonly<Record<string, number>>;
  /** `load`: the elements read from a file at compile time, row-major, of the tensor's dtype. */
  readonly data?: readonly number[];
  /** `load`: the file and the tensor's name in it ('' for a .npy file) as written, for printing. */
  readonly source?: { readonly file: string; readonly tensor: string };
}

export interface Arg {
  readonly kind: ArgKind;
  readonly name: string;
  readonly value: Value;
  readonly init?: Initializer;
}

export interface Result {
  readonly name: string;
  readonly value: Value;
}

export interface Graph {
  readonly name: string;
  readonly args: readonly Arg[];
  readonly nodes: readonly Node[];
  /** Named outputs of an entry point, or the results of a region body in order. */
  readonly results: readonly Result[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function typeToString(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape);
}
