// Constant folding: whatever is known at compile time is computed once, here, and
// never by a kernel at run time.
//   1. Walk the scope's nodes in order. A candidate is a node with one output whose
//      inputs are all compile-time constants (`constant` fills and `literal`
//      tensors, after earlier folds), or an op with no inputs that is not itself
//      one (`iota`), of an op that is neither random, an effect nor a loop.
//   2. Evaluate it with the op's float64 reference on its constant inputs (rounded
//      to f32 first, as the device holds them) and round the result to f32. An
//      elementwise op on `constant` fills maps equal elements to equal elements, so
//      it is evaluated once, on scalars, whatever its size; any other node is
//      evaluated at its real shapes, when inputs and output have at most FOLD_LIMIT
//      elements.
//   3. A result that is one finite value filling its shape becomes
//      `constant [dtype, shape, value]` (fusion inlines it as a WGSL literal); any
//      other all-finite result becomes `literal [data, dtype, shape]`, which the
//      code generator uploads once into a constant buffer. NaN and ±inf stay
//      computed (a WGSL constant cannot be NaN, nor a constant buffer in the plan's
//      JSON).
//   4. Keep the output id; recurse into region bodies. Return the graph unchanged
//      when nothing folded.
// The inputs left without readers are removed by dead-code elimination.
import type { Graph, Node, Value } from '../ir/types';
import { numel } from '../ir/types';
import type { Tensor } from '../ops/registry';
import { getOp } from '../ops/registry';
import type { PassContext } from './context';
import { mapRegions, ScopeRewriter } from './rewrite';

/** Largest tensor (in elements) the compiler evaluates while folding: a 1024×1024 matrix. */
export const FOLD_LIMIT = 1 << 20;

const CONSTANT = 'constant';
const LITERAL = 'literal';

function isFill(v: Value): boolean {
  return v.def !== null && v.def.op === CONSTANT;
}

function isKnown(v: Value): boolean {
  return v.def !== null && (v.def.op === CONSTANT || getOp(v.def.op).constData !== undefined);
}

function roundTo(dtype: string, x: number): number {
  return dtype === 'f32' ? Math.fround(x) : x;
}

/** The constant's elements as the device holds them: at its shape, or one element as a scalar. */
function knownTensor(v: Value, asScalar: boolean): Tensor {
  const def = v.def!;
  const attrs = asScalar ? { ...def.attrs, shape: [] } : def.attrs;
  const [t] = getOp(def.op).reference([], attrs, { seed: 0, step: 0 });
  return { type: t.type, data: t.data.map((x) => roundTo(t.type.dtype, x)) };
}

/** Evaluated on scalars: an elementwise op on fills only. */
function onScalars(n: Node, inputs: readonly Value[]): boolean {
  return getOp(n.op).kind === 'elementwise' && inputs.length > 0 && inputs.every(isFill);
}

function isCandidate(n: Node, inputs: readonly Value[]): boolean {
  const def = getOp(n.op);
  if (def.kind === 'random' || def.kind === 'effect' || def.kind === 'control' || n.regions) return false;
  if (n.outputs.length !== 1 || !inputs.every(isKnown)) return false;
  if (inputs.length === 0 && (n.op === CONSTANT || def.constData)) return false; // already folded
  if (onScalars(n, inputs)) return true;
  return numel(n.outputs[0].type.shape) <= FOLD_LIMIT && inputs.every((v) => numel(v.type.shape) <= FOLD_LIMIT);
}

/** The folded node's op and attributes, or undefined when it stays computed. */
function folded(n: Node, inputs: readonly Value[]): Pick<Node, 'op' | 'attrs'> | undefined {
  const asScalar = onScalars(n, inputs);
  let out: Tensor;
  try {
    [out] = getOp(n.op).reference(
      inputs.map((v) => knownTensor(v, asScalar)),
      n.attrs,
      { seed: 0, step: 0 },
    );
  } catch {
    return undefined; // the op rejects these operands: leave the error to run time
  }
  const t = n.outputs[0].type;
  const data = Array.from(out.data, (x) => roundTo(t.dtype, x));
  if (!data.every(Number.isFinite)) return undefined;
  const shape = [...t.shape];
  // op(constant a, constant b, ...) = constant op(a, b, ...)
  if (data.every((x) => x === data[0])) return { op: CONSTANT, attrs: { dtype: t.dtype, shape, value: data[0] } };
  // op(known a, known b, ...) = literal op(a, b, ...), uploaded once
  return { op: LITERAL, attrs: { data, dtype: t.dtype, shape } };
}

export function constantFoldingPass(graph: Graph, ctx: PassContext): Graph {
  const rw = new ScopeRewriter(graph);
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((v) => rw.get(v));
    const change = isCandidate(n, inputs) ? folded(n, inputs) : undefined;
    if (change === undefined) {
      rw.keep(n, { inputs, regions: mapRegions(n, (body) => constantFoldingPass(body, ctx)) });
      continue;
    }
    rw.keep(n, { ...change, inputs: [] });
  }
  return rw.finish();
}
