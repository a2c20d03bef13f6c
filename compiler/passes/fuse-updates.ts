// Multi-tensor update fusion: the elementwise updates of an entry's persistent
// tensors (the optimizer's new params and slots, compiler/optim) become one `fused`
// node of pattern 'update' — one kernel for all of them, as PyTorch's foreach/fused
// optimizers do — instead of a few kernels per param.
//   1. Roots: the values `assign`ed to params and slots at the top level of the entry.
//      From each root, walk back through elementwise nodes (with a WGSL expression)
//      whose output has the root's shape or one element; those are the candidates.
//   2. A candidate that reads a value computed outside the candidates from a candidate
//      (max_norm's column norms of the new weights) leaves, and so, in turn, does
//      what read it; what is legal stays fused, the rest is left to the other passes.
//   3. The candidates split into a prologue (one-element nodes: Adam's step count and
//      bias corrections) and segments, one per connected group of a shape
//      (compiler/ir/update-segments.ts).
//   4. Segments go into chunks in scope order while a chunk's kernel binds no more
//      storage buffers than the device allows (inputs and outputs, less the outputs
//      written in place over an input); the first chunk also holds the prologue,
//      the others read the prologue values it outputs.
//   5. The scope is reordered (a stable topological order, each chunk contiguous) so
//      that every chunk can stand at its first member; the chunks become fused nodes.
//   6. The fusion passes that follow run on both graphs, and the fused one is kept
//      only if it leaves fewer kernels (with 'per-param', a kernel fewer per param):
//      the updates the others would fuse into a matmul's epilogue (plain SGD's
//      `W - lr·g`) cost no kernel of their own there.
// A chunk's planned bindings assume the planner writes each new param and slot over
// the old one (EntryBuilder.planInPlace), and that the code generator lays out those
// params and slots in one view bound once (compiler/codegen/update-arena.ts): a chunk
// binds the view, one buffer per gradient, the step count and the scalars. Where that
// would not hold, the pass leaves the graph alone rather than emit a kernel over the
// device limit.
// `fuseUpdates: false` in the pass context (`--fuse-updates off`) turns the pass off;
// 'per-param' (the register family's default: compiler/driver.ts fuseUpdatesByDefault)
// keeps the fused graph only where it saves at least one kernel per param updated.
import type { Graph, Node, Value } from '../ir/types';
import { numel, sameShape } from '../ir/types';
import { isPrologueNode, updateSegments, updateWritesInPlace } from '../ir/update-segments';
import type { UpdateSegment } from '../ir/update-segments';
import { getOp } from '../ops/registry';
import type { PassContext } from './context';
import { storageBufferLimit } from './fuse-limits';
import { applyGroups, consumers, copyNode, groupInputs, groupOutputs, IdSource, positions } from './fuse-group';
import type { FusionGroup } from './fuse-group';
import { fuseConvPass } from './fuse-conv';
import { fuseElementwisePass } from './fuse-elementwise';
import { fuseMatmulPass } from './fuse-matmul';
import { fusePoolGradPass } from './fuse-pool-grad';

function fusible(n: Node): boolean {
  const def = getOp(n.op);
  return def.kind === 'elementwise' && def.wgsl !== undefined && n.outputs.length === 1 && !n.regions;
}

/** Persistent tensors an optimizer writes: the graph's params and slots, by name. */
function updatedTargets(graph: Graph): Map<string, Value> {
  return new Map(graph.args.filter((a) => a.kind === 'param' || a.kind === 'slot').map((a) => [a.name, a.value]));
}

/** Step 1: the candidates, in scope order. */
function candidates(graph: Graph, targets: Map<string, Value>): Set<Node> {
  const found = new Set<Node>();
  const visit = (v: Value, shape: readonly number[]): void => {
    const n = v.def;
    if (!n || found.has(n) || !fusible(n)) return;
    const out = n.outputs[0].type.shape;
    if (!sameShape(out, shape) && numel(out) !== 1) return;
    found.add(n);
    for (const x of n.inputs) visit(x, shape);
  };
  for (const n of graph.nodes) {
    if (n.op !== 'assign' || !targets.has(String(n.attrs.target))) continue;
    const v = n.inputs[0];
    visit(v, v.type.shape);
  }
  return found;
}

