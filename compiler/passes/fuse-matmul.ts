// Matmul epilogue fusion: a plain 2-D matmul and the elementwise computation that
// follows it, as one `fused [pattern="matmul"]` node emitted as one matmul kernel
// whose epilogue hook computes the rest per output element before the store
// (compiler/codegen/fused-matmul-node.ts). Forward: bias add and activation;
// backward: the activation-gradient mask (`g · f32(y > 0)`) of the layer below.
//   1. From each matmul with 2-D operands, follow its value v to r, v's first
//      reader (in scope order) that is elementwise with an f32 output of v's shape
//      [M, N], then on from r's value. A value read outside too (an optimizer's new
//      velocity, read by its assign and by the weight update) becomes another output
//      of the kernel: the momentum update and the weight update join the weight
//      gradient's matmul as one kernel storing both.
//      r may also be a random draw per element (bernoulli(sigmoid(v·W + b)), the
//      RBM's sample), drawn bit for bit as its own kernel would.
//   2. r's other operands join with the elementwise nodes computing them when those
//      are read only by the group (the mask's gt and cast); what remains outside is
//      read by the epilogue, broadcast against [M, N] (a bias [N], a mask input
//      [M, N], a scalar).
//   3. A step that would bind more storage buffers than the device offers is not
//      taken, and the split is recorded.
//   4. The fused node stands where the last member stood, so the chain is cut back
//      to its longest prefix where every outside reader of an earlier output comes
//      after that member, and no outside value the group reads depends on a member
//      (that would be a cycle). Loop bodies are fused the same way.
import type { Graph, Node, Value } from '../ir/types';
import { sameShape as sameShapes } from '../ir/types';
import { getOp } from '../ops/registry';
import { broadcastsToMatrix } from '../ops/fusion-rules';
import type { PassContext } from './context';
import type { FusionGroup } from './fuse-group';
import {
  applyGroups,
  consumers,
  groupInputs,
  groupOutputs,
  IdSource,
  inLoopBodies,
  isResult,
  positions,
} from './fuse-group';
import { storageBufferLimit } from './fuse-limits';

export function fuseMatmulPass(graph: Graph, ctx: PassContext): Graph {
  return fuseScope(graph, storageBufferLimit(ctx), new IdSource(graph));
}

function fuseScope(graph: Graph, limit: number, ids: IdSource): Graph {
  const pos = positions(graph);
  const users = consumers(graph);
  const taken = new Set<Node>();
  const groups: FusionGroup[] = [];
  for (const n of graph.nodes) {
    if (n.op !== 'matmul' || taken.has(n) || n.inputs.some((v) => v.type.shape.length !== 2 || v.type.dtype !== 'f32'))
      continue;
    const chain = matmulChain(graph, n, users, pos, taken, limit);
    if (chain.members.length < 2) continue;
    const members = chain.members.sort((a, b) => pos.get(a)! - pos.get(b)!);
    members.forEach((m) => taken.add(m));
    const name = `fused_${chain.main.map((m) => m.op).join('_')}`;
    groups.push({ members, name, pattern: 'matmul', place: 'last', ...(chain.split ? { split: chain.split } : {}) });
  }
  return inLoopBodies(applyGroups(graph, groups, ids), (body) => fuseScope(body, limit, ids));
}

function elementwise(n: Node): boolean {
  const def = getOp(n.op);
  return def.kind === 'elementwise' && def.wgsl !== undefined && n.outputs.length === 1 && !n.regions;
}

/**
 * A random draw the epilogue can make per element (bernoulli, with or without its
 * scalar iteration operand): only on the chain itself, where its element is the
 * output's element.
 */
function elementDraw(n: Node): boolean {
  const def = getOp(n.op);
  return (
    def.drawWgsl !== undefined &&
    n.outputs.length === 1 &&
    !n.regions &&
    n.inputs.slice(1).every((v) => v.type.shape.length === 0)
  );
}

interface Chain {
  /** The matmul and the nodes its value flows through, in order (they name the kernel). */
  readonly main: Node[];
  /** Every member: main and the side nodes computing its other operands. */
  readonly members: Node[];
  split?: string;
}

