// GraphBuilder: the one way IR gets made. It creates graph arguments, emits nodes
// through the op registry (checking arity and attributes and running the op's
// shape rule, so every value it hands out is typed), attaches the current source
// span to each node, builds region bodies with child builders, and numbers values
// and nodes in creation order so that printed IR is stable.
import { DlcError, formatSpan } from '../../runtime/errors';
import type { GradBuilder } from '../ops/registry';
import { getOp, hasOp, ShapeError } from '../ops/registry';
import { normalizeAttrs } from './attrs';
import { constantOp, reshapeOp, sumOp } from './prims';
import { getRegionRule } from './regions';
import type { Arg, ArgKind, Attrs, Graph, Initializer, Node, Result, Span, TensorType, Value } from './types';
import { sameType, typeToString } from './types';

/** Shared by a builder and its region children so ids are unique in the whole tree. */
export interface IdCounter {
  value: number;
  node: number;
}

export interface EmitOptions {
  readonly regions?: readonly Graph[];
  /** Overrides the builder's current span for this node. */
  readonly span?: Span;
  /** User-facing names for the outputs, in order. */
  readonly names?: readonly (string | undefined)[];
}

// Values and nodes are readonly to everyone else; the builder fills them in.
type MutableNode = { -readonly [K in keyof Node]: Node[K] };

export class GraphBuilder implements GradBuilder {
  private readonly args: Arg[] = [];
  private readonly nodes: Node[] = [];
  private span: Span | undefined;

  constructor(
    readonly name: string,
    private readonly ids: IdCounter = { value: 0, node: 0 },
  ) {}

  /**
   * A builder that continues `graph`: same args and nodes, new ids above all ids
   * used anywhere in it (regions included), results dropped (give them to finish).
   */
  static extend(graph: Graph): GraphBuilder {
    const ids = { value: 0, node: 0 };
    const visit = (g: Graph): void => {
      for (const a of g.args) ids.value = Math.max(ids.value, a.value.id + 1);
      for (const n of g.nodes) {
        ids.node = Math.max(ids.node, n.id + 1);
        for (const v of n.outputs) ids.value = Math.max(ids.value, v.id + 1);
        for (const r of n.regions ?? []) visit(r);
      }
    };
    visit(graph);
    const b = new GraphBuilder(graph.name, ids);
    b.args.push(...graph.args);
    b.nodes.push(...graph.nodes);
    return b;
  }

  /** A builder for a region body (loop body); it shares this builder's numbering and span. */
  region(name: string): GraphBuilder {
    const child = new GraphBuilder(name, this.ids);
    child.span = this.span;
    return child;
  }

  get currentSpan(): Span | undefined {
    return this.span;
  }

  /** Runs `fn` with `span` attached to every node it emits. */
  withSpan<T>(span: Span | undefined, fn: () => T): T {
    const saved = this.span;
    this.span = span ?? saved;
    try {
      return fn();
    } finally {
      this.span = saved;
    }
  }

  /** Adds a graph argument. Names must be unique among a graph's args. */
  arg(kind: ArgKind, name: string, type: TensorType, init?: Initializer): Value {
    if (this.args.some((a) => a.name === name)) {
      throw new Error(`graph '${this.name}' already has an argument named '${name}'`);
    }
    checkType(type);
    const value: Value = { id: this.ids.value++, type, def: null, name };
    this.args.push(init ? { kind, name, value, init } : { kind, name, value });
    return value;
  }

  /** The nodes emitted so far, in order. */
  get nodeList(): readonly Node[] {
    return this.nodes;
  }

  findArg(name: string): Arg | undefined {
    return this.args.find((a) => a.name === name);
  }

