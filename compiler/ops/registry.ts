// The op registry: one entry per op holds everything the compiler knows about it —
// its shape rule, its gradient (built from other registry ops), its float64
// reference semantics, its fusion class and its WGSL emitter. Passes look
// ops up here by name; they never switch on op names.
import type { Attrs, AttrValue, Node, TensorType, Value } from '../ir/types';
import type { KernelContext, KernelSpec } from '../codegen/kernel-spec';

/** Drives fusion legality and kernel families. */
export type OpKind =
  | 'elementwise' // out[i] depends on in[i] (after broadcasting) only
  | 'reduction' // reduces one or more axes (sum, max, softmax, losses over rows)
  | 'contraction' // matmul, conv
  | 'movement' // reshape, transpose, slice, concat, gather, pooling windows
  | 'random' // draws from the counter-based generator
  | 'control' // region ops: repeat, scan
  | 'effect'; // writes persistent tensors: assign

/** A tensor in the reference interpreter: values held as float64 whatever the dtype. */
export interface Tensor {
  readonly type: TensorType;
  readonly data: Float64Array;
}

/** Keys the counter-based RNG: every random op has its own `stream` attribute. */
export interface RefContext {
  readonly seed: number;
  readonly step: number;
}

/** Raised by shape rules; the lowering turns it into a diagnostic at the call's span. */
export class ShapeError extends Error {
  constructor(
    message: string,
    /** Index of the operand at fault, where one is. */
    readonly operand?: number,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** What gradient rules build with: ordinary IR from registry ops. */
export interface GradBuilder {
  /** Adds a node with one output and returns that output. */
  op(name: string, inputs: readonly Value[], attrs?: Attrs): Value;
  /** Adds a node with several outputs. */
  opN(name: string, inputs: readonly Value[], attrs?: Attrs): Value[];
  /** A constant filled with `value`, of the given type. */
  constant(value: number, type: TensorType): Value;
  /** Sums `grad` over the axes that broadcasting added or stretched, so it has type `to`. */
  unbroadcast(grad: Value, to: TensorType): Value;
}

export interface AttrSpec {
  readonly type: 'int' | 'float' | 'bool' | 'string' | 'ints' | 'floats';
  /** Absent means required. */
  readonly default?: AttrValue;
  readonly doc?: string;
}

export interface OpDef {
  /** Lowercase mnemonic used in IR text and the language (`matmul`). */
  readonly name: string;
  readonly kind: OpKind;
  /** One line, with an IR example: `%2: f32[4] = exp %1`. */
  readonly doc: string;
  /** Number of inputs, or [min, max] for variadic ops (max Infinity for any). */
  readonly arity: number | readonly [number, number];
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
  /** Output types from input types; throws ShapeError with a user-facing message. */
  infer(inputs: readonly TensorType[], attrs: Attrs): TensorType[];
  /**
   * Input gradients from output gradients (null where an output has no gradient
   * flowing). Absent: the op is not differentiable and a gradient through it is an
   * error. Return null for an input that gets no gradient (integer operands).
   */
  grad?(b: GradBuilder, node: Node, outGrads: readonly (Value | null)[]): (Value | null)[];
  /** Float64 reference semantics. */
  reference(inputs: readonly Tensor[], attrs: Attrs, ctx: RefContext): Tensor[];
  /**
   * Elementwise ops only: the WGSL expression for one element, given the WGSL
   * expressions of its (already broadcast) operands, so fusion can compose chains.
   * Operands and result are WGSL scalars of the value's dtype (`f32`, `i32`, `u32`;
   * `bool` values are WGSL `bool` in expressions and stored as u32 0/1 in buffers).
   */
  wgsl?(args: readonly string[], attrs: Attrs, inputs: readonly TensorType[]): string;
  /**
   * Random ops drawn element by element from same-shape operands (bernoulli): the
   * WGSL expression of one element given its operands and `element`, the u32 flat
   * index of the element in the output, drawing with `philox_draw` (which reads the
   * kernel's `scalars` binding). Lets fusion compute the draw in a matmul epilogue,
   * bit for bit as the op's own kernel draws it.
   */
  drawWgsl?(args: readonly string[], attrs: Attrs, element: string, inputs: readonly TensorType[]): string;
  /** Non-elementwise ops: the compute shader(s) that evaluate this node, run in order. */
  kernel?(node: Node, ctx: KernelContext): KernelSpec[];
  /**
   * The kernel(s) computing the output over input `input`'s own buffer, when that
   * input dies with the node: a loop's carried accumulator (codegen/loops.ts), or a
   * persistent tensor an `assign` writes the result back to (a sparse optimizer update's
   * `scatter` of its rows into the param, saving a copy of the whole tensor). Bindings
   * are the other inputs in order, then the output (read_write). Undefined: not possible.
   */
  kernelInPlace?(node: Node, ctx: KernelContext, input: number): KernelSpec[] | undefined;
  /**
   * Ops whose output is known at compile time in full (`literal`): its elements, which
   * the code generator uploads once into a constant buffer instead of running a kernel.
   */
  constData?(node: Node): readonly number[];
}

const registry = new Map<string, OpDef>();

export function defineOp(def: OpDef): OpDef {
  if (registry.has(def.name)) throw new Error(`op '${def.name}' is defined twice`);
  registry.set(def.name, def);
  return def;
}

export function getOp(name: string): OpDef {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown op '${name}'`);
  return def;
}

export function hasOp(name: string): boolean {
  return registry.has(name);
}

export function allOps(): OpDef[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}
