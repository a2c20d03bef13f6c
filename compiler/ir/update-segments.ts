// The segments of a multi-tensor update body (a `fused` node of pattern 'update',
// compiler/passes/fuse-updates.ts): the elementwise updates of several persistent
// tensors run as one flat kernel whose invocations walk the tensors one after another.
//   prologue  — the body's one-element nodes (Adam's step count and bias corrections),
//               evaluated by every invocation, stored by invocation 0 alone;
//   segments  — the other nodes, split into the connected groups they form through the
//               values they pass each other; each group has one shape and covers
//               invocations [start, start + numel) of the kernel.
// The fusion pass, the planner's in-place check and the code generator all read the
// body through this one function, so they agree on which invocation touches what.
import type { Graph, Node, Value } from './types';
import { numel, sameShape } from './types';

export interface UpdateSegment {
  readonly shape: readonly number[];
  /** Nodes in body order. */
  readonly nodes: readonly Node[];
  /** First invocation of the segment. */
  readonly start: number;
}

export interface UpdateSegments {
  readonly prologue: readonly Node[];
  readonly segments: readonly UpdateSegment[];
  /** Invocations of the whole kernel. */
  readonly total: number;
}

/** Whether a node runs in the prologue: one element, computed by every invocation. */
export function isPrologueNode(n: Node): boolean {
  return numel(n.outputs[0].type.shape) === 1;
}

/** The prologue and segments of `nodes` (a body's nodes, or a candidate group in scope order). */
export function updateSegments(nodes: readonly Node[]): UpdateSegments {
  const prologue = nodes.filter(isPrologueNode);
  const rest = nodes.filter((n) => !isPrologueNode(n));
  // Union-find over the non-prologue nodes, joined by the values one reads from another.
  const parent = new Map<Node, Node>(rest.map((n) => [n, n]));
  const find = (n: Node): Node => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(n, r);
    return r;
  };
  for (const n of rest) for (const v of n.inputs) if (v.def && parent.has(v.def)) parent.set(find(v.def), find(n));
  const byRoot = new Map<Node, Node[]>();
  for (const n of rest) {
    const r = find(n);
    const list = byRoot.get(r);
    if (list) list.push(n);
    else byRoot.set(r, [n]);
  }
  let start = 0;
  const segments: UpdateSegment[] = [];
  for (const members of byRoot.values()) {
    const shape = members[0].outputs[0].type.shape;
    if (!members.every((m) => sameShape(m.outputs[0].type.shape, shape)))
      throw new Error(`update segment of %${members[0].id} mixes shapes`);
    segments.push({ shape, nodes: members, start });
    start += numel(shape);
  }
  return { prologue, segments, total: start };
}

/**
 * Whether output `result` of an update body may be written over input `arg` in place:
 * every reader of the arg lies in the output's segment and reads it at the element it
 * writes (same shape), so no other invocation reads what one overwrites. One-element
 * values are read by every invocation and never qualify.
 */
export function updateWritesInPlace(body: Graph, arg: Value, result: Value): boolean {
  if (numel(arg.type.shape) === 1 || !sameShape(arg.type.shape, result.type.shape)) return false;
  const { segments } = updateSegments(body.nodes);
  const own = segments.find((s) => result.def && s.nodes.includes(result.def));
  if (!own) return false;
  const readers = body.nodes.filter((n) => n.inputs.includes(arg));
  return readers.every((n) => own.nodes.includes(n) && sameShape(n.outputs[0].type.shape, arg.type.shape));
}
