// Conv epilogue fusion: conv2d → bias add → activation → lrn or max_pool/avg_pool as one
// `fused [pattern="conv"]` node, emitted as one kernel of
// compiler/codegen/kernels/fused-conv.ts (compiler/codegen/fused-conv-node.ts).
//   1. From each conv2d, follow its value while it has exactly one reader (and is no
//      result): an `add` of a per-channel bias ([O,1,1] or [1,O,1,1]; the `reshape`
//      making it joins when it is made after the conv and read only by the add),
//      then a one-operand f32 activation.
//   2. Then an lrn of that value joins, and ends the chain, when one invocation can
//      hold all its channels (lrnFitsTile: one group, at most 64 channels); else a
//      max_pool or avg_pool of that value joins. Other readers of the value before
//      the lrn or pooling (their gradients, the activation's) are served by the
//      kernel's second output; for pooling that needs windows that cover the output.
//   3. Every outside input is the conv's own operands or a bias made before the
//      conv, so the fused node can stand where the conv stood.
//   4. A chain of at least two nodes becomes a group named after its ops
//      (`fused_conv2d_add_relu_max_pool`); loop bodies are fused the same way.
import type { Graph, Node, Value } from '../ir/types';
import { isActivation, isChannelBias, isPool, lrnFitsTile, poolCoversOutput, poolWindowOf } from '../ops/fusion-rules';
import type { PassContext } from './context';
import type { FusionGroup } from './fuse-group';
import { applyGroups, consumers, IdSource, inLoopBodies, isResult, positions } from './fuse-group';

export function fuseConvPass(graph: Graph, _ctx: PassContext): Graph {
  return fuseScope(graph, new IdSource(graph));
}

function fuseScope(graph: Graph, ids: IdSource): Graph {
  const pos = positions(graph);
  const users = consumers(graph);
  const taken = new Set<Node>();
  const groups: FusionGroup[] = [];
  for (const n of graph.nodes) {
    if (n.op !== 'conv2d' || taken.has(n) || n.outputs[0].type.dtype !== 'f32') continue;
    const members = convChain(graph, n, pos, users);
    if (members.length < 2) continue;
    members.forEach((m) => taken.add(m));
    const name = `fused_${members
      .filter((m) => m.op !== 'reshape')
      .map((m) => m.op)
      .join('_')}`;
    groups.push({ members: [...members].sort((a, b) => pos.get(a)! - pos.get(b)!), name, pattern: 'conv' });
  }
  return inLoopBodies(applyGroups(graph, groups, ids), (body) => fuseScope(body, ids));
}

/** The only reader of `v`, when it has exactly one and is no result. */
function soleReader(graph: Graph, v: Value, users: Map<Value, Node[]>): Node | undefined {
  const readers = users.get(v) ?? [];
  return readers.length === 1 && !isResult(graph, v) ? readers[0] : undefined;
}

const convGroups = (conv: Node): number => (typeof conv.attrs.groups === 'number' ? conv.attrs.groups : 1);

function convChain(graph: Graph, conv: Node, pos: Map<Node, number>, users: Map<Value, Node[]>): Node[] {
  const at = pos.get(conv)!;
  const members: Node[] = [conv];
  let v = conv.outputs[0];
  const definedBefore = (x: Value): boolean => x.def === null || (pos.has(x.def) && pos.get(x.def)! < at);

  let next = soleReader(graph, v, users);
  if (next && next.op === 'add' && next.inputs.length === 2 && next.inputs[0] !== next.inputs[1]) {
    const bias = next.inputs[0] === v ? next.inputs[1] : next.inputs[0];
    const reshape = bias.def;
    const ownReshape =
      reshape !== null &&
      reshape.op === 'reshape' &&
      pos.get(reshape)! > at &&
      soleReader(graph, bias, users) === next &&
      definedBefore(reshape.inputs[0]);
    if (isChannelBias(bias, v) && (ownReshape || definedBefore(bias))) {
      if (ownReshape) members.push(reshape!);
      members.push(next);
      v = next.outputs[0];
      next = soleReader(graph, v, users);
    }
  }
  if (next && isActivation(next) && next.inputs[0] === v) {
    members.push(next);
    v = next.outputs[0];
  }
  // An lrn ends the chain when the tile can hold its channels; the value before it
  // may have other readers (its gradient), which the kernel then also writes.
  const norms = (users.get(v) ?? []).filter((r) => r.op === 'lrn' && r.inputs[0] === v);
  if (norms.length === 1 && lrnFitsTile(v.type, convGroups(conv))) return [...members, norms[0]];
  // Pooling: the value may have other readers if the kernel can also write it whole.
  const readers = users.get(v) ?? [];
  const pools = readers.filter((r) => isPool(r) && r.inputs[0] === v);
  if (pools.length === 1) {
    const pool = pools[0];
    const window = poolWindowOf(pool.attrs);
    const others = readers.length > 1 || isResult(graph, v);
    const padOk = window.padding[0] < window.size[0] && window.padding[1] < window.size[1];
    if (padOk && (!others || poolCoversOutput(v.type, window))) members.push(pool);
  }
  return members;
}
