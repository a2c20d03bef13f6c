// What an optimizer's update rule builds with: the graph builder, its runtime
// scalars (one `scalar` arg per numeric option, defaulting to the value given in
// the program or the rule's default), its slots (per-param optimizer state, `slot`
// args initialised to zeros or a constant) and the assigns that write them back.
// One context serves one param group of one entry. Names carry their owner, so
// nothing leaks between entries or groups:
//   slots of a param      ENTRY.PARAM.NAME        step.fc1.W.momentum
//   slots of the group    ENTRY[.groupK].NAME     step.adam.step, step.group1.adam.step
//   scalars               ENTRY.OPTION            step.lr (options the group inherits)
//                         ENTRY.groupK.OPTION     step.group1.lr (options the group sets)
// Rules name slots by their short name (`fc1.W.momentum`); `write` maps it to the full one.
import type { GraphBuilder } from '../ir/builder';
import type { PersistentTensor, RuntimeScalar } from '../ir/program';
import type { Initializer, TensorType, Value } from '../ir/types';

export interface ParamGrad {
  /** The param's persistent name (`fc1.W`). */
  readonly name: string;
  readonly value: Value;
  readonly grad: Value;
  /** Its param group (1-based index into OptimizerSpec.groups); absent: the main options. */
  readonly group?: number;
  /**
   * A param read only through `gather` (compiler/optim/sparse-rows.ts): the gathered
   * row ids, i32[N], with `grad` their summed row gradients [N, …] (zeros at all but
   * the last of a repeated id) instead of a whole-table gradient.
   */
  readonly rows?: Value;
  /**
   * Set in the row view an update rule sees (OptimizerContext.rowView): the whole
   * param, of which `value` holds the rows `rows` names. Its slots are then whole
   * tensors too, read and written at those rows.
   */
  readonly table?: Value;
}

export type OptionValue = number | boolean;

const F32_SCALAR: TensorType = { dtype: 'f32', shape: [] };
export const ZEROS: Initializer = { name: 'zeros', args: {} };

/** Where a context's names go (see the header). */
export interface ContextNames {
  /** The entry's prefix (`step.`): its scalars and every param's slots. */
  readonly entry: string;
  /** The group's own prefix (`step.group1.`; the entry's for the main group). */
  readonly group: string;
  /** Options the group sets itself: their scalars take the group's prefix. */
  readonly own: ReadonlySet<string>;
}

export class OptimizerContext {
  readonly slots: PersistentTensor[] = [];
  readonly scalars: RuntimeScalar[] = [];
  private readonly writes = new Map<string, Value>();
  /** Short slot name (`fc1.W.momentum`) → full name (`step.fc1.W.momentum`). */
  private readonly slotNames = new Map<string, string>();
  /** Persistent tensors updated at some rows only: full name → the whole tensor and the row ids. */
  private readonly rowTargets = new Map<string, { readonly table: Value; readonly ids: Value }>();

  constructor(
    readonly b: GraphBuilder,
    /** Options as given, with every known option's default filled in. */
    readonly options: Readonly<Record<string, OptionValue>>,
    readonly names: ContextNames = { entry: '', group: '', own: new Set() },
  ) {}

  /** The runtime scalar for a numeric option: an f32[] arg named after it. */
  scalar(option: string): Value {
    const v = this.options[option];
    if (typeof v !== 'number') throw new Error(`optimizer option '${option}' is not a number`);
    const name = (this.names.own.has(option) ? this.names.group : this.names.entry) + option;
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

  /** A slot of a param (`fc1.W.momentum`) or of the group, shaped like the param unless `type` says otherwise. */
  slot(
    param: ParamGrad | null,
    name: string,
    init: Initializer = ZEROS,
    type: TensorType = param?.value.type ?? F32_SCALAR,
  ): Value {
    const short = param ? `${param.name}.${name}` : name;
    const full = (param ? this.names.entry : this.names.group) + short;
    this.slotNames.set(short, full);
    const whole = param?.table && param.rows ? param.table.type : type;
    let slot = this.b.findArg(full)?.value;
    if (!slot) {
      this.slots.push({ name: full, kind: 'slot', type: whole, init, span: this.b.currentSpan });
      slot = this.b.arg('slot', full, whole, init);
    }
    if (!param?.table || !param.rows) return slot;
    // A sparse param's slot: the rule reads and writes the rows its param's view holds.
    this.rowTargets.set(full, { table: slot, ids: param.rows });
    return this.b.op('gather', [slot, param.rows], { axis: 0 });
  }

  /**
   * What an update rule sees of a sparse param (`rows` set): its gathered rows as
   * the param and its summed row gradients `g` as the gradient. The rule's new param
   * and slots are then rows too, which `finish` scatters into the whole tensors.
   */
  rowView(p: ParamGrad, g: Value): ParamGrad {
    if (!p.rows) throw new Error(`'${p.name}' has no sparse rows`);
    this.rowTargets.set(p.name, { table: p.value, ids: p.rows });
    const value = this.b.op('gather', [p.value, p.rows], { axis: 0 });
    return { ...p, value, grad: g, table: p.value };
  }

  /** Records the new value of a persistent tensor; `finish` emits the assigns. */
  write(name: string, value: Value): void {
    const target = this.slotNames.get(name) ?? name;
    if (this.writes.has(target)) throw new Error(`the optimizer writes '${target}' twice`);
    this.writes.set(target, value);
  }

  /**
   * Emits the assigns. A tensor updated at some rows gets `scatter(whole, ids, rows)`:
   * the last of a repeated id wins, the row its summed gradient is at (sum_duplicate_rows),
   * and the code generator writes the rows in place (OpDef.kernelInPlace).
   */
  finish(): void {
    for (const [target, value] of this.writes) {
      const rows = this.rowTargets.get(target);
      const whole = rows ? this.b.op('scatter', [rows.table, rows.ids, value], { axis: 0 }) : value;
      this.b.emit('assign', [whole], { target });
    }
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

/** One update rule (sgd, adam...); its options and their defaults are in dsl/optimizers.ts. */
export interface UpdateRule {
  readonly name: string;
  /** Given the processed gradient `g`, writes the slots it uses and returns the new param. */
  update(ctx: OptimizerContext, p: ParamGrad, g: Value): Value;
}
