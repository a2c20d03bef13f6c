// RMSprop (Tieleman & Hinton 2012), with momentum as in PyTorch:
//   s ← decay·s + (1 − decay)·g²;  w ← w − lr·g / (√s + ε)             (momentum = 0, no velocity slot)
//   s ← decay·s + (1 − decay)·g²;  v ← μ·v + g / (√s + ε);  w ← w − lr·v
import type { UpdateRule } from './context';

export const rmsprop: UpdateRule = {
  name: 'rmsprop',
  update(ctx, p, g) {
    const s = ctx.lerp(ctx.scalar('decay'), ctx.slot(p, 'ms'), ctx.square(g));
    ctx.write(`${p.name}.ms`, s);
    const denom = ctx.add(ctx.sqrt(s), ctx.scalar('eps'));
    if (ctx.options.momentum === 0) return ctx.sub(p.value, ctx.div(ctx.mul(ctx.scalar('lr'), g), denom));
    const v = ctx.add(ctx.mul(ctx.scalar('momentum'), ctx.slot(p, 'momentum')), ctx.div(g, denom));
    ctx.write(`${p.name}.momentum`, v);
    return ctx.sub(p.value, ctx.mul(ctx.scalar('lr'), v));
  },
};
