// Common-subexpression elimination.
//   1. Walk the scope's nodes in order, keying each by its op, its attributes and
//      its (already rewritten) inputs.
//   2. A node whose key was seen before is dropped and its outputs are read from the
//      earlier node's: same op, same attributes and same inputs compute the same
//      values. Random ops are included on purpose: a draw is a function of its
//      attributes, `stream` among them, so two draws merge only when they share a
//      stream (dropout's mask recomputed by its gradient).
//   3. Effects (`assign`) are never merged; region ops (loops) are not keyed (their
//      bodies would have to be compared), but the pass runs inside their bodies, each
//      body a scope of its own (bodies are closed).
//   4. Return the graph unchanged when nothing was merged anywhere.
import { printAttrValue } from '../ir/print';
import type { Graph, Node, Value } from '../ir/types';
import { getOp } from '../ops/registry';
import type { PassContext } from './context';
import { mapRegions, ScopeRewriter } from './rewrite';

function keyOf(n: Node, inputs: readonly Value[]): string {
  const attrs = Object.keys(n.attrs)
    .sort()
    .map((k) => `${k}=${printAttrValue(n.attrs[k])}`)
    .join(',');
  return `${n.op}(${inputs.map((v) => v.id).join(',')})[${attrs}]`;
}

function isMergeable(n: Node): boolean {
  return getOp(n.op).kind !== 'effect' && !n.regions && n.outputs.length > 0;
}

export function commonSubexpressionPass(graph: Graph, ctx: PassContext): Graph {
  const rw = new ScopeRewriter(graph);
  const seen = new Map<string, Node>();
  for (const n of graph.nodes) {
    if (!isMergeable(n)) {
      rw.keep(n, { regions: mapRegions(n, (body) => commonSubexpressionPass(body, ctx)) });
      continue;
    }
    const inputs = n.inputs.map((v) => rw.get(v));
    const key = keyOf(n, inputs);
    const earlier = seen.get(key);
    if (earlier) rw.dropFor(n, earlier.outputs);
    else seen.set(key, rw.keep(n, { inputs }));
  }
  return rw.finish();
}
