// sum_duplicate_rows: the gradient of a param read only through `gather`, as row
// gradients summed per distinct row (compiler/optim/sparse.ts). Given the gathers'
// ids one after another (`parts` gives how many each gather has) and their row
// gradients, row i of the result holds the sum of the rows whose id is ids[i] when i
// is the last position of that id (the one a `scatter` of the result keeps), and
// zeros elsewhere. The sum order is the dense gradient's: each part summed in
// increasing position from zero (scatter_add into its zero table), the parts' sums
// added in part order (the backward pass adding the gathers' gradients), so an
// update computed from it equals the dense one bit for bit.
import type { Attrs, TensorType } from '../ir/types';
import { numel, typeToString } from '../ir/types';
import { emitSumDuplicateRowsKernel, MAX_SUMMED_IDS } from '../codegen/kernels/sparse-rows';
import { makeTensor, requireDtypes } from './broadcast';
import { defineOp, ShapeError } from './registry';

function checkParts(ids: TensorType, rows: TensorType, attrs: Attrs): number[] {
  requireDtypes('sum_duplicate_rows', [ids, rows], ['i32', 'u32'], [0]);
  requireDtypes('sum_duplicate_rows', [ids, rows], ['f32'], [1]);
  const n = ids.shape[0];
  if (ids.shape.length !== 1 || rows.shape.length < 1 || rows.shape[0] !== n)
    throw new ShapeError(
      `sum_duplicate_rows: ids ${typeToString(ids)} must be one row id per row of ${typeToString(rows)}`,
    );
  if (n > MAX_SUMMED_IDS) throw new ShapeError(`sum_duplicate_rows: ${n} ids, more than ${MAX_SUMMED_IDS}`);
  const parts = (attrs.parts as readonly number[] | undefined) ?? [n];
  if (parts.some((p) => !Number.isInteger(p) || p < 1) || parts.reduce((a, p) => a + p, 0) !== n)
    throw new ShapeError(`sum_duplicate_rows: parts [${parts.join(', ')}] must be positive and add up to ${n}`);
  return [...parts];
}

defineOp({
  name: 'sum_duplicate_rows',
  kind: 'movement',
  doc: 'rows with equal ids summed into the last of them, zeros elsewhere (sparse gradients): `%4: f32[768,128] = sum_duplicate_rows %2, %3 [parts=[640,128]]`',
  arity: 2,
  attrs: { parts: { type: 'ints', default: [], doc: 'ids per gather, in the order their gradients add' } },
  infer([ids, rows], attrs) {
    checkParts(ids, rows, (attrs.parts as number[]).length ? attrs : {});
    return [rows];
  },
  reference([ids, rows], attrs) {
    const parts = checkParts(ids.type, rows.type, (attrs.parts as number[]).length ? attrs : {});
    const n = ids.type.shape[0];
    const post = numel(rows.type.shape.slice(1));
    const segment = parts.flatMap((p, k) => Array<number>(p).fill(k));
    const out = makeTensor(rows.type);
    for (let i = 0; i < n; i++) {
      const same = [...ids.data.keys()].filter((j) => ids.data[j] === ids.data[i]);
      if (same[same.length - 1] !== i) continue;
      for (let c = 0; c < post; c++) {
        const sums = parts.map(() => 0);
        for (const j of same) sums[segment[j]] += rows.data[j * post + c];
        out.data[i * post + c] = sums.reduce((a, s) => a + s, 0);
      }
    }
    return [out];
  },
  kernel(node) {
    const [ids, rows] = node.inputs;
    const parts = (node.attrs.parts as number[]).length ? (node.attrs.parts as number[]) : [ids.type.shape[0]];
    return [emitSumDuplicateRowsKernel(ids.type, rows.type, parts)];
  },
});
