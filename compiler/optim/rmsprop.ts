// RMSprop (Tieleman & Hinton 2012): s ← ρ·s + (1 − ρ)·g²;  w ← w − lr·g / (√s + ε)
import type { UpdateRule } from './context';

export const rmsprop: UpdateRule = {
  name: 'rmsprop',
  defaults: { lr: 0.001, rho: 0.9, eps: 1e-8 },
  update(ctx, p, g) {
    const s = ctx.lerp(ctx.scalar('rho'), ctx.slot(p, 'ms'), ctx.square(g));
    ctx.write(`${p.name}.ms`, s);
    return ctx.sub(p.value, ctx.div(ctx.mul(ctx.scalar('lr'), g), ctx.add(ctx.sqrt(s), ctx.scalar('eps'))));
  },
};
