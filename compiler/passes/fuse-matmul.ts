// Matmul epilogue fusion: matmul → bias add → activation as one
// `fused [pattern="matmul"]` node, emitted as one matmul kernel whose epilogue
// hook adds the bias and applies the activation before the store
// (compiler/codegen/fused-matmul-node.ts).
//   1. From each plain 2-D matmul (no batch dims), follow its value while it has
//      exactly one reader and is no result: an `add` of a per-column bias ([N] or
//      [1,N]) defined before the matmul, then a one-operand f32 activation.
//   2. The last value may have any readers (it is the kernel's one output).
//   3. A chain of at least two nodes becomes a group (`fused_matmul_add_relu`);
//      loop bodies are fused the same way.
import type { Graph, Node, Value } from '../ir/types';
import { isActivation } from '../codegen/fused-conv-node';
import { isColumnBias } from '../codegen/fused-matmul-node';
import type { PassContext } from './context';
import type { FusionGroup } from './fuse-group';
import { applyGroups, consumers, IdSource, inLoopBodies, isResult, positions } from './fuse-group';

export function fuseMatmulPass(graph: Graph, _ctx: PassContext): Graph {
  return fuseScope(graph, new IdSource(graph));
}

function fuseScope(graph: Graph, ids: IdSource): Graph {
  const pos = positions(graph);
  const users = consumers(graph);
  const groups: FusionGroup[] = [];
  for (const n of graph.nodes) {
    if (n.op !== 'matmul' || n.inputs.some((v) => v.type.shape.length !== 2 || v.type.dtype !== 'f32')) continue;
    const members = matmulChain(graph, n, pos, users);
    if (members.length < 2) continue;
    groups.push({ members, name: `fused_${members.map((m) => m.op).join('_')}`, pattern: 'matmul' });
  }
  return inLoopBodies(applyGroups(graph, groups, ids), (body) => fuseScope(body, ids));
}

function soleReader(graph: Graph, v: Value, users: Map<Value, Node[]>): Node | undefined {
  const readers = users.get(v) ?? [];
  return readers.length === 1 && !isResult(graph, v) ? readers[0] : undefined;
}

function matmulChain(graph: Graph, matmul: Node, pos: Map<Node, number>, users: Map<Value, Node[]>): Node[] {
  const at = pos.get(matmul)!;
  const members: Node[] = [matmul];
  let v = matmul.outputs[0];
  let next = soleReader(graph, v, users);
  if (next && next.op === 'add' && next.inputs.length === 2 && next.inputs[0] !== next.inputs[1]) {
    const bias = next.inputs[0] === v ? next.inputs[1] : next.inputs[0];
    const before = bias.def === null || (pos.has(bias.def) && pos.get(bias.def)! < at);
    if (before && isColumnBias(bias, v)) {
      members.push(next);
      v = next.outputs[0];
      next = soleReader(graph, v, users);
    }
  }
  if (next && isActivation(next) && next.inputs[0] === v) members.push(next);
  return members;
}