/** Step 2: drops members until no outside value a member reads depends on a member. */
function dropCycles(graph: Graph, members: Set<Node>): void {
  for (;;) {
    const tainted = new Set<Node>();
    for (const n of graph.nodes) {
      if (members.has(n)) continue;
      if (n.inputs.some((v) => v.def && (members.has(v.def) || tainted.has(v.def)))) tainted.add(n);
    }
    const bad = [...members].filter((m) => m.inputs.some((v) => v.def && tainted.has(v.def)));
    if (bad.length === 0) return;
    for (const m of bad) members.delete(m);
  }
}

/** Graph arguments that are f32 runtime scalars: an update kernel reads them from the packed scalars buffer. */
function runtimeScalars(graph: Graph): Set<Value> {
  return new Set(graph.args.filter((a) => a.kind === 'scalar' && a.value.type.dtype === 'f32').map((a) => a.value));
}

/** Storage buffers for `inputs`: one each, but one for all runtime scalars. */
function inputBindings(inputs: readonly Value[], scalars: ReadonlySet<Value>): number {
  const packed = inputs.filter((v) => scalars.has(v)).length;
  return inputs.length - packed + (packed > 0 ? 1 : 0);
}

/** What the chunking needs to know of the scope. */
interface Scope {
  readonly graph: Graph;
  readonly users: Map<Value, Node[]>;
  readonly at: Map<Node, number>;
  readonly scalars: ReadonlySet<Value>;
  readonly argByName: Map<string, Value>;
  /** Every segment node of the update, whatever its chunk. */
  readonly segmentNodes: ReadonlySet<Node>;
  readonly nameOf: ReadonlyMap<Value, string>;
  readonly ctx: PassContext;
}

/**
 * Storage buffers of a chunk's kernel: inputs (runtime scalars packed), plus outputs,
 * less the outputs the planner writes over an old param or slot read by the chunk at
 * the element written. A prologue value is an output only where something other than
 * the update reads it (later chunks compute their own copies), and only in the first chunk.
 */
function chunkBindings(scope: Scope, members: readonly Node[], first: boolean): number {
  const inside = new Set(members);
  const inputs = groupInputs(members);
  const inputSet = new Set(inputs);
  const outputs = groupOutputs(scope.graph, members, scope.users).filter((o) => {
    if (!o.def || !isPrologueNode(o.def)) return true;
    if (!first) return false;
    return (scope.users.get(o) ?? []).some((u) => !inside.has(u) && !scope.segmentNodes.has(u));
  });
  const { segments } = updateSegments(members);
  const inPlace: Value[] = [];
  for (const o of outputs) {
    const assign = (scope.users.get(o) ?? []).find((u) => u.op === 'assign');
    const old = assign ? scope.argByName.get(String(assign.attrs.target)) : undefined;
    if (!old || !inputSet.has(old) || numel(old.type.shape) === 1) continue;
    // An assign of the old value (vSGD's `wprev ← w`) keeps the planner from overwriting it.
    if ((scope.users.get(old) ?? []).some((u) => u.op === 'assign')) continue;
    // Every member reading the old value must be in the output's segment, at its shape.
    const own = segments.find((s) => o.def && s.nodes.includes(o.def));
    const readers = (scope.users.get(old) ?? []).filter((u) => inside.has(u));
    if (own && readers.every((r) => own.nodes.includes(r))) inPlace.push(old);
  }
  return inputBindings(inputs, scope.scalars) + outputs.length - sharedBindings(inPlace, scope.nameOf, scope.ctx);
}

/**
 * Bindings saved by the in-place writes over `olds` (old params and slots): each
 * output shares its old value's binding, and where two or more of them can lie in
 * a view (f32, assigned by no other entry: compiler/codegen/update-arena.ts) they all
 * share one binding, the view's.
 */
