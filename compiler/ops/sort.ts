// top_k: the k largest (or smallest) elements of each row along the last axis, in
// order, with their indices. `sort(x)` is top_k with k = n; other axes are moved
// last by the lowering. The order is total: NaN counts as the largest value and
// ties go to the lower index (a stable sort), so the reference and the kernel agree
// element for element. Differentiable through the values: each gradient element
// goes back to the position its value came from.
import type { TensorType } from '../ir/types';
import { numel } from '../ir/types';
import { emitTopKKernel } from '../codegen/kernels/top-k';
import { makeTensor, requireDtypes } from './broadcast';
import { defineOp, ShapeError } from './registry';

function checkTopK(x: TensorType, k: number): number {
  requireDtypes('top_k', [x], ['f32', 'i32', 'u32']);
  if (x.shape.length === 0) throw new ShapeError('top_k: needs a tensor of rank 1 or more, found a scalar', 0);
  const n = x.shape[x.shape.length - 1];
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new ShapeError(`top_k: k must be from 1 to ${n} (the size of its axis), found ${k}`, 0);
  return n;
}

/** Whether a (at ia) comes before b (at ib): larger (or smaller) first, NaN largest, ties to the lower index. */
function before(a: number, ia: number, b: number, ib: number, largest: boolean): boolean {
  if (Number.isNaN(a) !== Number.isNaN(b)) return largest ? Number.isNaN(a) : Number.isNaN(b);
  if (Number.isNaN(a) || a === b) return ia < ib;
  return largest ? a > b : a < b;
}

defineOp({
  name: 'top_k',
  kind: 'movement',
  doc: 'The k largest elements along the last axis, in order, and their i32 indices: `%1: f32[4,3], %2: i32[4,3] = top_k %0 [k=3, largest=true]`',
  arity: 1,
  attrs: {
    k: { type: 'int', doc: 'how many elements of each row' },
    largest: { type: 'bool', default: true, doc: 'the largest first (false: the smallest first)' },
  },
  infer([x], attrs) {
    checkTopK(x, attrs.k as number);
    const shape = [...x.shape.slice(0, -1), attrs.k as number];
    return [
      { dtype: x.dtype, shape },
      { dtype: 'i32', shape: [...shape] },
    ];
  },
  // dx = scatter of g to the flat positions row·n + index: a sum over the rows' k slots.
  grad(b, node, [g]) {
    const x = node.inputs[0].type;
    if (!g || x.dtype !== 'f32') return [null];
    const k = node.attrs.k as number;
    const n = x.shape[x.shape.length - 1];
    const rows = numel(x.shape) / n;
    const rowStart = b.op('mul', [
      b.op('iota', [], { shape: [rows, k], axis: 0 }),
      b.constant(n, { dtype: 'i32', shape: [] }),
    ]);
    const at = b.op('add', [rowStart, b.op('reshape', [node.outputs[1]], { shape: [rows, k] })]);
    const flat = b.op(
      'scatter_add',
      [
        b.constant(0, { dtype: 'f32', shape: [rows * n] }),
        b.op('reshape', [at], { shape: [rows * k] }),
        b.op('reshape', [g], { shape: [rows * k] }),
      ],
      { axis: 0 },
    );
    return [b.op('reshape', [flat], { shape: [...x.shape] })];
  },
  reference([x], attrs) {
    const k = attrs.k as number;
    const largest = attrs.largest as boolean;
    const n = checkTopK(x.type, k);
    const shape = [...x.type.shape.slice(0, -1), k];
    const values = makeTensor({ dtype: x.type.dtype, shape });
    const indices = makeTensor({ dtype: 'i32', shape: [...shape] });
    for (let r = 0; r < x.data.length / n; r++) {
      const row = Array.from({ length: n }, (_, j) => j);
      const v = (j: number) => x.data[r * n + j];
      row.sort((i, j) => (before(v(i), i, v(j), j, largest) ? -1 : before(v(j), j, v(i), i, largest) ? 1 : 0));
      for (let s = 0; s < k; s++) {
        values.data[r * k + s] = v(row[s]);
        indices.data[r * k + s] = row[s];
      }
    }
    return [values, indices];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    return [emitTopKKernel(x.dtype, x.shape, node.attrs.k as number, node.attrs.largest as boolean)];
  },
});
