// Which outputs of an entry are computed row by row from its batch inputs, so that a
// call with n < batch rows can run as the padded full batch and keep the first n rows.
//
// Algorithm (one forward walk, loops to a fixpoint):
//   1. Inputs declared `[batch, …]` (Program.batchInputs) carry the row axis 0;
//      params, state, scalars and constants are `free` (the same for every row).
//   2. Each node maps its inputs' tags to its outputs' by its op's row rule below:
//      a value keeps a row axis k when element (…, i at axis k, …) depends on row i
//      of the batch inputs only; anything that combines rows (a reduction or a
//      contraction over the row axis, a slice of it) is `mixed`, remembering the node.
//   3. Loop bodies are walked with their carried args joined with their results
//      until the tags stop changing (a lattice of height 3, so a few rounds).
//   4. The entry takes fewer rows when every output is free or has row axis 0, and
//      no `assign` writes a persistent tensor from the batch rows (a train step's
//      update mixes every row's gradient; a state write would store padding).
// Random ops draw by element index, so a padded row's draws never reach a kept row.
// An op without a rule (OP_RULES, else its kind's) mixes rows as soon as a batch value
// reaches it: never silently wrong, at worst a full batch is required.
import type { Entry, Program } from './program';
import type { Graph, Node, Value } from './types';
import { getOp } from '../ops/registry';
import type { PlanBatch } from '../../runtime/plan';

/** Free of the batch rows; a row axis; or mixing rows, first at `node`. */
export type RowTag =
  | { readonly kind: 'free' }
  | { readonly kind: 'rows'; readonly axis: number }
  | { readonly kind: 'mixed'; readonly node?: Node };

const FREE: RowTag = { kind: 'free' };
const rows = (axis: number): RowTag => ({ kind: 'rows', axis });
const mixed = (node?: Node): RowTag => ({
  kind: 'mixed',
  ...(node ? { node } : {}),
});

export interface BatchRows {
  /** The compiled batch size. */
  readonly size: number;
  /** The entry's inputs declared `[batch, …]`. */
  readonly inputs: readonly string[];
  /** Outputs with row axis 0: n rows in, n rows back. */
  readonly outputs: readonly string[];
  /** Why the entry needs a full batch (absent: it takes 1..size rows), and the node at fault. */
  readonly fixed?: { readonly reason: string; readonly node?: Node };
}

function join(a: RowTag, b: RowTag): RowTag {
  if (a.kind === 'mixed') return a;
  if (b.kind === 'mixed') return b;
  if (a.kind === 'free') return b;
  if (b.kind === 'free') return a;
  return a.axis === b.axis ? a : mixed();
}

function sameTag(a: RowTag, b: RowTag): boolean {
  return a.kind === b.kind && (a.kind !== 'rows' || (b.kind === 'rows' && a.axis === b.axis));
}

const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/**
 * Ops whose output shape is their operands' broadcast: a row axis k of an operand of
 * rank q lands on output axis k + (rank - q), and must not be stretched there.
 */
function broadcastRule(node: Node, tags: readonly RowTag[], operands = node.inputs.length): RowTag {
  const out = node.outputs[0]!.type.shape;
  let tag: RowTag = FREE;
  for (let i = 0; i < operands; i++) {
    const t = tags[i]!;
    if (t.kind !== 'rows') {
      tag = join(tag, t);
      continue;
    }
    const shape = node.inputs[i]!.type.shape;
    const axis = t.axis + (out.length - shape.length);
    tag = join(tag, shape[t.axis] === out[axis] ? rows(axis) : mixed(node));
  }
  return tag;
}

/** Reductions over `axes`: rows survive when the row axis is not reduced. */
function reduceRule(node: Node, tag: RowTag, axes: readonly number[], keepdims: boolean): RowTag {
  if (tag.kind !== 'rows') return tag;
  const rank = node.inputs[0]!.type.shape.length;
  const reduced = axes.map((a) => norm(a, rank));
  if (reduced.includes(tag.axis)) return mixed(node);
  return rows(keepdims ? tag.axis : tag.axis - reduced.filter((a) => a < tag.axis).length);
}

