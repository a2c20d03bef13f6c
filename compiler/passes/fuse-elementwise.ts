// Elementwise fusion: chains (and trees) of elementwise ops of one output shape,
// forward and backward alike, become one `fused` node that codegen emits as one
// kernel keeping the inner values in registers (compiler/codegen/elementwise.ts).
//   1. Walk the scope in order. An elementwise node (with a WGSL template) joins the
//      groups of its elementwise producers of the same output shape, all of them at
//      once, or starts a group of its own.
//   2. Merging is legal when no value the merged group reads from outside depends
//      on the group: with p(n) the node's position, every outside input is defined
//      at a position below the group's first member (positions are a topological
//      order, so such a value cannot depend on a member). This also makes the first
//      member's position a valid place for the fused node.
//   3. A merge that would bind more storage buffers than the device offers per
//      shader stage (maxStorageBuffersPerShaderStage: inputs + outputs) is refused;
//      the group that could not grow records the split, and `dlc compile` says so.
//   4. A constant read only by one node joins that node's group whatever its
//      shape (it becomes a literal in the kernel).
//   5. A slice read only by one node of the group's shape joins that node's group:
//      the kernel reads the sliced tensor at the slice's offsets instead of a slice
//      kernel copying it out first (compiler/codegen/slice-load.ts). An LSTM cell's
//      gate slices become loads of its fused gate kernels.
//   6. Groups of two or more nodes become `fused [pattern="elementwise"]` nodes named
//      after their ops (`fused_mul_add_mul_sub`); loop bodies are fused the same way.
import type { Graph, Node, Value } from '../ir/types';
import { sameShape as sameShapes } from '../ir/types';
import { getOp } from '../ops/registry';
import { isSliceLoad } from '../ops/fusion-rules';
import type { PassContext } from './context';
import { storageBufferLimit } from './fuse-limits';
import type { FusionGroup } from './fuse-group';
import { applyGroups, consumers, groupInputs, IdSource, inLoopBodies, isResult, positions } from './fuse-group';

interface Group {
  members: Node[];
  first: number;
  /** Highest position of a node defining a value the group reads from outside. */
  lastOutside: number;
  split?: string;
}

function fusible(n: Node): boolean {
  const def = getOp(n.op);
  return def.kind === 'elementwise' && def.wgsl !== undefined && n.outputs.length === 1 && !n.regions;
}

/** Whether two values have the same shape. */
function sameShape(a: Value, b: Value): boolean {
  return sameShapes(a.type.shape, b.type.shape);
}

/** Storage buffers the group's kernel binds: its outside inputs and the values read after it. */
function bindingCount(graph: Graph, members: readonly Node[], users: Map<Value, Node[]>): number {
  const set = new Set(members);
  const outputs = members
    .flatMap((n) => n.outputs)
    .filter((o) => isResult(graph, o) || (users.get(o) ?? []).some((u) => !set.has(u)));
  return groupInputs(members).length + outputs.length;
}

function isConstant(n: Node): boolean {
  return n.op === 'constant' && n.inputs.length === 0;
}

/** A constant read only by `reader` joins its group whatever its shape: it is a literal in the kernel. */
function inlinableConstant(graph: Graph, v: Value, reader: Node, users: Map<Value, Node[]>): boolean {
  return v.def !== null && isConstant(v.def) && !isResult(graph, v) && (users.get(v) ?? []).every((u) => u === reader);
}

/** Members in scope order, each constant moved just before its reader, so the group starts at a computing node. */
function constantsBeforeReaders(members: readonly Node[]): Node[] {
  const constants = new Set(members.filter(isConstant));
  const out: Node[] = [];
  for (const m of members) {
    if (constants.has(m)) continue;
    for (const v of m.inputs) if (v.def && constants.has(v.def) && !out.includes(v.def)) out.push(v.def);
    out.push(m);
  }
  return out;
}

/**
 * Step 5: the slices of other tensors that `n` alone reads, at its own shape, which
 * its group can read through instead of running each as a kernel (slice-load.ts).
 */
