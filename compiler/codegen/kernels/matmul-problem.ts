// What a matmul kernel computes, independent of how: C[..., M, N] = op(A) · op(B)
// with numpy-style broadcast batch dimensions, plus the pieces of WGSL every kernel
// family shares (batch offsets, names). What happens per output element after the
// K loop is the epilogue (matmul-epilogue.ts).

/** One batched matmul, shapes as stored in memory. */
export interface MatmulProblem {
  /** Leading (batch) dims of A and of B; broadcast against each other like numpy. */
  readonly batchA: readonly number[];
  readonly batchB: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A is stored [..., K, M] instead of [..., M, K]. */
  readonly transA: boolean;
  /** B is stored [..., N, K] instead of [..., K, N]. */
  readonly transB: boolean;
}

/** The broadcast batch dims of the output. */
export function outputBatch(p: MatmulProblem): number[] {
  const rank = Math.max(p.batchA.length, p.batchB.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const a = p.batchA[i - (rank - p.batchA.length)] ?? 1;
    const b = p.batchB[i - (rank - p.batchB.length)] ?? 1;
    out.push(Math.max(a, b));
  }
  return out;
}

export function batchCount(p: MatmulProblem): number {
  return outputBatch(p).reduce((x, y) => x * y, 1);
}

/** Element strides of each output batch dim in A's (or B's) storage; 0 where broadcast. */
function batchStrides(batch: readonly number[], rank: number, matrixSize: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let s = matrixSize;
  for (let i = batch.length - 1; i >= 0; i--) {
    const o = rank - batch.length + i;
    strides[o] = batch[i] === 1 ? 0 : s;
    s *= batch[i];
  }
  return strides;
}

/**
 * WGSL lines defining `aOff`, `bOff`, `cOff` (element offsets of this batch's
 * matrices) from the batch index `z`, with every stride baked in.
 */
export function emitBatchOffsets(p: MatmulProblem, z: string): string[] {
  const out = outputBatch(p);
  const sa = batchStrides(p.batchA, out.length, p.m * p.k);
  const sb = batchStrides(p.batchB, out.length, p.k * p.n);
  const total = batchCount(p);
  if (total === 1) return ['let aOff = 0u;', 'let bOff = 0u;', 'let cOff = 0u;'];
  const lines = [`var rest = ${z};`, 'var aOff = 0u;', 'var bOff = 0u;', `let cOff = ${z} * ${p.m * p.n}u;`];
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === 1) continue;
    lines.push(`{ let idx = rest % ${out[i]}u; rest = rest / ${out[i]}u;`);
    if (sa[i] !== 0) lines.push(`  aOff += idx * ${sa[i]}u;`);
    if (sb[i] !== 0) lines.push(`  bOff += idx * ${sb[i]}u;`);
    lines.push('}');
  }
  return lines;
}

export function matmulName(p: MatmulProblem, family: string): string {
  const batch = batchCount(p);
  const t = `${p.transA ? 't' : 'n'}${p.transB ? 't' : 'n'}`;
  return `matmul_${t}_${batch > 1 ? `${batch}x` : ''}${p.m}x${p.k}x${p.n}_${family}`;
}
