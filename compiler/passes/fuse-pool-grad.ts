// Backward fusion of a max pool and relu: the pooling gradient masked by relu's
// derivative,
//   mul(max_pool_grad(y, g), cast(gt(y, 0)))   (y: relu's output, as relu-mask leaves it)
// as one `fused [pattern="pool_grad"]` node, emitted as the masked max-pool-gradient
// kernel (compiler/codegen/kernels/pool-fused.ts): each window cell gets
// g · (y_max > 0) at its first maximum and 0 elsewhere, which is the product above
// (the pooling gradient is 0 off the maximum; at it, y is the maximum).
//   1. Find `mul` nodes with one operand a max_pool_grad (windows tiling the plane)
//      and the other cast-to-f32 of gt(y, c), y being the max_pool_grad's
//      activation and c a zero constant read only by that gt (split-constants makes
//      shared zeros private); every inner value read only by the next.
//   2. The group [max_pool_grad, constant, gt, cast, mul] stands where the mul stood.
import type { Graph, Node, Value } from '../ir/types';
import { poolWindowOf, poolWindowsTile } from '../ops/fusion-rules';
import type { PassContext } from './context';
import type { FusionGroup } from './fuse-group';
import { applyGroups, consumers, IdSource, inLoopBodies, isResult, positions } from './fuse-group';

export function fusePoolGradPass(graph: Graph, _ctx: PassContext): Graph {
  return fuseScope(graph, new IdSource(graph));
}

/** The pattern's nodes for `mul`, in the order above, or undefined. */
export function maskedPoolGrad(graph: Graph, mul: Node, users: Map<Value, Node[]>): Node[] | undefined {
  if (mul.op !== 'mul' || mul.inputs.length !== 2) return undefined;
  const only = (v: Value, reader: Node): boolean =>
    !isResult(graph, v) && (users.get(v) ?? []).every((u) => u === reader);
  for (const [p, c] of [mul.inputs, [...mul.inputs].reverse()]) {
    const grad = p.def;
    const cast = c.def;
    if (!grad || grad.op !== 'max_pool_grad' || !only(p, mul) || !poolWindowsTile(poolWindowOf(grad.attrs))) continue;
    if (!cast || cast.op !== 'cast' || cast.attrs.to !== 'f32' || !only(c, mul)) continue;
    const gt = cast.inputs[0].def;
    if (!gt || gt.op !== 'gt' || !only(cast.inputs[0], cast) || gt.inputs[0] !== grad.inputs[0]) continue;
    const zero = gt.inputs[1].def;
    if (!zero || zero.op !== 'constant' || zero.attrs.value !== 0 || !only(gt.inputs[1], gt)) continue;
    if (grad.outputs[0].type.dtype !== 'f32') continue;
    return [grad, zero, gt, cast, mul];
  }
  return undefined;
}

function fuseScope(graph: Graph, ids: IdSource): Graph {
  const users = consumers(graph);
  const pos = positions(graph);
  const groups: FusionGroup[] = [];
  for (const n of graph.nodes) {
    const members = maskedPoolGrad(graph, n, users);
    if (!members) continue;
    groups.push({
      members: members.sort((a, b) => pos.get(a)! - pos.get(b)!),
      name: 'fused_max_pool_grad_relu_mask',
      pattern: 'pool_grad',
      place: 'last',
    });
  }
  return inLoopBodies(applyGroups(graph, groups, ids), (body) => fuseScope(body, ids));
}
