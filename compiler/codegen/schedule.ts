// The order kernels run in: a topological order of a graph's nodes that keeps the
// graph's own order where it is already valid, with effect nodes (`assign`) last so
// that every read of a persistent tensor sees its value from before the pass.
import type { Graph, Node } from '../ir/types';
import { getOp } from '../ops/registry';

export interface Schedule {
  readonly compute: readonly Node[];
  readonly assigns: readonly Node[];
}

export function scheduleNodes(graph: Graph): Schedule {
  const inGraph = new Set(graph.nodes);
  const done = new Set<Node>();
  const compute: Node[] = [];
  const assigns: Node[] = [];
  // Iterative depth-first walk over producers (graphs can be deep; no recursion).
  const onStack = new Set<Node>();
  for (const root of graph.nodes) {
    if (done.has(root)) continue;
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    onStack.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const producer = top.node.inputs[top.next++].def;
        if (producer && inGraph.has(producer) && !done.has(producer)) {
          if (onStack.has(producer)) throw new Error(`graph '${graph.name}' has a cycle through %${producer.id}`);
          stack.push({ node: producer, next: 0 });
          onStack.add(producer);
        }
        continue;
      }
      stack.pop();
      onStack.delete(top.node);
      done.add(top.node);
      (getOp(top.node.op).kind === 'effect' ? assigns : compute).push(top.node);
    }
  }
  return { compute, assigns };
}