function sharedBindings(olds: readonly Value[], nameOf: ReadonlyMap<Value, string>, ctx: PassContext): number {
  const inView = olds.filter((v) => v.type.dtype === 'f32' && !ctx.assignedElsewhere?.has(nameOf.get(v) ?? '')).length;
  return inView >= 2 ? olds.length + inView - 1 : olds.length;
}

/** The prologue nodes `nodes` read, directly or through other prologue nodes, in scope order. */
function neededPrologue(nodes: readonly Node[], prologue: readonly Node[]): Node[] {
  const all = new Set(prologue);
  const need = new Set<Node>();
  const visit = (n: Node): void => {
    for (const v of n.inputs)
      if (v.def && all.has(v.def) && !need.has(v.def)) {
        need.add(v.def);
        visit(v.def);
      }
  };
  nodes.forEach(visit);
  return prologue.filter((n) => need.has(n));
}

/**
 * Step 4: segments in chunks within the binding limit. The first chunk holds the
 * whole prologue (alone, if its outputs are read elsewhere and no segment fits
 * beside it); each later chunk the prologue nodes its segments read, to be copied.
 * A segment too big for a chunk of its own stays out, with the prologue nodes it reads
 * (`leftOut`), to be copied as well: the first chunk then need not output them.
 */
function chunk(
  scope: Scope,
  prologue: readonly Node[],
  segments: readonly UpdateSegment[],
  limit: number,
): { chunks: Node[][]; leftOut: Node[][] } {
  const byPos = (a: Node, b: Node): number => scope.at.get(a)! - scope.at.get(b)!;
  const membersOf = (segs: readonly UpdateSegment[], first: boolean): Node[] => {
    const nodes = segs.flatMap((s) => s.nodes);
    return [...(first ? prologue : neededPrologue(nodes, prologue)), ...nodes].sort(byPos);
  };
  const fits = (segs: readonly UpdateSegment[], first: boolean): boolean =>
    chunkBindings(scope, membersOf(segs, first), first) <= limit;
  const done: UpdateSegment[][] = [];
  const leftOut: Node[][] = [];
  let current: UpdateSegment[] = [];
  for (const s of segments) {
    if (fits([...current, s], done.length === 0)) {
      current.push(s);
      continue;
    }
    if (current.length > 0 || done.length === 0) done.push(current);
    current = fits([s], false) ? [s] : [];
    if (current.length === 0) leftOut.push(membersOf([s], false));
  }
  if (current.length > 0) done.push(current);
  const chunks = done.map((segs, k) => membersOf(segs, k === 0));
  // A first chunk of prologue alone is kept only for the values others read (Adam's step count).
  if (done.length > 0 && done[0].length === 0 && chunkOutputs(scope, chunks[0]) === 0) chunks[0] = [];
  return { chunks, leftOut };
}

function chunkOutputs(scope: Scope, members: readonly Node[]): number {
  const inside = new Set(members);
  return groupOutputs(scope.graph, members, scope.users).filter((o) =>
    (scope.users.get(o) ?? []).some((u) => !inside.has(u) && !scope.segmentNodes.has(u)),
  ).length;
}

/** `nodes` without those `removable` says may go that nothing reads (repeatedly, last first). */
function withoutUnread(nodes: readonly Node[], graph: Graph, removable: (n: Node) => boolean): Node[] {
  const results = new Set(graph.results.map((r) => r.value));
  const read = new Set<Value>(results);
  const out: Node[] = [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (removable(n) && n.outputs.every((o) => !read.has(o))) continue;
    for (const v of n.inputs) read.add(v);
    out.push(n);
  }
  return out.reverse();
}

type MutableNode = { -readonly [K in keyof Node]: Node[K] };

/**
 * Gives every chunk after the first (and every segment left out) its own copies (fresh
 * ids) of the prologue nodes it holds, its segment nodes reading them; returns the
 * rewritten scope and the chunks (the left-out ones are not grouped).
 */
