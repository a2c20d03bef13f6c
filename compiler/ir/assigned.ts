// Which persistent tensors a graph writes: the targets of its `assign` nodes, loop
// bodies included. The fused optimizer update lays out in one view only tensors that
// no other entry writes (compiler/codegen/update-arena.ts, compiler/passes/fuse-updates.ts).
import type { Program } from './program';
import type { Graph } from './types';

/** Names of the persistent tensors `graph` assigns. */
export function assignedNames(graph: Graph, out = new Set<string>()): Set<string> {
  for (const n of graph.nodes) {
    if (n.op === 'assign') out.add(String(n.attrs.target));
    for (const r of n.regions ?? []) assignedNames(r, out);
  }
  return out;
}

/** Names of the persistent tensors that entries of `program` other than `entry` assign. */
export function assignedElsewhere(program: Program, entry: string): Set<string> {
  const out = new Set<string>();
  for (const e of program.entries) if (e.name !== entry) assignedNames(e.graph, out);
  return out;
}
