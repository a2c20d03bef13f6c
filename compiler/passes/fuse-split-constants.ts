// Before fusion: a one-element constant read by several elementwise nodes is given
// to each of them as its own copy, so every fused group can take it in as a literal
// instead of binding (and first filling) a shared buffer. Common-subexpression
// elimination merged them; for a constant that is free, the merge only costs.
//   1. Find constant nodes (no inputs, one element) read by two or more nodes.
//   2. Before each elementwise reader, insert a copy with fresh ids and point the
//      reader at it; keep the original only for readers that are not elementwise
//      (or when it is a scope result).
//   3. Loop bodies are rewritten the same way.
import type { Graph, Node, Value } from '../ir/types';
import { numel } from '../ir/types';
import { getOp } from '../ops/registry';
import type { PassContext } from './context';
import { consumers, copyNode, IdSource, inLoopBodies, isResult } from './fuse-group';

type MutableNode = { -readonly [K in keyof Node]: Node[K] };

function isScalarConstant(n: Node): boolean {
  return n.op === 'constant' && n.inputs.length === 0 && numel(n.outputs[0].type.shape) === 1;
}

function takesLiteral(n: Node): boolean {
  const def = getOp(n.op);
  return def.kind === 'elementwise' && def.wgsl !== undefined && !n.regions;
}

export function splitConstantsPass(graph: Graph, _ctx: PassContext): Graph {
  return splitScope(graph, new IdSource(graph));
}

function splitScope(graph: Graph, ids: IdSource): Graph {
  const users = consumers(graph);
  const shared = new Set<Value>();
  for (const n of graph.nodes) {
    if (isScalarConstant(n) && (users.get(n.outputs[0]) ?? []).filter(takesLiteral).length >= 2)
      shared.add(n.outputs[0]);
  }
  if (shared.size === 0) return inLoopBodies(graph, (body) => splitScope(body, ids));
  const subst = new Map<Value, Value>();
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    if (shared.has(n.outputs[0])) {
      const v = n.outputs[0];
      const kept = isResult(graph, v) || (users.get(v) ?? []).some((u) => !takesLiteral(u));
      if (kept) nodes.push(n);
      continue;
    }
    const copies = new Map<Value, Value>();
    if (takesLiteral(n)) {
      for (const v of n.inputs) {
        if (!shared.has(v) || copies.has(v)) continue;
        const copy: MutableNode = { id: ids.fresh(), op: 'constant', inputs: [], outputs: [], attrs: v.def!.attrs };
        if (v.def!.span) copy.span = v.def!.span;
        copy.outputs = [{ id: ids.fresh(), type: v.type, def: copy }];
        nodes.push(copy);
        copies.set(v, copy.outputs[0]);
      }
    }
    const inputs = n.inputs.map((v) => copies.get(v) ?? subst.get(v) ?? v);
    if (inputs.every((v, i) => v === n.inputs[i])) {
      nodes.push(n);
      continue;
    }
    nodes.push(copyNode(n, { inputs }, subst));
  }
  const out: Graph = {
    name: graph.name,
    args: graph.args,
    nodes,
    results: graph.results.map((r) => ({ name: r.name, value: subst.get(r.value) ?? r.value })),
  };
  return inLoopBodies(out, (body) => splitScope(body, ids));
}