  /**
   * Emits one node: checks the op exists, its arity and attributes (filling in
   * defaults), runs its shape rule and returns the node with typed outputs.
   */
  emit(op: string, inputs: readonly Value[], attrs: Attrs = {}, opts: EmitOptions = {}): Node {
    const span = opts.span ?? this.span;
    if (!hasOp(op)) throw new Error(`unknown op '${op}'${where(span)}`);
    const def = getOp(op);
    const [min, max] = typeof def.arity === 'number' ? [def.arity, def.arity] : def.arity;
    if (inputs.length < min || inputs.length > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new Error(`${op} takes ${want} inputs, got ${inputs.length}${where(span)}`);
    }
    const full = normalizeAttrs(def, attrs);
    let types: TensorType[];
    try {
      const inTypes = inputs.map((v) => v.type);
      types = opts.regions ? getRegionRule(op).infer(inTypes, full, opts.regions) : def.infer(inTypes, full);
    } catch (e) {
      if (e instanceof ShapeError) {
        throw new DlcError(span ? `${formatSpan(span)}: ${e.message}` : e.message, 1, span);
      }
      throw e;
    }
    const node: MutableNode = { id: this.ids.node++, op, inputs: [...inputs], outputs: [], attrs: full };
    if (span) node.span = span;
    if (opts.regions) node.regions = opts.regions;
    node.outputs = types.map((type, i) => {
      checkType(type);
      const name = opts.names?.[i];
      const v: Value =
        name === undefined
          ? { id: this.ids.value++, type, def: node }
          : { id: this.ids.value++, type, def: node, name };
      return v;
    });
    this.nodes.push(node);
    return node;
  }

  /**
   * Replaces an emitted node by a node of op `op` with the same inputs that keeps
   * the old node's outputs (same values, so their uses stay valid) and adds more:
   * how autodiff makes a forward loop also emit what its backward loop needs.
   */
  replaceWithMoreOutputs(old: Node, op: string, attrs: Attrs, regions: readonly Graph[]): Node {
    const at = this.nodes.indexOf(old);
    if (at < 0) throw new Error(`node ${old.id} (${old.op}) is not in graph '${this.name}'`);
    const full = normalizeAttrs(getOp(op), attrs);
    const types = getRegionRule(op).infer(
      old.inputs.map((v) => v.type),
      full,
      regions,
    );
    if (types.length < old.outputs.length || old.outputs.some((o, i) => !sameType(o.type, types[i]))) {
      throw new Error(`replacing node ${old.id} (${old.op}) by ${op} would change its outputs`);
    }
    const node: MutableNode = { id: old.id, op, inputs: old.inputs, outputs: [], attrs: full, regions };
    if (old.span) node.span = old.span;
    const kept = old.outputs.map((o) => {
      (o as { def: Node | null }).def = node;
      return o;
    });
    node.outputs = [
      ...kept,
      ...types.slice(kept.length).map((type): Value => ({ id: this.ids.value++, type, def: node })),
    ];
    this.nodes[at] = node;
    return node;
  }

  op(name: string, inputs: readonly Value[], attrs?: Attrs): Value {
    const node = this.emit(name, inputs, attrs);
    if (node.outputs.length !== 1) throw new Error(`${name} has ${node.outputs.length} outputs; use opN`);
    return node.outputs[0];
  }

  opN(name: string, inputs: readonly Value[], attrs?: Attrs): Value[] {
    return [...this.emit(name, inputs, attrs).outputs];
  }

  constant(value: number, type: TensorType): Value {
    return this.op(constantOp, [], { value, dtype: type.dtype, shape: type.shape });
  }

  /**
   * Sums `grad` over the axes broadcasting added (leading) or stretched (size 1 in
   * `to`), then reshapes to `to`: the adjoint of broadcasting `to` up to grad's shape.
   */
  unbroadcast(grad: Value, to: TensorType): Value {
    if (sameType(grad.type, to)) return grad;
    const g = grad.type.shape;
    const lead = g.length - to.shape.length;
    if (lead < 0) throw new Error(`unbroadcast: ${typeToString(grad.type)} has lower rank than ${typeToString(to)}`);
    const axes: number[] = [];
    for (let i = 0; i < g.length; i++) {
      if (i < lead || (to.shape[i - lead] === 1 && g[i] !== 1)) axes.push(i);
    }
    const summed = axes.length > 0 ? this.op(sumOp, [grad], { axes, keepdims: false }) : grad;
    return sameType(summed.type, to) ? summed : this.op(reshapeOp, [summed], { shape: to.shape });
  }

  /** Closes the graph. Results are named outputs (entry points) or ordered (regions). */
  finish(results: readonly Result[] | Readonly<Record<string, Value>>): Graph {
    const list: Result[] = Array.isArray(results)
      ? [...(results as readonly Result[])]
      : Object.entries(results as Record<string, Value>).map(([name, value]) => ({ name, value }));
    return { name: this.name, args: [...this.args], nodes: [...this.nodes], results: list };
  }
}

function where(span: Span | undefined): string {
  return span ? ` at ${formatSpan(span)}` : '';
}

function checkType(t: TensorType): void {
  if (!t.shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`invalid shape ${typeToString(t)}: every dimension must be a positive integer`);
  }
}