/** Ops that work on one example at a time with the examples on axis 0 (NCHW pools, local normalizations). */
function perExampleRule(node: Node, tags: readonly RowTag[]): RowTag {
  return tags.reduce<RowTag>((tag, t) => join(tag, t.kind === 'rows' && t.axis !== 0 ? mixed(node) : t), FREE);
}

/** Ops that keep operand 0's axes in place unless `blocked` says the row axis is cut (slice, pad). */
const keepsAxisUnless =
  (blocked: (node: Node, axis: number) => boolean): Rule =>
  (node, [t]) =>
    t!.kind === 'rows' && blocked(node, t!.axis) ? mixed(node) : t!;

type Rule = (node: Node, tags: readonly RowTag[]) => RowTag;

const attrNumber = (node: Node, name: string): number => node.attrs[name] as number;
const attrInts = (node: Node, name: string): readonly number[] =>
  (node.attrs[name] as readonly number[] | undefined) ?? [];
const rank0 = (node: Node): number => node.inputs[0]!.type.shape.length;

/** Row rules by op where the op's kind (kindRule) does not decide it. */
const OP_RULES: Readonly<Record<string, Rule>> = {
  argmax: (n, [t]) => reduceRule(n, t!, [attrNumber(n, 'axis')], n.attrs.keepdims === true),
  softmax: (n, [t]) => (t!.kind === 'rows' && norm(attrNumber(n, 'axis'), rank0(n)) === t!.axis ? mixed(n) : t!),
  log_softmax: (n, [t]) => (t!.kind === 'rows' && norm(attrNumber(n, 'axis'), rank0(n)) === t!.axis ? mixed(n) : t!),
  // Row losses and categorical draws reduce the last axis of their scores.
  cross_entropy: (n, tags) => lastAxisRule(n, tags),
  ranking_hinge: (n, tags) => lastAxisRule(n, tags),
  // With `samples` the draws come from one table and have no rows of their own.
  categorical: (n, tags) =>
    ((n.attrs.samples as number[] | undefined) ?? []).length === 0 ? lastAxisRule(n, tags) : mixed(n),
  matmul: (n, tags) => matmulRule(n, tags),
  // Convolutions, pools and local normalizations read one example (NCHW: rows at axis 0).
  conv2d: (n, [x, w]) => (w!.kind === 'free' ? perExampleRule(n, [x!]) : mixed(n)),
  conv2d_transpose: (n, [x, w]) => (w!.kind === 'free' ? perExampleRule(n, [x!]) : mixed(n)),
  avg_pool: perExampleRule,
  l2_pool: perExampleRule,
  gaussian_pool: perExampleRule,
  max_pool: perExampleRule,
  max_pool_with_switches: perExampleRule,
  max_unpool: perExampleRule,
  lrn: perExampleRule,
  lcn: perExampleRule,
  channel_window_sum: perExampleRule,
  reshape: (n, [t]) => reshapeRule(n, t!),
  transpose: (n, [t]) => (t!.kind === 'rows' ? rows(attrInts(n, 'perm').indexOf(t!.axis)) : t!),
  slice: keepsAxisUnless((n, axis) => {
    const size = n.inputs[0]!.type.shape[axis]!;
    return (
      attrInts(n, 'starts')[axis] !== 0 ||
      attrInts(n, 'ends')[axis] !== size ||
      (attrInts(n, 'strides')[axis] ?? 1) !== 1
    );
  }),
  pad: keepsAxisUnless(
    (n, axis) =>
      attrInts(n, 'lo')[axis] !== 0 || attrInts(n, 'hi')[axis] !== 0 || (attrInts(n, 'interior')[axis] ?? 0) !== 0,
  ),
  concat: (n, tags) => {
    const tag = tags.reduce(join, FREE);
    return tag.kind === 'rows' && tag.axis === norm(attrNumber(n, 'axis'), n.outputs[0]!.type.shape.length)
      ? mixed(n)
      : tag;
  },
  broadcast_to: (n, tags) => broadcastRule(n, tags),
  one_hot: (_n, [t]) => t!,
  // gather(table, index): the output's axes are table[:axis] + index's axes + table[axis+1:].
  gather: (n, [table, index]) => {
    if (table!.kind !== 'free') return join(table!, mixed(n));
    return index!.kind === 'rows' ? rows(attrNumber(n, 'axis') + index!.axis) : index!;
  },
  take_along_axis: (n, tags) => {
    const tag = broadcastRule(n, tags);
    return tag.kind === 'rows' && tag.axis === norm(attrNumber(n, 'axis'), rank0(n)) ? mixed(n) : tag;
  },
};

