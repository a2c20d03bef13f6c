// The dynamic batch axis. dlc's IR has static shapes (the `batch` hyperparameter is
// bound when lowering), so the exporter lowers the model twice, at batch b and 2b,
// and compares the two graphs node by node:
//   1. a dimension equal in both is static;
//   2. one that is k·b in the first and k·2b in the second is k·N, N the batch
//      fed at run time (ONNX dim_param "N", or "kN");
//   3. anything else depends on the batch in a way ONNX shapes cannot say, and is
//      refused at the node that has it.
// Shape attributes (reshape, broadcast_to, constant) get the same treatment and
// become shape tensors computed from N in the exported graph.

/** A dimension: static, or k times the batch. */
export type BatchDim = { readonly fixed: number } | { readonly perBatch: number };

export function classifyDim(a: number, b: number, batch: number): BatchDim | null {
  if (a === b) return { fixed: a };
  const k = a / batch;
  if (Number.isInteger(k) && k > 0 && b === 2 * a) return { perBatch: k };
  return null;
}

/** Dims of the same tensor (or shape attribute) in the two lowerings; null if any cannot be expressed. */
export function classifyDims(a: readonly number[], b: readonly number[], batch: number): BatchDim[] | null {
  if (a.length !== b.length) return null;
  const out: BatchDim[] = [];
  for (let i = 0; i < a.length; i++) {
    const d = classifyDim(a[i]!, b[i]!, batch);
    if (d === null) return null;
    out.push(d);
  }
  return out;
}

/** The symbolic name ONNX shows for a batch-sized dimension. */
export function dimParam(k: number): string {
  return k === 1 ? 'N' : `${k}N`;
}
