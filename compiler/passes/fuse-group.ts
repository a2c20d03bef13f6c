// What every fusion pass shares: turning chosen groups of a scope's nodes into
// `fused` region nodes (compiler/ops/fused.ts).
//   1. A group's inputs are the values its nodes read that no member defines, in
//      order of first use; each becomes a body arg with a fresh id.
//   2. Its outputs are the members' values read outside the group (by another node
//      or as a scope result), in member order (passes list members in scope order).
//   3. The body holds the members, their inputs remapped to the args; the outer
//      `fused` node keeps the ids of the values it stands for, so the rest of the
//      printed graph reads as before.
//   4. The fused node takes the place of the group's first member (callers make
//      sure every outside input is defined before it) or, with place 'last', of its
//      last member (callers make sure only the last member's value is read outside),
//      so the scope stays in order.
import type { Attrs, Graph, Node, Value } from '../ir/types';
import { mapRegions } from './rewrite';

type MutableNode = { -readonly [K in keyof Node]: Node[K] };

/**
 * A copy of `n` with new inputs (and bodies, where given) whose outputs are new
 * Values with the same ids, types and names, defined by the copy; `subst` maps
 * each output of `n` to its counterpart.
 */
export function copyNode(
  n: Node,
  change: { readonly inputs: readonly Value[]; readonly regions?: readonly Graph[] },
  subst: Map<Value, Value>,
): Node {
  const node: MutableNode = { ...n, ...change, outputs: [] };
  node.outputs = n.outputs.map((o) => {
    const v: Value = { ...o, def: node };
    subst.set(o, v);
    return v;
  });
  return node;
}

/** A group to fuse: members in scope order, the fused node's name and pattern. */
export interface FusionGroup {
  readonly members: readonly Node[];
  readonly name: string;
  readonly pattern: 'elementwise' | 'conv' | 'matmul' | 'pool_grad' | 'update';
  /** Why the group stopped growing, where a device limit stopped it. */
  readonly split?: string;
  /**
   * Where the fused node stands: at the first member (the default; every outside
   * input must be defined before it) or at the last member (every member's value
   * but the last is read only inside the group, so nothing outside reads the group
   * before its last member).
   */
  readonly place?: 'first' | 'last';
}

/** Hands out ids above every value and node id in a graph (its bodies included). */
export class IdSource {
  private next: number;

  constructor(graph: Graph) {
    this.next = maxId(graph) + 1;
  }

  fresh(): number {
    return this.next++;
  }
}

function maxId(graph: Graph): number {
  let m = -1;
  for (const a of graph.args) m = Math.max(m, a.value.id);
  for (const n of graph.nodes) {
    m = Math.max(m, n.id);
    for (const o of n.outputs) m = Math.max(m, o.id);
    for (const r of n.regions ?? []) m = Math.max(m, maxId(r));
  }
  return m;
}

/** The values of `members` (in their order) read outside them: by other nodes of `graph` or as its results. */
export function groupOutputs(graph: Graph, members: readonly Node[], users: Map<Value, Node[]>): Value[] {
  const inside = new Set(members);
  return members
    .flatMap((n) => n.outputs)
    .filter((o) => isResult(graph, o) || (users.get(o) ?? []).some((u) => !inside.has(u)));
}

