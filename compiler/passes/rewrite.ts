// Rebuilding one graph scope without mutating it: passes walk a scope's nodes in
// order and, for each, keep it (its inputs remapped), replace it by another op with
// the same outputs, or drop it and redirect its outputs to existing values. A node
// whose inputs, op, attributes or bodies change becomes a new Node object with new
// output Values carrying the same ids, types and names, so printed numbering stays
// stable and every value still points back to the node that defines it.
import type { Attrs, Graph, Node, Value } from '../ir/types';

export interface NodeChange {
  readonly op?: string;
  readonly inputs?: readonly Value[];
  readonly attrs?: Attrs;
  readonly regions?: readonly Graph[];
}

type MutableNode = { -readonly [K in keyof Node]: Node[K] };

export class ScopeRewriter {
  private readonly subst = new Map<Value, Value>();
  private readonly nodes: Node[] = [];
  private changed = false;

  constructor(private readonly graph: Graph) {}

  /** The value that now stands for `v` (itself unless it was replaced or rebuilt). */
  get(v: Value): Value {
    return this.subst.get(v) ?? v;
  }

  /** Drops node `n`: its outputs are read from `to` (same length, same types) from now on. */
  dropFor(n: Node, to: readonly Value[]): void {
    n.outputs.forEach((o, i) => this.subst.set(o, this.get(to[i])));
    this.changed = true;
  }

  /** Drops a node nobody reads. */
  drop(_n: Node): void {
    this.changed = true;
  }

  /** Keeps node `n`, with its inputs remapped and the given parts changed; returns the node kept. */
  keep(n: Node, change: NodeChange = {}): Node {
    const inputs = change.inputs ?? n.inputs.map((v) => this.get(v));
    const op = change.op ?? n.op;
    const attrs = change.attrs ?? n.attrs;
    const regions = change.regions ?? n.regions;
    const same =
      op === n.op &&
      attrs === n.attrs &&
      regions === n.regions &&
      inputs.length === n.inputs.length &&
      inputs.every((v, i) => v === n.inputs[i]);
    if (same) {
      this.nodes.push(n);
      return n;
    }
    const node: MutableNode = { id: n.id, op, inputs: [...inputs], outputs: [], attrs };
    if (n.span) node.span = n.span;
    if (regions) node.regions = regions;
    node.outputs = n.outputs.map((o) => {
      const v: Value =
        o.name === undefined
          ? { id: o.id, type: o.type, def: node }
          : { id: o.id, type: o.type, def: node, name: o.name };
      this.subst.set(o, v);
      return v;
    });
    this.nodes.push(node);
    this.changed = true;
    return node;
  }

  /** The rewritten scope; the original graph object when nothing changed. */
  finish(): Graph {
    if (!this.changed) return this.graph;
    return {
      name: this.graph.name,
      args: this.graph.args,
      nodes: this.nodes,
      results: this.graph.results.map((r) => ({ name: r.name, value: this.get(r.value) })),
    };
  }
}

/** A node's bodies rewritten by `pass`; the same array when no body changed (or the node has none). */
export function mapRegions(n: Node, pass: (body: Graph) => Graph): readonly Graph[] | undefined {
  if (!n.regions) return undefined;
  const bodies = n.regions.map(pass);
  return bodies.every((b, i) => b === n.regions![i]) ? n.regions : bodies;
}
