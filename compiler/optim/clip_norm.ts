// Global gradient-norm clipping (Pascanu et al. 2013): with n = √(Σ_params Σ g²),
//   g ← g · c / max(n, c)
// which leaves the gradients alone when n ≤ c and rescales them to norm c otherwise.
import type { Value } from '../ir/types';
import type { OptimizerContext } from './context';

export function clipNorm(ctx: OptimizerContext, grads: readonly Value[]): Value[] {
  const c = ctx.scalar('clip_norm');
  let total: Value | null = null;
  for (const g of grads) {
    const s = ctx.sumAll(ctx.square(g));
    total = total ? ctx.add(total, s) : s;
  }
  if (!total) return [];
  const scale = ctx.div(c, ctx.b.op('maximum', [ctx.sqrt(total), c]));
  return grads.map((g) => ctx.mul(g, scale));
}
