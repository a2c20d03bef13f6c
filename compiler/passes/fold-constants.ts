// Constant folding.
//   1. Walk the scope's nodes in order. A candidate is a node with one output and at
//      least one input, every input made by a `constant` node (after earlier folds),
//      of an op that is neither random, an effect nor a loop.
//   2. Evaluate it with the op's float64 reference on its constant inputs (rounded to
//      f32 first, as the device holds them) and round the result to f32. An
//      elementwise op maps equal elements to equal elements, so it is evaluated once,
//      on scalars, whatever its size; any other op (a reduction, a reshape) is
//      evaluated at its real shapes, and only when inputs and output have at most
//      FOLD_LIMIT elements.
//   3. A constant is one value filling a shape, so fold only when every element of
//      the result is that same finite value; NaN and ±inf stay computed (a WGSL
//      constant cannot be NaN, and ±inf would compile to ±FLT_MAX).
//   4. Replace the node by `constant [dtype, shape, value]` with the same output id;
//      recurse into region bodies. Return the graph unchanged when nothing folded.
// The inputs left without readers are removed by dead-code elimination.
import type { Graph, Node, Value } from '../ir/types';
import { numel } from '../ir/types';
import type { Tensor } from '../ops/registry';
import { getOp } from '../ops/registry';
import type { PassContext } from './context';
import { mapRegions, ScopeRewriter } from './rewrite';

/** Largest tensor (in elements) the compiler evaluates while folding. */
export const FOLD_LIMIT = 4096;

const CONSTANT = 'constant';

function isConstant(v: Value): boolean {
  return v.def !== null && v.def.op === CONSTANT;
}

function roundTo(dtype: string, x: number): number {
  return dtype === 'f32' ? Math.fround(x) : x;
}

/** The constant's elements as the device holds them: at its shape, or one element as a scalar. */
function constantTensor(v: Value, asScalar: boolean): Tensor {
  const def = v.def!;
  const attrs = asScalar ? { ...def.attrs, shape: [] } : def.attrs;
  const [t] = getOp(CONSTANT).reference([], attrs, { seed: 0, step: 0 });
  return { type: t.type, data: t.data.map((x) => roundTo(t.type.dtype, x)) };
}

function isCandidate(n: Node, inputs: readonly Value[]): boolean {
  const kind = getOp(n.op).kind;
  if (kind === 'random' || kind === 'effect' || kind === 'control' || n.regions) return false;
  if (n.outputs.length !== 1 || inputs.length === 0 || !inputs.every(isConstant)) return false;
  if (kind === 'elementwise') return true;
  return numel(n.outputs[0].type.shape) <= FOLD_LIMIT && inputs.every((v) => numel(v.type.shape) <= FOLD_LIMIT);
}

/** The value filling the node's output, or undefined when it is not one finite value. */
function foldedValue(n: Node, inputs: readonly Value[]): number | undefined {
  const asScalar = getOp(n.op).kind === 'elementwise';
  let out: Tensor;
  try {
    [out] = getOp(n.op).reference(
      inputs.map((v) => constantTensor(v, asScalar)),
      n.attrs,
      { seed: 0, step: 0 },
    );
  } catch {
    return undefined; // the op rejects these operands: leave the error to run time
  }
  const dtype = n.outputs[0].type.dtype;
  const first = roundTo(dtype, out.data[0]);
  if (!Number.isFinite(first)) return undefined;
  for (let i = 1; i < out.data.length; i++) if (roundTo(dtype, out.data[i]) !== first) return undefined;
  return first;
}

export function constantFoldingPass(graph: Graph, ctx: PassContext): Graph {
  const rw = new ScopeRewriter(graph);
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((v) => rw.get(v));
    const value = isCandidate(n, inputs) ? foldedValue(n, inputs) : undefined;
    if (value === undefined) {
      rw.keep(n, { inputs, regions: mapRegions(n, (body) => constantFoldingPass(body, ctx)) });
      continue;
    }
    const t = n.outputs[0].type;
    // op(constant a, constant b, ...) = constant op(a, b, ...)
    rw.keep(n, { op: CONSTANT, inputs: [], attrs: { dtype: t.dtype, shape: [...t.shape], value } });
  }
  return rw.finish();
}