/** The values `members` read that none of them defines, in order of first use. */
export function groupInputs(members: readonly Node[]): Value[] {
  const defined = new Set<Value>(members.flatMap((n) => n.outputs));
  const seen = new Set<Value>();
  const out: Value[] = [];
  for (const n of members) {
    for (const v of n.inputs) {
      if (defined.has(v) || seen.has(v)) continue;
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** Rebuilds `graph` with each group replaced by one `fused` node; `graph` itself when there are no groups. */
export function applyGroups(graph: Graph, groups: readonly FusionGroup[], ids: IdSource): Graph {
  if (groups.length === 0) return graph;
  const groupOf = new Map<Node, FusionGroup>();
  for (const g of groups) for (const n of g.members) groupOf.set(n, g);
  const subst = new Map<Value, Value>();
  const get = (v: Value): Value => subst.get(v) ?? v;
  const nodes: Node[] = [];
  const emitted = new Set<FusionGroup>();

  // 'first' means the first member that reads something: a constant member has no
  // inputs, constrains nothing and may stand anywhere before its reader.
  const at = positions(graph);
  const users = consumers(graph);
  const firstReading = (g: FusionGroup): Node => {
    const reading = g.members.filter((n) => n.inputs.length > 0);
    return reading.length === 0 ? g.members[0] : reading.reduce((a, b) => (at.get(b)! < at.get(a)! ? b : a));
  };
  const anchor = new Map<FusionGroup, Node>(
    groups.map((g) => [g, g.place === 'last' ? g.members[g.members.length - 1] : firstReading(g)]),
  );
  for (const n of graph.nodes) {
    const g = groupOf.get(n);
    if (g) {
      if (emitted.has(g) || anchor.get(g) !== n) continue;
      emitted.add(g);
      nodes.push(fusedNode(graph, g, users, get, subst, ids));
      continue;
    }
    const inputs = n.inputs.map(get);
    if (inputs.every((v, i) => v === n.inputs[i])) {
      nodes.push(n);
      continue;
    }
    nodes.push(copyNode(n, { inputs }, subst));
  }
  return {
    name: graph.name,
    args: graph.args,
    nodes,
    results: graph.results.map((r) => ({ name: r.name, value: get(r.value) })),
  };
}

function fusedNode(
  graph: Graph,
  g: FusionGroup,
  users: Map<Value, Node[]>,
  get: (v: Value) => Value,
  subst: Map<Value, Value>,
  ids: IdSource,
): Node {
  const inputs = groupInputs(g.members);
  const outputs = groupOutputs(graph, g.members, users);
  // The body: args for the inputs, members with inputs remapped, the outputs as results.
  const inner = new Map<Value, Value>();
  const args = inputs.map((v, k) => {
    const value: Value = { id: ids.fresh(), type: v.type, def: null };
    inner.set(v, value);
    return { kind: 'region' as const, name: `in${k}`, value };
  });
  const bodyNodes = g.members.map((n) => copyNode(n, { inputs: n.inputs.map((v) => inner.get(v) ?? v) }, inner));
  const body: Graph = {
    name: g.name,
    args,
    nodes: bodyNodes,
    results: outputs.map((o, k) => ({ name: `out${k}`, value: inner.get(o)! })),
  };
  const attrs: Attrs = { name: g.name, pattern: g.pattern, ...(g.split ? { split: g.split } : {}) };
  const span = g.members.find((n) => n.span)?.span;
  const node: MutableNode = {
    id: ids.fresh(),
    op: 'fused',
    inputs: inputs.map(get),
    outputs: [],
    attrs,
    regions: [body],
  };
  if (span) node.span = span;
  node.outputs = outputs.map((o) => {
    const v: Value = { ...o, def: node };
    subst.set(o, v);
    return v;
  });
  return node;
}

/** Each node's position in the scope (inputs of a node always sit at lower positions). */
export function positions(graph: Graph): Map<Node, number> {
  return new Map(graph.nodes.map((n, i) => [n, i]));
}

/** Every node reading each value of the scope. */
export function consumers(graph: Graph): Map<Value, Node[]> {
  const out = new Map<Value, Node[]>();
  for (const n of graph.nodes) {
    for (const v of n.inputs) {
      const list = out.get(v);
      if (list) list.push(n);
      else out.set(v, [n]);
    }
  }
  return out;
}

const resultSets = new WeakMap<Graph, Set<Value>>();

/** Whether a scope result reads `v` (the result set is built once per graph). */
export function isResult(graph: Graph, v: Value): boolean {
  let set = resultSets.get(graph);
  if (!set) {
    set = new Set(graph.results.map((r) => r.value));
    resultSets.set(graph, set);
  }
  return set.has(v);
}

/** `graph` with `fuse` run on the bodies of its loops (not of fused nodes); `graph` itself when no body changed. */
export function inLoopBodies(graph: Graph, fuse: (body: Graph) => Graph): Graph {
  const subst = new Map<Value, Value>();
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    const regions = n.op === 'fused' ? n.regions : mapRegions(n, fuse);
    const inputs = n.inputs.map((v) => subst.get(v) ?? v);
    if (regions === n.regions && inputs.every((v, k) => v === n.inputs[k])) return n;
    changed = true;
    return copyNode(n, regions ? { inputs, regions } : { inputs }, subst);
  });
  if (!changed) return graph;
  return {
    name: graph.name,
    args: graph.args,
    nodes,
    results: graph.results.map((r) => ({ name: r.name, value: subst.get(r.value) ?? r.value })),
  };
}
