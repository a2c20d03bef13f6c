// A `fused [pattern="matmul"]` body as one matmul kernel with an epilogue
// (compiler/codegen/kernels/matmul.ts's hook). The body, as
// compiler/passes/fuse-matmul.ts builds it: a plain 2-D matmul(a, b) → [M, N] and
// elementwise nodes (and random draws like bernoulli, keyed by the element's index)
// whose outside operands broadcast against [M, N]; it returns one
// or more [M, N] values (an optimizer's new velocity and new weights). The epilogue
// evaluates the nodes per output element, reading each outside operand at
// (row, col), and stores every result.
//
// A result may be written in place over one of the body's [M, N] operands (the
// planner does this for `W <- W - lr·v` when nothing else reads the old W): that
// operand is then no input binding but the output's own read_write binding, read at
// each element before the new value is stored there.
import type { Graph, Node, Value } from '../ir/types';
import type { KernelContext } from './kernel-spec';
import { getOp } from '../ops/registry';
import type { InPlaceOutputs } from './elementwise';
import type { FusedKernel } from './fused-kernel';
import { emitMatmulKernel, matmulProblem } from './kernels/matmul';
import type { EpilogueLayout, EpilogueOperand, MatmulEpilogue } from './kernels/matmul';
import { philoxDrawWgsl } from './wgsl/philox';
import { broadcastsToMatrix } from '../ops/fusion-rules';

/** How an operand of `shape`, broadcast against [M, N], is indexed: a whole matrix first, then a row or column vector, then a single value. */
function layoutOf(shape: readonly number[], m: number, n: number): EpilogueLayout {
  const [r, c] = [...Array<number>(2 - shape.length).fill(1), ...shape];
  if (r === m && c === n) return 'matrix';
  if (r === 1 && c === 1) return 'scalar';
  return r === 1 ? 'col' : 'row';
}

/**
 * The kernel of a fused matmul body. `inPlace` maps a result index to the body
 * argument whose buffer that result overwrites: an f32 [M, N] operand the
 * elementwise nodes read (not the matmul).
 */
export function emitFusedMatmul(
  body: Graph,
  name: string,
  ctx: Pick<KernelContext, 'family' | 'limits' | 'textures'>,
  inPlace: InPlaceOutputs = new Map(),
): FusedKernel {
  // Side nodes computing the epilogue's operands may come before the matmul.
  const matmuls = body.nodes.filter((node) => node.op === 'matmul');
  if (matmuls.length !== 1)
    throw new Error(`fused matmul body '${body.name}' holds ${matmuls.length} matmuls, not one`);
  const matmul = matmuls[0];
  const rest = body.nodes.filter((node) => node !== matmul);
  const argIndex = (v: Value): number => {
    const k = body.args.findIndex((a) => a.value === v);
    if (k < 0) throw new Error(`fused matmul '${name}': %${v.id} is not a body argument`);
    return k;
  };
  const [a, b] = matmul.inputs;
  const product = matmul.outputs[0];
  const [m, n] = product.type.shape;
  const results = body.results.map((r) => r.value);
  for (const r of results) {
    if (r.type.dtype !== 'f32' || r.type.shape.length !== 2 || r.type.shape[0] !== m || r.type.shape[1] !== n) {
      throw new Error(`fused matmul '${name}' must return f32 [${m}, ${n}] values`);
    }
  }
  // Outputs: `c` first, then c1, c2...; an in-place one reads its old value by its own name.
  const outputNames = results.map((_, j) => (j === 0 ? 'c' : `c${j}`));
  const inPlaceArg = new Map<Value, string>();
  for (const [j, arg] of inPlace) {
    const v = body.args[arg]?.value;
    if (!v || j >= results.length)
      throw new Error(`fused matmul '${name}': in-place result ${j} over argument ${arg} does not exist`);
    if (
      v === a ||
      v === b ||
      layoutOf(v.type.shape, m, n) !== 'matrix' ||
      v.type.shape.length !== 2 ||
      v.type.dtype !== 'f32'
    ) {
      throw new Error(
        `fused matmul '${name}': argument ${arg} cannot be overwritten in place (it must be an f32 [${m}, ${n}] epilogue operand)`,
      );
    }
    inPlaceArg.set(v, outputNames[j]);
  }
  // Every other arg the epilogue reads is an input binding, in arg order (a matmul
  // operand read again binds its buffer a second time, read-only).
  const epilogueReads = new Set(rest.flatMap((node) => node.inputs));
  const leaves = body.args.map((x) => x.value).filter((v) => epilogueReads.has(v) && !inPlaceArg.has(v));
  const inputs: EpilogueOperand[] = leaves.map((v, k) => ({
    name: `e${k}`,
    dtype: v.type.dtype,
    layout: layoutOf(v.type.shape, m, n),
  }));
  const operandName = new Map<Value, string>([...leaves.map((v, k) => [v, `e${k}`] as const), ...inPlaceArg]);
  const defs = new Map<Value, Node>(rest.map((node) => [node.outputs[0], node]));
  // Values read more than once (the new velocity, stored and used for the weights) get a `let`.
  const uses = new Map<Value, number>();
  for (const node of rest) for (const v of node.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const v of results) uses.set(v, (uses.get(v) ?? 0) + 1);
  const epilogue: MatmulEpilogue = {
    inputs,
    outputs: outputNames.map((o, j) => ({ name: o, ...(inPlace.has(j) ? { inPlace: true } : {}) })),
    values: (acc, valueOf, prefix, element) => {
      const lets: string[] = [];
      const named = new Map<Value, string>();
      const exprOf = (v: Value): string => {
        if (v === product) return acc;
        const operand = operandName.get(v);
        if (operand !== undefined) return valueOf(operand);
        const known = named.get(v);
        if (known !== undefined) return known;
        const node = defs.get(v);
        if (!node) throw new Error(`fused matmul '${name}' reads %${v.id}, which it neither loads nor computes`);
        const def = getOp(node.op);
        const args = node.inputs.map(exprOf);
        let expr: string;
        if (def.wgsl)
          expr = `(${def.wgsl(
            args,
            node.attrs,
            node.inputs.map((x) => x.type),
          )})`;
        else if (def.drawWgsl)
          expr = `(${def.drawWgsl(
            args,
            node.attrs,
            element,
            node.inputs.map((x) => x.type),
          )})`;
        else throw new Error(`op '${node.op}' has no wgsl expression`);
        if ((uses.get(v) ?? 0) < 2) return expr;
        const id = `${prefix}v${v.id}`;
        lets.push(`let ${id} = ${expr};`);
        named.set(v, id);
        return id;
      };
      const stored = results.map(exprOf);
      return { lets, stored };
    },
  };
  const draws = rest.some((node) => getOp(node.op).drawWgsl !== undefined);
  const withDraws: MatmulEpilogue = draws ? { ...epilogue, usesScalars: true, functions: philoxDrawWgsl() } : epilogue;
  const problem = matmulProblem(a.type, b.type, matmul.attrs.transpose_a === true, matmul.attrs.transpose_b === true);
  const spec = emitMatmulKernel(problem, ctx, { epilogue: withDraws });
  return {
    spec: { ...spec, name: `${name}_${problem.m}x${problem.k}x${problem.n}` },
    inputs: [argIndex(a), argIndex(b), ...leaves.map(argIndex)],
    outputs: results.map((_, j) => j),
  };
}
