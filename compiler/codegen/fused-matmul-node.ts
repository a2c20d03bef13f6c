// A `fused [pattern="matmul"]` body as one matmul kernel with an epilogue
// (compiler/codegen/kernels/matmul.ts's hook). The body, as
// compiler/passes/fuse-matmul.ts builds it, in order:
//   matmul(a, b) → [add(·, bias)] → [activation(·)]
// on a plain 2-D product [M, N], the bias holding one value per column ([N] or
// [1, N]). Only the last value is returned.
import type { Graph, Node, Value } from '../ir/types';
import type { KernelContext } from '../ops/registry';
import { getOp } from '../ops/registry';
import { isActivation } from './fused-conv-node';
import type { FusedKernel } from './fused-kernel';
import { emitMatmulKernel, matmulProblem } from './kernels/matmul';
import type { MatmulEpilogue } from './kernels/matmul';

export interface MatmulChain {
  readonly matmul: Node;
  readonly add?: Node;
  readonly bias?: Value;
  readonly act?: Node;
}

/** Whether `v` broadcast against the 2-D product [M, N] varies along the columns only. */
export function isColumnBias(v: Value, product: Value): boolean {
  const shape = v.type.shape;
  const n = product.type.shape[product.type.shape.length - 1];
  if (v.type.dtype !== 'f32' || product.type.shape.length !== 2) return false;
  return (shape.length === 1 && shape[0] === n) || (shape.length === 2 && shape[0] === 1 && shape[1] === n);
}

export function readMatmulChain(body: Graph): MatmulChain {
  const [matmul, ...rest] = body.nodes;
  if (!matmul || matmul.op !== 'matmul') throw new Error(`fused matmul body '${body.name}' does not start with matmul`);
  let v = matmul.outputs[0];
  let add: Node | undefined;
  let bias: Value | undefined;
  let act: Node | undefined;
  for (const n of rest) {
    if (n.op === 'add' && !add && !act && n.inputs.includes(v)) {
      add = n;
      bias = n.inputs[0] === v ? n.inputs[1] : n.inputs[0];
    } else if (!act && isActivation(n) && n.inputs[0] === v) act = n;
    else throw new Error(`fused matmul body '${body.name}': unexpected ${n.op} %${n.id}`);
    v = n.outputs[0];
  }
  return { matmul, add, bias, act };
}

export function emitFusedMatmul(body: Graph, name: string, ctx: Pick<KernelContext, 'family' | 'limits'>): FusedKernel {
  const chain = readMatmulChain(body);
  const argIndex = (v: Value): number => {
    const k = body.args.findIndex((a) => a.value === v);
    if (k < 0) throw new Error(`fused matmul '${name}': %${v.id} is not a body argument`);
    return k;
  };
  const [a, b] = chain.matmul.inputs;
  const inputs = [argIndex(a), argIndex(b)];
  if (chain.bias) inputs.push(argIndex(chain.bias));
  if (body.results.length !== 1) throw new Error(`fused matmul '${name}' must return exactly its last value`);
  const act = chain.act;
  const actWgsl = act ? getOp(act.op).wgsl! : undefined;
  const f32 = { dtype: 'f32' as const, shape: [] };
  const epilogue: MatmulEpilogue = {
    bindings: chain.bias ? [{ name: 'bias', dtype: 'f32' }] : [],
    expr: (acc, _row, col) => {
      const v = chain.bias ? `(${acc} + bias[${col}])` : acc;
      return act && actWgsl ? actWgsl([v], act.attrs, [f32]) : v;
    },
  };
  const problem = matmulProblem(a.type, b.type, chain.matmul.attrs.transpose_a === true, chain.matmul.attrs.transpose_b === true);
  const spec = emitMatmulKernel(problem, ctx, { epilogue });
  return { spec: { ...spec, name: `${name}_${problem.m}x${problem.k}x${problem.n}` }, inputs, outputs: [0] };
}