function matmulChain(
  graph: Graph,
  matmul: Node,
  users: Map<Value, Node[]>,
  pos: Map<Node, number>,
  taken: ReadonlySet<Node>,
  limit: number,
): Chain {
  const chain: Chain = { main: [matmul], members: [matmul] };
  const product = matmul.outputs[0];
  // The longest prefix that can stand at its last member (a lone matmul always can).
  let valid = { members: 1, main: 1 };
  let v = product;
  for (;;) {
    const r = (users.get(v) ?? [])
      .filter(
        (x) =>
          !taken.has(x) &&
          !chain.members.includes(x) &&
          (elementwise(x) || elementDraw(x)) &&
          x.outputs[0].type.dtype === 'f32' &&
          sameShape(x.outputs[0], product),
      )
      .sort((x, y) => pos.get(x)! - pos.get(y)!)[0];
    if (!r) break;
    const side: Node[] = [];
    const leaves: Value[] = [];
    const inGroup = new Set([...chain.members, r]);
    // Side operands: elementwise nodes read only by the group join; the rest are leaves.
    const visit = (u: Value): void => {
      if (u === v || (u.def && inGroup.has(u.def))) return;
      // What the matmul itself reads comes from outside the kernel.
      if (matmul.inputs.includes(u)) {
        leaves.push(u);
        return;
      }
      const d = u.def;
      const readers = users.get(u) ?? [];
      const onlyGroup = !isResult(graph, u) && readers.every((x) => inGroup.has(x));
      if (d && !taken.has(d) && elementwise(d) && onlyGroup && broadcastsToMatrix(u, product)) {
        inGroup.add(d);
        side.push(d);
        d.inputs.forEach(visit);
      } else leaves.push(u);
    };
    r.inputs.forEach(visit);
    if (leaves.some((u) => !broadcastsToMatrix(u, product))) break;
    const members = [...chain.members, ...side, r];
    // a, b, the epilogue's outside inputs, the outputs and (for draws) the scalars.
    if (
      groupInputs(members).length + groupOutputs(graph, members, users).length + (members.some(elementDraw) ? 1 : 0) >
      limit
    ) {
      chain.split = `maxStorageBuffersPerShaderStage (${limit})`;
      break;
    }
    chain.members.push(...side, r);
    chain.main.push(r);
    if (standsAtLast(graph, chain.members, users, pos))
      valid = { members: chain.members.length, main: chain.main.length };
    v = r.outputs[0];
  }
  if (valid.members < chain.members.length) {
    chain.members.length = valid.members;
    chain.main.length = valid.main;
    delete chain.split;
  }
  return chain;
}

/**
 * Whether `members` fused can stand where their last member stands: every outside
 * reader of their outputs comes after it, and nothing they read from outside
 * depends on one of them.
 */
function standsAtLast(
  graph: Graph,
  members: readonly Node[],
  users: Map<Value, Node[]>,
  pos: Map<Node, number>,
): boolean {
  const inside = new Set(members);
  const first = Math.min(...members.map((n) => pos.get(n)!));
  const last = Math.max(...members.map((n) => pos.get(n)!));
  for (const o of groupOutputs(graph, members, users)) {
    if ((users.get(o) ?? []).some((u) => !inside.has(u) && pos.get(u)! < last)) return false;
  }
  // Walk the outside inputs' definitions back to the first member: meeting a member is a cycle.
  const seen = new Set<Node>();
  const stack = groupInputs(members)
    .map((u) => u.def)
    .filter((d): d is Node => d !== null && pos.has(d));
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (inside.has(d)) return false;
    if (seen.has(d) || pos.get(d)! < first) continue;
    seen.add(d);
    for (const u of d.inputs) if (u.def && pos.has(u.def)) stack.push(u.def);
  }
  return true;
}

/** Whether two values have the same shape. */
function sameShape(a: Value, b: Value): boolean {
  return sameShapes(a.type.shape, b.type.shape);
}
