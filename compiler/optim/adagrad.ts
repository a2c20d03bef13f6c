// Adagrad (Duchi et al. 2011): a ← a + g²;  w ← w − lr·g / (√a + ε)
import type { UpdateRule } from './context';

export const adagrad: UpdateRule = {
  name: 'adagrad',
  update(ctx, p, g) {
    const a = ctx.add(ctx.slot(p, 'accum'), ctx.square(g));
    ctx.write(`${p.name}.accum`, a);
    return ctx.sub(p.value, ctx.div(ctx.mul(ctx.scalar('lr'), g), ctx.add(ctx.sqrt(a), ctx.scalar('eps'))));
  },
};
