// Stochastic gradient descent with optional (Nesterov) momentum, as in PyTorch:
//   v ← μ·v + g;  w ← w − lr·v            (momentum)
//   v ← μ·v + g;  w ← w − lr·(g + μ·v)    (nesterov)
//   w ← w − lr·g                          (momentum = 0, no slot)
import type { UpdateRule } from './context';

export const sgd: UpdateRule = {
  name: 'sgd',
  update(ctx, p, g) {
    const lr = ctx.scalar('lr');
    if (ctx.options.momentum === 0 && !ctx.flag('nesterov')) return ctx.sub(p.value, ctx.mul(lr, g));
    const mu = ctx.scalar('momentum');
    const v = ctx.add(ctx.mul(mu, ctx.slot(p, 'momentum')), g);
    ctx.write(`${p.name}.momentum`, v);
    const step = ctx.flag('nesterov') ? ctx.add(g, ctx.mul(mu, v)) : v;
    return ctx.sub(p.value, ctx.mul(lr, step));
  },
};
