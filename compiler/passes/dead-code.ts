// Dead-code elimination.
//   1. Walk the scope's nodes backwards with the set of live values, seeded with
//      the scope's results.
//   2. A node is live when it is an effect (`assign`) or one of its outputs is live;
//      a live node makes its inputs live. Random ops draw from a counter-based
//      generator keyed by their own attributes, so dropping one changes no other draw.
//   3. Drop the nodes that are not live; run the pass on the bodies of the live
//      region ops (a body's results are its roots).
//   4. Return the graph unchanged when nothing was dropped anywhere.
import type { Graph, Node, Value } from '../ir/types';
import { getOp } from '../ops/registry';
import type { PassContext } from './context';
import { mapRegions, ScopeRewriter } from './rewrite';

export function deadCodeEliminationPass(graph: Graph, ctx: PassContext): Graph {
  const live = new Set<Value>(graph.results.map((r) => r.value));
  const keep = new Set<Node>();
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (getOp(n.op).kind !== 'effect' && !n.outputs.some((o) => live.has(o))) continue;
    keep.add(n);
    for (const v of n.inputs) live.add(v);
  }
  const bodies = new Map<Node, readonly Graph[] | undefined>();
  let changed = keep.size !== graph.nodes.length;
  for (const n of graph.nodes) {
    if (!n.regions || !keep.has(n)) continue;
    const cleaned = mapRegions(n, (body) => deadCodeEliminationPass(body, ctx));
    bodies.set(n, cleaned);
    changed ||= cleaned !== n.regions;
  }
  if (!changed) return graph;

  const rw = new ScopeRewriter(graph);
  for (const n of graph.nodes) {
    if (!keep.has(n)) rw.drop(n);
    else rw.keep(n, { regions: bodies.get(n) });
  }
  return rw.finish();
}