/** Operand 0 loses its last axis (scores → one value per row); the other operands index its rows. */
function lastAxisRule(node: Node, [scores, ...rest]: readonly RowTag[]): RowTag {
  if (scores!.kind === 'rows' && scores!.axis === rank0(node) - 1) return mixed(node);
  return rest.reduce(join, scores!);
}

/**
 * C = op(A)·op(B) over the last two axes, leading axes broadcast: A's M axis is C's
 * axis r-2 and B's N axis C's axis r-1; a row axis that is contracted (K) mixes rows.
 */
function matmulRule(node: Node, [a, b]: readonly RowTag[]): RowTag {
  const r = node.outputs[0]!.type.shape.length;
  const place = (t: RowTag, operand: 0 | 1, transposed: boolean): RowTag => {
    if (t.kind !== 'rows') return t;
    const rank = node.inputs[operand]!.type.shape.length;
    if (t.axis < rank - 2) return rows(t.axis + (r - rank));
    // A is [.., M, K] (transposed [.., K, M]); B is [.., K, N] (transposed [.., N, K]).
    const kept = operand === 0 ? (transposed ? rank - 1 : rank - 2) : transposed ? rank - 2 : rank - 1;
    return t.axis === kept ? rows(operand === 0 ? r - 2 : r - 1) : mixed(node);
  };
  return join(place(a!, 0, node.attrs.transpose_a === true), place(b!, 1, node.attrs.transpose_b === true));
}

/** A reshape keeps a row axis k when the axes before it hold the same elements in and out. */
function reshapeRule(node: Node, t: RowTag): RowTag {
  if (t.kind !== 'rows') return t;
  const from = node.inputs[0]!.type.shape;
  const to = node.outputs[0]!.type.shape;
  const before = from.slice(0, t.axis).reduce((x, y) => x * y, 1);
  let prefix = 1;
  for (let k = 0; k < to.length; k++) {
    if (prefix === before && to[k] === from[t.axis]) return rows(k);
    prefix *= to[k]!;
  }
  return mixed(node);
}

/** The row rule of a node's op kind, for ops OP_RULES does not list. */
function kindRule(node: Node, tags: readonly RowTag[]): RowTag {
  const kind = getOp(node.op).kind;
  switch (kind) {
    case 'elementwise':
      return broadcastRule(node, tags);
    case 'random':
      // Draws per output element from a same-shape operand (a second one is the loop step).
      return broadcastRule(node, tags, Math.min(1, node.inputs.length));
    case 'reduction':
      return Array.isArray(node.attrs.axes)
        ? reduceRule(node, tags[0]!, node.attrs.axes as number[], node.attrs.keepdims === true)
        : anyRows(node, tags);
    case 'contraction':
    case 'movement':
    case 'control':
    case 'effect':
      return anyRows(node, tags);
    default: {
      const never: never = kind;
      throw new Error(`unknown op kind ${String(never)}`);
    }
  }
}

/** No rule: free operands give a free result; any batch operand mixes rows. */
function anyRows(node: Node, tags: readonly RowTag[]): RowTag {
  return tags.reduce<RowTag>((tag, t) => join(tag, t.kind === 'free' ? t : mixed(node)), FREE);
}

interface Walk {
  readonly tags: Map<Value, RowTag>;
  /** The first assign of batch-dependent values. */
  assign?: Node;
}

function tagOf(w: Walk, v: Value): RowTag {
  return w.tags.get(v) ?? FREE;
}

