// L1 penalty folded into the gradient (its subgradient): g ← g + λ·sign(w)
import type { Value } from '../ir/types';
import type { OptimizerContext, ParamGrad } from './context';

export function l1(ctx: OptimizerContext, p: ParamGrad, g: Value): Value {
  return ctx.add(g, ctx.mul(ctx.scalar('l1'), ctx.b.op('sign', [p.value])));
}