function copyPrologues(graph: Graph, chunks: readonly Node[][], ids: IdSource): { graph: Graph; chunks: Node[][] } {
  const localOf = new Map<Node, Map<Value, Value>>();
  const copiesBefore = new Map<Node, Node[]>();
  const chunkCopies: Node[][] = chunks.map(() => []);
  chunks.forEach((members, c) => {
    if (c === 0) return;
    const local = new Map<Value, Value>();
    for (const n of members.filter(isPrologueNode)) {
      const node: MutableNode = { ...n, id: ids.fresh(), inputs: n.inputs.map((v) => local.get(v) ?? v), outputs: [] };
      node.outputs = n.outputs.map((o) => {
        const v: Value = { ...o, id: ids.fresh(), def: node };
        local.set(o, v);
        return v;
      });
      chunkCopies[c].push(node);
    }
    const segment = members.filter((n) => !isPrologueNode(n));
    for (const n of segment) localOf.set(n, local);
    if (segment.length > 0) copiesBefore.set(segment[0], chunkCopies[c]);
  });
  const subst = new Map<Value, Value>();
  const replaced = new Map<Node, Node>();
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    nodes.push(...(copiesBefore.get(n) ?? []));
    const local = localOf.get(n);
    const inputs = n.inputs.map((v) => subst.get(v) ?? local?.get(v) ?? v);
    const next = inputs.every((v, k) => v === n.inputs[k]) ? n : copyNode(n, { inputs }, subst);
    replaced.set(n, next);
    nodes.push(next);
  }
  // Prologue nodes outside the first chunk that nothing reads any more (their readers took copies) go.
  const kept = new Set(chunks[0]);
  const copied = new Set(chunks.flatMap((c, k) => (k > 0 ? c.filter((n) => isPrologueNode(n) && !kept.has(n)) : [])));
  const originalOf = new Map([...replaced].map(([old, now]) => [now, old]));
  const live = withoutUnread(nodes, graph, (n) => copied.has(originalOf.get(n) ?? n));
  const rewritten: Graph = {
    ...graph,
    nodes: live,
    results: graph.results.map((r) => ({ name: r.name, value: subst.get(r.value) ?? r.value })),
  };
  const out = chunks.map((members, c) =>
    c === 0
      ? members.map((n) => replaced.get(n)!)
      : [...chunkCopies[c], ...members.filter((n) => !isPrologueNode(n)).map((n) => replaced.get(n)!)],
  );
  return { graph: rewritten, chunks: out };
}

/** Step 5: `graph`'s nodes in a stable topological order where each chunk's members stand together. */
function reorder(graph: Graph, chunks: readonly Node[][]): Graph {
  const unitOf = new Map<Node, readonly Node[]>();
  for (const c of chunks) for (const n of c) unitOf.set(n, c);
  const members = (n: Node): readonly Node[] => unitOf.get(n) ?? [n];
  const done = new Set<readonly Node[] | Node>();
  const key = (n: Node): readonly Node[] | Node => unitOf.get(n) ?? n;
  const nodes: Node[] = [];
  // Depth-first over producers without recursion (graphs can be deep), as codegen/schedule.ts.
  for (const root of graph.nodes) {
    if (done.has(key(root))) continue;
    done.add(key(root));
    const stack: { node: Node; inputs: Value[]; next: number }[] = [
      { node: root, inputs: members(root).flatMap((m) => [...m.inputs]), next: 0 },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.inputs.length) {
        const producer = top.inputs[top.next++].def;
        if (producer && !done.has(key(producer))) {
          done.add(key(producer));
          stack.push({ node: producer, inputs: members(producer).flatMap((m) => [...m.inputs]), next: 0 });
        }
        continue;
      }
      stack.pop();
      nodes.push(...members(top.node));
    }
  }
  return { ...graph, nodes };
}

