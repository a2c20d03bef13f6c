// Hessian-vector products by differentiating twice (reverse-over-reverse):
//   Hv = ∇_w ⟨∇_w f(w), v⟩
// The first backward pass is ordinary IR, so the second one differentiates it like
// any other graph (products.ts builds it; this is its form for a whole builder).
import type { GraphBuilder } from '../ir/builder';
import type { Value } from '../ir/types';
import { sameType, typeToString } from '../ir/types';
import { builderTape, hvp } from './products';

/** H·v for each of `wrt`, with `vs` the matching parts of the vector v. */
export function hessianVectorProduct(
  b: GraphBuilder,
  loss: Value,
  wrt: readonly Value[],
  vs: readonly Value[],
): Value[] {
  if (vs.length !== wrt.length)
    throw new Error(`hessianVectorProduct: ${wrt.length} values but ${vs.length} vector parts`);
  vs.forEach((v, i) => {
    if (!sameType(v.type, wrt[i].type))
      throw new Error(
        `hessianVectorProduct: vector part ${i} is ${typeToString(v.type)}, expected ${typeToString(wrt[i].type)}`,
      );
  });
  if (wrt.length === 0) return [];
  return hvp(builderTape(b), loss, wrt, vs).map((h, i) => h ?? b.constant(0, wrt[i].type));
}
