// Inlining a graph into a builder: re-emits its nodes (through the registry, so
// types are re-inferred) with its args replaced by given values. Used to copy a loop
// body into the body of its backward loop.
import type { GraphBuilder } from './builder';
import type { Graph, Node, Value } from './types';

export interface Inlined {
  /** The graph's results, as values of the builder. */
  readonly results: Value[];
  /** The nodes emitted, in order. */
  readonly nodes: Node[];
  /** Old value → new value, for every arg and node output of the graph. */
  readonly map: Map<Value, Value>;
}

export function inlineGraph(b: GraphBuilder, graph: Graph, args: readonly Value[]): Inlined {
  if (args.length !== graph.args.length) {
    throw new Error(`inlining '${graph.name}': ${graph.args.length} args expected, got ${args.length}`);
  }
  const map = new Map<Value, Value>();
  graph.args.forEach((a, i) => map.set(a.value, args[i]));
  const get = (v: Value): Value => {
    const m = map.get(v);
    if (!m) throw new Error(`inlining '${graph.name}': value %${v.id} used before its definition`);
    return m;
  };
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    const copy = b.emit(n.op, n.inputs.map(get), n.attrs, {
      regions: n.regions,
      span: n.span,
      names: n.outputs.map((o) => o.name),
    });
    n.outputs.forEach((o, i) => map.set(o, copy.outputs[i]));
    nodes.push(copy);
  }
  return { results: graph.results.map((r) => get(r.value)), nodes, map };
}
