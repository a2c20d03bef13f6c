// L2 weight decay folded into the gradient: g ← g + λ·w
import type { Value } from '../ir/types';
import type { OptimizerContext, ParamGrad } from './context';

export function weightDecay(ctx: OptimizerContext, p: ParamGrad, g: Value): Value {
  return ctx.add(g, ctx.mul(ctx.scalar('weight_decay'), p.value));
}
