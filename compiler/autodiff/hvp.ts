// Hessian-vector products by differentiating twice (reverse-over-reverse):
//   Hv = ∇_w ⟨∇_w f(w), v⟩
// The first backward pass is ordinary IR, so the second one differentiates it like
// any other graph. This is what Hessian-free optimization builds on.
import type { GraphBuilder } from '../ir/builder';
import { addOp, sumOp } from '../ir/prims';
import type { Value } from '../ir/types';
import { sameType, typeToString } from '../ir/types';
import { gradients } from './differentiate';

/** H·v for each of `wrt`, with `vs` the matching parts of the vector v. */
export function hessianVectorProduct(b: GraphBuilder, loss: Value, wrt: readonly Value[], vs: readonly Value[]): Value[] {
  if (vs.length !== wrt.length) throw new Error(`hessianVectorProduct: ${wrt.length} values but ${vs.length} vector parts`);
  vs.forEach((v, i) => {
    if (!sameType(v.type, wrt[i].type)) throw new Error(`hessianVectorProduct: vector part ${i} is ${typeToString(v.type)}, expected ${typeToString(wrt[i].type)}`);
  });
  const grads = gradients(b, loss, wrt);
  let dot: Value | null = null;
  grads.forEach((g, i) => {
    const prod = b.op('mul', [g, vs[i]]);
    const s = prod.type.shape.length ? b.op(sumOp, [prod], { axes: prod.type.shape.map((_, k) => k), keepdims: false }) : prod;
    dot = dot ? b.op(addOp, [dot, s]) : s;
  });
  if (!dot) return [];
  return gradients(b, dot, wrt);
}
