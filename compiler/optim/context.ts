// What an optimizer's update rule builds with: the graph builder, its runtime
// scalars (one `scalar` arg per numeric option, defaulting to the value given in
// the program or the rule's default), its slots (per-param optimizer state, `slot`
// args initialised to zeros or a constant) and the assigns that write them back.
import type { GraphBuilder } from '../ir/builder';
import type { PersistentTensor, RuntimeScalar } from '../ir/program';
import type { Initializer, TensorType, Value } from '../ir/types';

export interface ParamGrad {
  /** The param's persistent name (`fc1.W`). */
  readonly name: string;
  readonly value: Value;
  readonly grad: Value;
}

export type OptionValue = number | boolean;

const F32_SCALAR: TensorType = { dtype: 'f32', shape: [] };
export const ZEROS: Initializer = { name: 'zeros', args: {} };

export class OptimizerContext {
  readonly slots: PersistentTensor[] = [];
  readonly scalars: RuntimeScalar[] = [];
  private readonly writes = new Map<string, Value>();

  constructor(
    readonly b: GraphBuilder,
    /** Options as given, with every known option's default filled in. */
    readonly options: Readonly<Record<string, OptionValue>>,
    /** Prepended to scalar names (`step.` gives `step.lr`), so entries with their own optimizers don't share an `lr`. */
    readonly scalarPrefix = '',
  ) {}

  /** The runtime scalar for a numeric option: an f32[] arg named after it. */
  scalar(option: string): Value {
    const v = this.options[option];
    if (typeof v !== 'number') throw new Error(`optimizer option '${option}' is not a number`);
    const name = this.scalarPrefix + option;
    const existing = this.b.findArg(name);
    if (existing) return existing.value;
    this.scalars.push({ name, value: v });
    return this.b.arg('scalar', name, F32_SCALAR, { name: 'constant', args: { value: v } });
  }

  flag(option: string): boolean {
    return this.options[option] === true;
  }

  has(option: string): boolean {
    return option in this.options;
  }

  /** A slot of a param (`fc1.W.momentum`), shaped like the param unless `type` says otherwise. */
  slot(param: ParamGrad | null, name: string, init: Initializer = ZEROS, type: TensorType = param?.value.type ?? F32_SCALAR): Value {
    const full = param ? `${param.name}.${name}` : name;
    const existing = this.b.findArg(full);
    if (existing) return existing.value;
    this.slots.push({ name: full, kind: 'slot', type, init, span: this.b.currentSpan });
    return this.b.arg('slot', full, type, init);
  }

  /** Records the new value of a persistent tensor; `finish` emits the assigns. */
  write(name: string, value: Value): void {
    if (this.writes.has(name)) throw new Error(`the optimizer writes '${name}' twice`);
    this.writes.set(name, value);
  }

  finish(): void {
    for (const [target, value] of this.writes) this.b.emit('assign', [value], { target });
  }

  // Small arithmetic helpers so update rules read like their formulas.
  add = (x: Value, y: Value): Value => this.b.op('add', [x, y]);
  sub = (x: Value, y: Value): Value => this.b.op('sub', [x, y]);
  mul = (x: Value, y: Value): Value => this.b.op('mul', [x, y]);
  div = (x: Value, y: Value): Value => this.b.op('div', [x, y]);
  sqrt = (x: Value): Value => this.b.op('sqrt', [x]);
  square = (x: Value): Value => this.b.op('mul', [x, x]);
  const = (v: number): Value => this.b.constant(v, F32_SCALAR);
  /** a·x + (1 - a)·y */
  lerp = (a: Value, x: Value, y: Value): Value => this.add(this.mul(a, x), this.mul(this.sub(this.const(1), a), y));
  sumAll = (x: Value): Value =>
    x.type.shape.length ? this.b.op('sum', [x], { axes: x.type.shape.map((_, i) => i), keepdims: false }) : x;
}

/** One update rule (sgd, adam...): its options with defaults, and the new param value. */
export interface UpdateRule {
  readonly name: string;
  readonly defaults: Readonly<Record<string, OptionValue>>;
  /** Given the processed gradient `g`, writes the slots it uses and returns the new param. */
  update(ctx: OptimizerContext, p: ParamGrad, g: Value): Value;
}
