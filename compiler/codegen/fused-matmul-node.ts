// A `fused [pattern="matmul"]` body as one matmul kernel with an epilogue
// (compiler/codegen/kernels/matmul.ts's hook). The body, as
// compiler/passes/fuse-matmul.ts builds it: a plain 2-D matmul(a, b) → [M, N] and
// elementwise nodes whose outside operands broadcast against [M, N]; only the last
// value is returned. The epilogue evaluates the nodes as one WGSL expression per
// output element, reading each outside operand at (row, col).
import type { Graph, Node, Value } from '../ir/types';
import type { KernelContext } from '../ops/registry';
import { getOp } from '../ops/registry';
import type { FusedKernel } from './fused-kernel';
import { emitMatmulKernel, matmulProblem } from './kernels/matmul';
import type { EpilogueBinding, MatmulEpilogue } from './kernels/matmul';
import { loadExpr, storageType } from './wgsl/buffers';

/** Whether `v` broadcasts against the 2-D product (numpy rules, rank at most 2). */
export function broadcastsToMatrix(v: Value, product: Value): boolean {
  const shape = v.type.shape;
  const out = product.type.shape;
  if (shape.length > out.length) return false;
  const offset = out.length - shape.length;
  return shape.every((d, k) => d === 1 || d === out[k + offset]);
}

/** The u32 index into a tensor of `shape` broadcast against [M, N] at (row, col). */
function matrixIndex(shape: readonly number[], n: number, row: string, col: string): string {
  const full = [...Array<number>(2 - shape.length).fill(1), ...shape];
  const [r, c] = full;
  if (r === 1 && c === 1) return '0u';
  if (r === 1) return col;
  if (c === 1) return row;
  return `(${row}) * ${n}u + (${col})`;
}

export function emitFusedMatmul(body: Graph, name: string, ctx: Pick<KernelContext, 'family' | 'limits' | 'textures'>): FusedKernel {
  // Side nodes computing the epilogue's operands may come before the matmul.
  const matmuls = body.nodes.filter((node) => node.op === 'matmul');
  if (matmuls.length !== 1) throw new Error(`fused matmul body '${body.name}' holds ${matmuls.length} matmuls, not one`);
  const matmul = matmuls[0];
  const rest = body.nodes.filter((node) => node !== matmul);
  if (body.results.length !== 1) throw new Error(`fused matmul '${name}' must return exactly its last value`);
  const argIndex = (v: Value): number => {
    const k = body.args.findIndex((a) => a.value === v);
    if (k < 0) throw new Error(`fused matmul '${name}': %${v.id} is not a body argument`);
    return k;
  };
  const [a, b] = matmul.inputs;
  const product = matmul.outputs[0];
  const n = product.type.shape[1];
  // Every arg the epilogue reads is an epilogue binding, in arg order (a matmul
  // operand read again binds its buffer a second time, read-only).
  const epilogueReads = new Set(rest.flatMap((node) => node.inputs));
  const leaves = body.args.map((x) => x.value).filter((v) => epilogueReads.has(v));
  const bindings: EpilogueBinding[] = leaves.map((v, k) => ({ name: `e${k}`, dtype: storageType(v.type.dtype) as EpilogueBinding['dtype'] }));
  const defs = new Map<Value, Node>(rest.map((node) => [node.outputs[0], node]));
  const result = body.results[0].value;
  if (result.type.dtype !== 'f32') throw new Error(`fused matmul '${name}' must return an f32 value`);
  const epilogue: MatmulEpilogue = {
    bindings,
    expr: (acc, row, col) => {
      const exprOf = (v: Value): string => {
        if (v === product) return acc;
        const leaf = leaves.indexOf(v);
        if (leaf >= 0) return loadExpr(`e${leaf}`, matrixIndex(v.type.shape, n, row, col), v.type.dtype);
        const node = defs.get(v);
        if (!node) throw new Error(`fused matmul '${name}' reads %${v.id}, which it neither loads nor computes`);
        const def = getOp(node.op);
        if (!def.wgsl) throw new Error(`op '${node.op}' has no wgsl expression`);
        return `(${def.wgsl(node.inputs.map(exprOf), node.attrs, node.inputs.map((x) => x.type))})`;
      };
      return exprOf(result);
    },
  };
  const problem = matmulProblem(a.type, b.type, matmul.attrs.transpose_a === true, matmul.attrs.transpose_b === true);
  const spec = emitMatmulKernel(problem, ctx, { epilogue });
  return { spec: { ...spec, name: `${name}_${problem.m}x${problem.k}x${problem.n}` }, inputs: [argIndex(a), argIndex(b), ...leaves.map(argIndex)], outputs: [0] };
}
