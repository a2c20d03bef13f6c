// Adam (Kingma & Ba 2015), with a step counter slot `adam.step` shared by all params:
//   t ← t + 1;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   w ← w − lr·(m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
import type { Value } from '../ir/types';
import type { OptimizerContext, UpdateRule } from './context';

// The step count after this update: one counter per optimizer application, shared by its params.
const stepCounts = new WeakMap<OptimizerContext, Value>();

function stepCount(ctx: OptimizerContext): Value {
  let t = stepCounts.get(ctx);
  if (!t) {
    t = ctx.add(ctx.slot(null, 'adam.step'), ctx.const(1));
    ctx.write('adam.step', t);
    stepCounts.set(ctx, t);
  }
  return t;
}

export const adam: UpdateRule = {
  name: 'adam',
  update(ctx, p, g) {
    const t = stepCount(ctx);
    const b1 = ctx.scalar('beta1');
    const b2 = ctx.scalar('beta2');
    const m = ctx.lerp(b1, ctx.slot(p, 'm'), g);
    const v = ctx.lerp(b2, ctx.slot(p, 'v'), ctx.square(g));
    ctx.write(`${p.name}.m`, m);
    ctx.write(`${p.name}.v`, v);
    const one = ctx.const(1);
    const mHat = ctx.div(m, ctx.sub(one, ctx.b.op('pow', [b1, t])));
    const vHat = ctx.div(v, ctx.sub(one, ctx.b.op('pow', [b2, t])));
    return ctx.sub(p.value, ctx.div(ctx.mul(ctx.scalar('lr'), mHat), ctx.add(ctx.sqrt(vHat), ctx.scalar('eps'))));
  },
};