function sliceLoads(graph: Graph, n: Node, users: Map<Value, Node[]>, groupOf: Map<Node, Group>): Node[] {
  const out = n.outputs[0];
  const loads: Node[] = [];
  for (const v of n.inputs) {
    const s = v.def;
    if (!s || !isSliceLoad(s) || groupOf.has(s) || loads.includes(s) || isResult(graph, v)) continue;
    if (!sameShape(v, out) || sameShape(s.inputs[0], v) || !(users.get(v) ?? []).every((u) => u === n)) continue;
    loads.push(s);
  }
  return loads;
}

export function fuseElementwisePass(graph: Graph, ctx: PassContext): Graph {
  return fuseScope(graph, ctx, new IdSource(graph));
}

function fuseScope(graph: Graph, ctx: PassContext, ids: IdSource): Graph {
  const limit = storageBufferLimit(ctx);
  const pos = positions(graph);
  const users = consumers(graph);
  const groupOf = new Map<Node, Group>();
  const defPos = (v: Value): number => (v.def && pos.has(v.def) ? pos.get(v.def)! : -1);

  for (const n of graph.nodes) {
    if (!fusible(n)) continue;
    const out = n.outputs[0];
    const candidates = new Set<Group>();
    for (const v of n.inputs) {
      const g = v.def ? groupOf.get(v.def) : undefined;
      // A constant joins only as a literal of its one reader (never as a group output).
      if (g && (isConstant(v.def!) ? inlinableConstant(graph, v, n, users) : sameShape(v, out))) candidates.add(g);
    }
    // A constant has no inputs, so it constrains no position.
    const start = (members: Node[]): Group => ({
      members,
      first: isConstant(n) ? Infinity : Math.min(...members.map((m) => pos.get(m)!)),
      lastOutside: -1,
    });
    let merged = start([...sliceLoads(graph, n, users, groupOf), n]);
    // The group runs where its first member stood: a slice load moves n up to the
    // slice, legal only where n's other inputs are computed by then.
    if (merged.members.length > 1) {
      const inside = new Set(merged.members);
      const outside = groupInputs(merged.members).filter((v) => !(v.def && inside.has(v.def)));
      if (Math.max(-1, ...outside.map(defPos)) >= merged.first) merged = start([n]);
    }
    /** `merged` grown by `gs`, or undefined when an outside input would come after its first member. */
    const grown = (gs: readonly Group[]): Group | undefined => {
      const members = [...gs.flatMap((g) => g.members), ...merged.members];
      const inside = new Set(members);
      const first = Math.min(merged.first, ...gs.map((g) => g.first));
      const outsideInputs = groupInputs(members.sort((a, b) => pos.get(a)! - pos.get(b)!)).filter(
        (v) => !(v.def && inside.has(v.def)),
      );
      const lastOutside = Math.max(-1, ...outsideInputs.map(defPos));
      if (lastOutside >= first) return undefined;
      return { members, first, lastOutside, split: gs.find((g) => g.split)?.split ?? merged.split };
    };
    // All producers' groups at once, when that is legal and fits: one producer's
    // group may read another's values, which merging them one by one refuses.
    const all = candidates.size > 1 ? grown([...candidates]) : undefined;
    if (all && bindingCount(graph, all.members, users) <= limit) merged = all;
    // Else one by one, constants first: once inside, they no longer count as outside inputs.
    else
      for (const g of [...candidates].sort(
        (a, b) => Number(!isConstant(a.members[0])) - Number(!isConstant(b.members[0])),
      )) {
        const next = grown([g]);
        if (!next) continue;
        if (bindingCount(graph, next.members, users) > limit) {
          g.split = `maxStorageBuffersPerShaderStage (${limit})`;
          continue;
        }
        merged = next;
      }
    for (const m of merged.members) groupOf.set(m, merged);
  }

  const groups: FusionGroup[] = [];
  for (const g of new Set(groupOf.values())) {
    if (g.members.length < 2 && !g.split) continue;
    groups.push({
      members: constantsBeforeReaders(g.members),
      name: `fused_${g.members
        .filter((m) => !isConstant(m))
        .map((m) => m.op)
        .join('_')}`,
      pattern: 'elementwise',
      ...(g.split ? { split: g.split } : {}),
    });
  }
  return inLoopBodies(applyGroups(graph, groups, ids), (body) => fuseScope(body, ctx, ids));
}
