// Which integer inputs of an entry are used as indices, and the range their values
// must lie in. The index ops read an out-of-range index as zero (gather, one_hot,
// take_along_axis), write nothing for it (scatter, scatter_add) or give NaN
// (cross_entropy): a dataset whose ids run past the model's table would train
// something else without a word. The runtime checks every call's integer inputs
// against these ranges (runtime/executor/io.ts) and `dlc train` checks the whole
// dataset before the first step, naming the .dl line of the use.
//
// Algorithm (one forward walk per graph):
//   1. Each entry input of dtype i32/u32 is its own origin.
//   2. Ops that only move elements (reshape, slice, concat, ...) pass their operands'
//      origins to their outputs; any other op ends the trace (an id computed from the
//      input, `ids + 1`, is not the input's value and is not checked).
//   3. Region bodies: a captured operand's origins reach the body argument it binds;
//      loop-carried arguments change from step to step and are not traced; a fused
//      group's outputs take their body results' origins.
//   4. An index operand of an op in INDEX_OPERANDS with origins gives each of them
//      the bound [0, size); an input used several ways keeps the smallest size.
import type { Entry, Program } from './program';
import type { Arg, Graph, Node, Value } from './types';
import type { PlanIndexRange } from '../../runtime/plan';

/** For an index-taking op: which operand holds indices, and how many valid values there are. */
interface IndexOperand {
  readonly operand: number;
  readonly size: number;
  /** What the index picks, for messages: "a row of 'emb'". */
  readonly what: string;
  /** Whether `what` names the indexed tensor. */
  readonly named: boolean;
}

const axisOf = (node: Node, rank: number): number => {
  const axis = (node.attrs.axis as number | undefined) ?? 0;
  return axis < 0 ? axis + rank : axis;
};
const lastDim = (v: Value): number => v.type.shape[v.type.shape.length - 1] ?? 1;

/** Indexed entries along an axis: gather(table, ids), scatter(target, ids, updates), ... `name`: the table's. */
function alongAxis(node: Node, name: string | undefined): IndexOperand[] {
  const table = node.inputs[0]!;
  const axis = axisOf(node, table.type.shape.length);
  const size = table.type.shape[axis] ?? 1;
  const of = name !== undefined ? ` of '${name}'` : '';
  const what = axis === 0 ? `a row${of}` : `an entry along axis ${axis}${of}`;
  return [{ operand: 1, size, what, named: name !== undefined }];
}

const classOf =
  (op: string) =>
  (node: Node): IndexOperand[] => {
    const classes = lastDim(node.inputs[0]!);
    return [{ operand: 1, size: classes, what: `one of the ${classes} classes of ${op}`, named: true }];
  };

const INDEX_OPERANDS: Readonly<Record<string, (node: Node, tableName: string | undefined) => IndexOperand[]>> = {
  gather: alongAxis,
  scatter: alongAxis,
  scatter_add: alongAxis,
  take_along_axis: alongAxis,
  cross_entropy: classOf('cross_entropy'),
  ranking_hinge: classOf('ranking_hinge'),
  one_hot: (node) => {
    const depth = node.attrs.depth as number;
    return [{ operand: 0, size: depth, what: `one of the ${depth} positions of one_hot`, named: true }];
  },
};

/** Ops whose outputs hold only elements of these operands (indices into node.inputs). */
const MOVES: Readonly<Record<string, (node: Node) => readonly number[]>> = {
  reshape: () => [0],
  transpose: () => [0],
  broadcast_to: () => [0],
  slice: () => [0],
  pad: () => [0],
  concat: (node) => node.inputs.map((_, i) => i),
  stack_get: () => [0],
  stop_gradient: () => [0],
};

/** The first body argument a region op's operand i binds (scan's body starts with the step index). */
const REGION_ARG_OFFSET: Readonly<Record<string, number>> = { repeat: 0, scan: 1, fused: 0 };

interface Walk {
  /** The entry inputs whose elements a value holds. */
  readonly origins: Map<Value, ReadonlySet<string>>;
  /** What the user calls a value: a region body's argument by the operand it binds. */
  readonly names: Map<Value, string>;
  readonly found: Map<string, { readonly range: PlanIndexRange; readonly named: boolean }>;
}

function walk(graph: Graph, w: Walk): void {
  const from = (v: Value): ReadonlySet<string> => w.origins.get(v) ?? new Set();
  const nameOf = (v: Value): string | undefined => w.names.get(v) ?? v.name;
  for (const node of graph.nodes) {
    for (const use of INDEX_OPERANDS[node.op]?.(node, nameOf(node.inputs[0]!)) ?? []) {
      for (const input of from(node.inputs[use.operand]!)) {
        const known = w.found.get(input);
        // The smallest size wins; at a tie, the first use that names what it indexes.
        const keep =
          known && (known.range.size < use.size || (known.range.size === use.size && (known.named || !use.named)));
        if (keep) continue;
        const range = { input, size: use.size, use: use.what, ...(node.span ? { span: node.span } : {}) };
        w.found.set(input, { range, named: use.named });
      }
    }
    const moved = MOVES[node.op]?.(node);
    if (moved !== undefined) {
      const union = new Set(moved.flatMap((i) => [...from(node.inputs[i]!)]));
      if (union.size > 0) for (const out of node.outputs) w.origins.set(out, union);
    }
    const offset = REGION_ARG_OFFSET[node.op];
    if (offset !== undefined && node.regions !== undefined) {
      const carries = (node.attrs.carries as number | undefined) ?? 0;
      for (const body of node.regions) {
        node.inputs.forEach((operand, i) => {
          const arg = body.args[offset + i];
          if (arg === undefined) return;
          const name = nameOf(operand);
          if (name !== undefined) w.names.set(arg.value, name);
          if (i >= carries && w.origins.has(operand)) w.origins.set(arg.value, from(operand));
        });
        walk(body, w);
      }
      // A fused group's outputs are its body's results.
      if (node.op === 'fused')
        node.regions[0]?.results.forEach((r, i) => {
          const out = node.outputs[i];
          if (out !== undefined && w.origins.has(r.value)) w.origins.set(out, from(r.value));
        });
    }
  }
}

/** The index ranges of an entry's integer inputs, in input order; empty when none is used as an index. */
export function entryIndexRanges(entry: Entry): PlanIndexRange[] {
  const w: Walk = { origins: new Map(), names: new Map(), found: new Map() };
  const isInt = (a: Arg): boolean => a.value.type.dtype === 'i32' || a.value.type.dtype === 'u32';
  const inputs = entry.graph.args.filter((a) => a.kind === 'input' && isInt(a));
  for (const arg of inputs) w.origins.set(arg.value, new Set([arg.name]));
  walk(entry.graph, w);
  return inputs.flatMap((a) => w.found.get(a.name)?.range ?? []);
}

/** entryIndexRanges for every entry of a program, by entry name. */
export function programIndexRanges(program: Program): ReadonlyMap<string, PlanIndexRange[]> {
  return new Map(program.entries.map((e) => [e.name, entryIndexRanges(e)]));
}
