// Sparse row updates: a param that a train entry reads only through `gather` along
// its first axis (an embedding table) gets its gradient as rows — the gathered ids
// and the gradients of the gathered rows — and the optimizer updates only those
// rows, instead of a whole-table gradient (a scatter_add into zeros per gather) and
// a whole-table update. Steps:
//   1. gatherReads: the param's readers, if every one is such a gather;
//   2. sparseChoice: whether the update of that param is sparse, from the mode
//      (`--sparse-updates`, LowerOptions.sparseUpdates) and its optimizer options;
//   3. the backward pass gives the gradients of the gathers' outputs (not of the param);
//   4. rowGradient: the ids joined, the row gradients joined, and the rows of equal
//      ids summed into the last of them (sum_duplicate_rows), in the dense order;
//   5. applyOptimizer runs the rule on the gathered rows and its slots' rows
//      (OptimizerContext.rowView) and scatters the new rows into the param and slots.
// Modes:
//   exact (default) — sparse where the update leaves a row with a zero gradient as it
//     is, so the result is the dense one bit for bit: plain SGD and AdaGrad, with no
//     weight_decay, l1, max_norm or clip_norm in force;
//   lazy — sparse for every rule but vsgd: momentum, RMSprop and Adam then leave the
//     slots and weights of rows not gathered in a step as they are (PyTorch's
//     SparseAdam, TF's LazyAdam and sparse momentum), where the dense rule would decay
//     the slots and keep moving the row; weight_decay, l1 and max_norm are refused;
//   off — every update dense.
import type { GraphBuilder } from '../ir/builder';
import type { Node, Value } from '../ir/types';
import { numel } from '../ir/types';
import type { OptionValue } from './context';

export const SPARSE_UPDATE_MODES = ['exact', 'lazy', 'off'] as const;
export type SparseUpdates = (typeof SPARSE_UPDATE_MODES)[number];
export const DEFAULT_SPARSE_UPDATES: SparseUpdates = 'exact';

/** Options that move rows no gather touched: a sparse update cannot apply them. */
export const ROW_WIDE_OPTIONS: readonly string[] = ['weight_decay', 'l1', 'max_norm'];

/** Step 1: the gathers along axis 0 that are all of `param`'s readers among `nodes`; null if another node reads it. */
export function gatherReads(nodes: readonly Node[], param: Value): Node[] | null {
  const readers = nodes.filter((n) => n.inputs.includes(param));
  const rank = param.type.shape.length;
  const rowGather = (n: Node): boolean =>
    n.op === 'gather' &&
    n.inputs[0] === param &&
    n.inputs[1] !== param &&
    ((n.attrs.axis as number | undefined) ?? 0) % rank === 0;
  return readers.length > 0 && readers.every(rowGather) ? readers : null;
}

/** Whether the rule leaves a row whose gradient is zero exactly as it is (so sparse = dense). */
function exactWhenSparse(rule: string, options: Readonly<Record<string, OptionValue>>): boolean {
  if (rule === 'sgd') return options.momentum === 0 && options.nesterov !== true;
  // a ← a + 0, w ← w − lr·0 / (√a + ε): unchanged (for ε > 0; ε = 0 makes an untouched zero row 0/0 densely).
  return rule === 'adagrad';
}

const inForce = (options: Readonly<Record<string, OptionValue>>, o: string): boolean =>
  o in options && options[o] !== 0;

/**
 * Step 2, for one param of `rule` with its group's `options` (defaults filled in):
 * 'sparse', 'dense', or why the lazy mode refuses it.
 */
export function sparseChoice(
  mode: SparseUpdates,
  rule: string,
  options: Readonly<Record<string, OptionValue>>,
): 'sparse' | 'dense' | { readonly refuse: string } {
  if (mode === 'off') return 'dense';
  const moving = [...ROW_WIDE_OPTIONS, 'clip_norm'].filter((o) => inForce(options, o));
  if (mode === 'exact') return moving.length === 0 && exactWhenSparse(rule, options) ? 'sparse' : 'dense';
  if (rule === 'vsgd') return { refuse: 'vsgd has no sparse form' };
  const refused = moving.find((o) => o !== 'clip_norm');
  if (refused) return { refuse: `${refused} moves rows that no gather reads` };
  return 'sparse';
}

export interface RowGradient {
  /** The gathered ids, joined: i32[N]. */
  readonly rows: Value;
  /** Their gradients, summed per id into its last position: [N, …row shape]. */
  readonly grad: Value;
}

/**
 * Step 4: from the gathers of `table` and the gradients of their outputs (null
 * where none reaches the loss), the row gradient, or null when no gather has one.
 * The parts go in the order the backward pass adds the gathers' whole-table
 * gradients (the last gather's first), so the sums round as the dense ones do.
 */
export function rowGradient(
  b: GraphBuilder,
  table: Value,
  gathers: readonly Node[],
  grads: readonly (Value | null)[],
): RowGradient | null {
  const row = table.type.shape.slice(1);
  const parts = gathers
    .map((n, k) => ({ ids: n.inputs[1], grad: grads[k] }))
    .filter((p): p is { ids: Value; grad: Value } => p.grad !== null)
    .reverse();
  if (parts.length === 0) return null;
  const flat = parts.map((p) => {
    const n = numel(p.ids.type.shape);
    const ids = b.op('reshape', [p.ids], { shape: [n] });
    return {
      n,
      ids: p.ids.type.dtype === 'i32' ? ids : b.op('cast', [ids], { to: 'i32' }),
      grad: b.op('reshape', [p.grad], { shape: [n, ...row] }),
    };
  });
  const join = (vs: Value[]): Value => (vs.length === 1 ? vs[0] : b.op('concat', vs, { axis: 0 }));
  const rows = join(flat.map((f) => f.ids));
  const joined = join(flat.map((f) => f.grad));
  const grad = b.op('sum_duplicate_rows', [rows, joined], { parts: flat.map((f) => f.n) });
  return { rows, grad };
}