export function fuseUpdatesPass(graph: Graph, ctx: PassContext): Graph {
  if (ctx.fuseUpdates === false) return graph;
  const targets = updatedTargets(graph);
  if (targets.size === 0) return graph;
  const members = candidates(graph, targets);
  dropCycles(graph, members);
  const ordered = graph.nodes.filter((n) => members.has(n));
  if (ordered.filter((n) => n.op !== 'constant').length < 2) return graph;
  const { prologue, segments } = updateSegments(ordered);
  const scope: Scope = {
    graph,
    users: consumers(graph),
    at: positions(graph),
    scalars: runtimeScalars(graph),
    argByName: new Map(graph.args.map((a) => [a.name, a.value])),
    segmentNodes: new Set(segments.flatMap((s) => s.nodes)),
    nameOf: new Map(graph.args.map((a) => [a.value, a.name])),
    ctx,
  };
  const limit = storageBufferLimit(ctx);
  const { chunks, leftOut } = chunk(scope, prologue, segments, limit);
  if (chunks.every((c) => c.length === 0)) return graph;
  const ids = new IdSource(graph);
  const copied = copyPrologues(graph, [...chunks, ...leftOut], ids);
  const grouped = copied.chunks.slice(0, chunks.length).filter((c) => c.length > 0);
  const sorted = reorder(copied.graph, grouped);
  const groups: FusionGroup[] = grouped.map((c) => ({
    members: c,
    name: `fused_update_${updateSegments(c).segments.length}`,
    pattern: 'update',
  }));
  const fused = applyGroups(sorted, groups, ids);
  // The planner must write in place as assumed above; otherwise leave the updates unfused.
  const fusedUsers = consumers(fused);
  const scalars = runtimeScalars(fused);
  const over = fused.nodes.some(
    (n) =>
      n.op === 'fused' && n.attrs.pattern === 'update' && plannedBindings(fused, n, fusedUsers, scalars, ctx) > limit,
  );
  // 'per-param' (CPU adapters): worth it only where it saves a kernel per param updated.
  const assigned = new Set(graph.nodes.filter((n) => n.op === 'assign').map((n) => String(n.attrs.target)));
  const params = graph.args.filter((a) => a.kind === 'param' && assigned.has(a.name)).length;
  const needed = ctx.fuseUpdates === 'per-param' ? Math.max(1, params) : 1;
  return over || kernelsAfterFusion(graph, ctx) - kernelsAfterFusion(fused, ctx) < needed ? graph : fused;
}

/** Kernels `graph` comes to after the fusion passes that run after this one (its nodes but the assigns). */
function kernelsAfterFusion(graph: Graph, ctx: PassContext): number {
  const after = [fuseConvPass, fusePoolGradPass, fuseMatmulPass, fuseElementwisePass].reduce(
    (g, pass) => pass(g, ctx),
    graph,
  );
  return after.nodes.filter((n) => n.op !== 'assign').length;
}

/**
 * Bindings of an update node's kernel once the planner has written in place every
 * output it can (EntryBuilder.planInPlace: the assign's target read by this node and
 * by no node after it, nor assigned elsewhere).
 */
function plannedBindings(
  graph: Graph,
  node: Node,
  users: Map<Value, Node[]>,
  scalars: ReadonlySet<Value>,
  ctx: PassContext,
): number {
  const at = graph.nodes.indexOf(node);
  const argByName = new Map(graph.args.map((a) => [a.name, a.value]));
  const later = new Set(graph.nodes.slice(at + 1));
  const inPlace: Value[] = [];
  for (const o of node.outputs) {
    const assign = (users.get(o) ?? []).find((u) => u.op === 'assign');
    const old = assign ? argByName.get(String(assign.attrs.target)) : undefined;
    if (!old || !node.inputs.includes(old)) continue;
    const readLater = (users.get(old) ?? []).some((u) => later.has(u) || u.op === 'assign');
    const body = node.regions![0];
    const arg = body.args[node.inputs.indexOf(old)].value;
    const result = body.results[node.outputs.indexOf(o)].value;
    if (!readLater && updateWritesInPlace(body, arg, result)) inPlace.push(old);
  }
  const nameOf = new Map(graph.args.map((a) => [a.value, a.name]));
  return inputBindings(node.inputs, scalars) + node.outputs.length - sharedBindings(inPlace, nameOf, ctx);
}
