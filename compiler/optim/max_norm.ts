// Max-norm constraint (Hinton et al. 2012, Srebro & Shraibman 2005), applied to the
// updated weights: each column of a weight matrix W[in, out] — the incoming weights
// of one unit — is scaled back onto the ball of radius c when its L2 norm exceeds c:
//   n_j = √(Σ_i W_ij²);  W_:j ← W_:j · c / max(n_j, c)
// Only rank-2 params (weight matrices) are constrained; biases are left alone.
import type { Value } from '../ir/types';
import type { OptimizerContext } from './context';

export function maxNorm(ctx: OptimizerContext, w: Value): Value {
  if (w.type.shape.length !== 2) return w;
  const c = ctx.scalar('max_norm');
  const norms = ctx.sqrt(ctx.b.op('sum', [ctx.square(w)], { axes: [0], keepdims: true }));
  return ctx.mul(w, ctx.div(c, ctx.b.op('maximum', [norms, c])));
}