function walkGraph(w: Walk, graph: Graph): void {
  for (const node of graph.nodes) {
    const tags = node.inputs.map((v) => tagOf(w, v));
    if (node.regions && node.regions.length > 0) {
      walkLoop(w, node, tags);
      continue;
    }
    if (node.op === 'assign') {
      if (tags[0]!.kind !== 'free') w.assign ??= node;
      continue;
    }
    const rule = OP_RULES[node.op];
    const found = rule ? rule(node, tags) : kindRule(node, tags);
    // Two row axes meeting (join) mix rows at this node.
    const tag = found.kind === 'mixed' && !found.node ? mixed(node) : found;
    for (const out of node.outputs) w.tags.set(out, tag);
  }
}

/** repeat/scan: carries (and scan's emits) tagged to a fixpoint of the body. */
function walkLoop(w: Walk, node: Node, tags: readonly RowTag[]): void {
  const body = node.regions![0]!;
  const k = node.attrs.carries as number;
  const scan = node.op === 'scan';
  const offset = scan ? 1 : 0; // scan's body starts with the step index t
  if (node.op !== 'repeat' && !scan) {
    const tag = anyRows(node, tags);
    for (const out of node.outputs) w.tags.set(out, tag);
    return;
  }
  const carried = [...tags.slice(0, k)];
  // Tags only rise (free, rows, mixed), so this ends.
  for (;;) {
    body.args.forEach((arg, i) => {
      if (scan && i === 0) w.tags.set(arg.value, FREE);
      else w.tags.set(arg.value, i - offset < k ? carried[i - offset]! : tags[i - offset]!);
    });
    walkGraph(w, body);
    let changed = false;
    for (let c = 0; c < k; c++) {
      const next = join(carried[c]!, tagOf(w, body.results[c]!.value));
      if (!sameTag(next, carried[c]!)) changed = true;
      carried[c] = next.kind === 'mixed' && !next.node ? mixed(node) : next;
    }
    if (!changed) break;
  }
  node.outputs.forEach((out, i) => {
    if (i < k) return w.tags.set(out, carried[i]!);
    // A stacked emit: rank ≥ 1 emits get the step axis at 1 (ir/stack.ts).
    const t = tagOf(w, body.results[i]!.value);
    w.tags.set(out, t.kind === 'rows' ? rows(t.axis === 0 ? 0 : t.axis + 1) : t);
  });
}

/** Row tags of one entry's outputs and whether it may run on fewer rows; undefined: no batch input. */
export function batchRows(program: Program, entry: Entry): BatchRows | undefined {
  const declared = new Set(program.batchInputs ?? []);
  const inputs = entry.graph.args.filter((a) => a.kind === 'input' && declared.has(a.name));
  if (inputs.length === 0) return undefined;
  const size = inputs[0]!.value.type.shape[0]!;
  const w: Walk = { tags: new Map() };
  for (const a of inputs) w.tags.set(a.value, rows(0));
  walkGraph(w, entry.graph);
  const outputs: string[] = [];
  let fixed: BatchRows['fixed'];
  for (const r of entry.graph.results) {
    const t = tagOf(w, r.value);
    if (t.kind === 'rows' && t.axis === 0) outputs.push(r.name);
    else if (t.kind === 'rows') {
      fixed ??= {
        reason: `output '${r.name}' holds the rows on axis ${t.axis}, not 0`,
        ...(r.value.def ? { node: r.value.def } : {}),
      };
    } else if (t.kind === 'mixed')
      fixed ??= {
        reason: `output '${r.name}' combines rows of the batch`,
        ...(t.node ? { node: t.node } : {}),
      };
  }
  if (w.assign)
    fixed ??= {
      reason: `it writes '${String(w.assign.attrs.target)}' from the batch rows`,
      node: w.assign,
    };
  return {
    size,
    inputs: inputs.map((a) => a.name),
    outputs,
    ...(fixed ? { fixed } : {}),
  };
}

/** batchRows as the plan carries it (runtime/plan.ts PlanBatch), the node at fault as its span. */
export function planBatch(program: Program, entry: Entry): PlanBatch | undefined {
  const found = batchRows(program, entry);
  if (!found) return undefined;
  const { fixed, ...rest } = found;
  if (!fixed) return rest;
  const span = fixed.node?.span ?? entry.span;
  return {
    ...rest,
    fixed: { reason: fixed.reason, ...(span ? { span } : {}) },
  };
}
