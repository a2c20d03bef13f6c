// matmul: C = op(A)·op(B) over the last two dims, where op transposes when
// `transpose_a` / `transpose_b` is set, and the leading (batch) dims broadcast like
// numpy's matmul. Its gradient is matmul again with the transposes rearranged, so it
// can be differentiated any number of times.
import type { Attrs, TensorType, Value } from '../ir/types';
import { numel } from '../ir/types';
import { emitMatmulKernel, matmulProblem } from '../codegen/kernels/matmul';
import { broadcastIndexMap } from './broadcast';
import type { GradBuilder, Tensor } from './registry';
import { defineOp, ShapeError } from './registry';

function shapeText(t: TensorType): string {
  return `[${t.shape.join(',')}]`;
}

function flags(attrs: Attrs): { ta: boolean; tb: boolean } {
  return { ta: attrs.transpose_a === true, tb: attrs.transpose_b === true };
}

/** The broadcast of two batch shapes, or a ShapeError naming both operands. */
function broadcastBatch(a: TensorType, b: TensorType): number[] {
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = ba[i - (rank - ba.length)] ?? 1;
    const y = bb[i - (rank - bb.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new ShapeError(
        `matmul: batch dimensions [${ba.join(',')}] and [${bb.join(',')}] cannot be broadcast together: ${shapeText(a)} @ ${shapeText(b)}`,
        1,
      );
    }
    out.push(Math.max(x, y));
  }
  return out;
}

function inferMatmul(inputs: readonly TensorType[], attrs: Attrs): TensorType[] {
  const [a, b] = inputs;
  inputs.forEach((t, i) => {
    if (t.dtype !== 'f32')
      throw new ShapeError(`matmul: operand ${i + 1} is ${t.dtype}${shapeText(t)}, expected f32`, i);
    if (t.shape.length < 2)
      throw new ShapeError(`matmul: operand ${i + 1} has shape ${shapeText(t)}, expected rank 2 or more`, i);
  });
  const { ta, tb } = flags(attrs);
  const p = matmulProblem(a, b, ta, tb);
  const kB = tb ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  if (p.k !== kB) {
    const note = ta || tb ? ` (${[ta && 'transpose_a', tb && 'transpose_b'].filter(Boolean).join(', ')})` : '';
    throw new ShapeError(`matmul: inner dimensions differ: ${shapeText(a)} @ ${shapeText(b)}${note}`, 1);
  }
  return [{ dtype: 'f32', shape: [...broadcastBatch(a, b), p.m, p.n] }];
}

/** Float64 C = op(A)·op(B), batch by batch. */
function referenceMatmul(inputs: readonly Tensor[], attrs: Attrs): Tensor[] {
  const [A, B] = inputs;
  const { ta, tb } = flags(attrs);
  const [type] = inferMatmul([A.type, B.type], attrs);
  const { m: M, n: N, k: K } = matmulProblem(A.type, B.type, ta, tb);
  const batch = type.shape.slice(0, -2);
  // Broadcast batch index → batch index of each operand, via a map over the batch dims.
  const aMap = broadcastIndexMap(A.type.shape.slice(0, -2), batch);
  const bMap = broadcastIndexMap(B.type.shape.slice(0, -2), batch);
  const out = new Float64Array(numel(type.shape));
  const [a, b] = [A.data, B.data];
  for (let z = 0; z < aMap.length; z++) {
    const ao = aMap[z] * M * K;
    const bo = bMap[z] * K * N;
    const co = z * M * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ao + (ta ? k * M + i : i * K + k)] * b[bo + (tb ? j * K + k : k * N + j)];
        out[co + i * N + j] = s;
      }
    }
  }
  return [{ type, data: out }];
}

const mm = (b: GradBuilder, x: Value, y: Value, ta: boolean, tb: boolean): Value =>
  b.op('matmul', [x, y], { transpose_a: ta, transpose_b: tb });

export const matmul = defineOp({
  name: 'matmul',
  kind: 'contraction',
  doc: 'Batched matrix product over the last two dims, batch dims broadcast: `%2: f32[128,512] = matmul %0, %1 [transpose_b=false]`',
  arity: 2,
  attrs: {
    transpose_a: { type: 'bool', default: false, doc: 'use A transposed (its last two dims swapped)' },
    transpose_b: { type: 'bool', default: false, doc: 'use B transposed (its last two dims swapped)' },
  },
  infer: inferMatmul,
  // With G = dC: for C = A·B, dA = G·Bᵀ and dB = Aᵀ·G; the stored (transposed)
  // operands take the transpose of those, rewritten so no explicit transpose is needed.
  grad(b, node, [g]) {
    if (!g) return [null, null];
    const [x, y] = node.inputs;
    const { ta, tb } = flags(node.attrs);
    let dx: Value;
    let dy: Value;
    if (!ta && !tb) {
      dx = mm(b, g, y, false, true); // G·Bᵀ
      dy = mm(b, x, g, true, false); // Aᵀ·G
    } else if (ta && !tb) {
      dx = mm(b, y, g, false, true); // (G·Bᵀ)ᵀ = B·Gᵀ
      dy = mm(b, x, g, false, false); // (a stored as Aᵀ) · G
    } else if (!ta && tb) {
      dx = mm(b, g, y, false, false); // G·(Bᵀ)ᵀ
      dy = mm(b, g, x, true, false); // (Aᵀ·G)ᵀ = Gᵀ·A
    } else {
      dx = mm(b, y, g, true, true); // (G·B)ᵀ = Bᵀ·Gᵀ with B stored transposed
      dy = mm(b, g, x, true, true); // (A·G)ᵀ = Gᵀ·Aᵀ with A stored transposed
    }
    return [b.unbroadcast(dx, x.type), b.unbroadcast(dy, y.type)];
  },
  reference: referenceMatmul,
  kernel(node, ctx) {
    const [a, b] = node.inputs;
    const { ta, tb } = flags(node.attrs);
    return [emitMatmulKernel(matmulProblem(a.type, b.type, ta, tb), ctx)];
  },
});
