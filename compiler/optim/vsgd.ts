// vSGD (Schaul, Zhang & LeCun 2013, "No more pesky learning rates"), elementwise.
// Per parameter it keeps running averages of the gradient ḡ, of its square v̄ and
// of the curvature h̄ over an adaptive memory τ, and steps by η* = ḡ² / (h̄·v̄):
//   ḡ ← (1 − 1/τ)·ḡ + g/τ;  v̄ ← (1 − 1/τ)·v̄ + g²/τ;  h̄ ← (1 − 1/τ)·h̄ + h/τ
//   η* = ḡ² / (h̄·v̄ + ε);  τ ← (1 − ḡ²/(v̄ + ε))·τ + 1;  w ← w − η*·g
// The paper's curvature h comes from bbprop; here it is the finite difference of
// the gradient between consecutive steps, h = |g − g_prev| / max(|w − w_prev|, δ)
// (in the spirit of the paper's finite-difference variant, vSGD-fd), and `h0` on the
// first step. In the spirit of the paper's slow start (which overestimates v̄ and h̄
// from a few initial samples so that early steps are small), the first step sets
// ḡ = g, v̄ = c·g² and h̄ = c·h0, and τ starts at tau0. Both c and tau0 are options.
// Known weakness (measured, docs/language.md): g and g_prev come from different batches,
// so |g − g_prev| is mostly sampling noise while |w − w_prev| is the last step; h then
// grows like 1/η and the rates collapse. A rule sees one gradient per step, so the
// same-batch curvature the paper uses is written in .dl instead (examples/vsgd.dl).
import type { UpdateRule } from './context';

export const vsgd: UpdateRule = {
  name: 'vsgd',
  update(ctx, p, g) {
    const { b } = ctx;
    const w = p.value;
    const slotOf = (name: string, init?: { name: string; args: Record<string, number> }) => ctx.slot(p, name, init);
    const tau = slotOf('tau', { name: 'constant', args: { value: ctx.options.tau0 as number } });
    const [gBar, vBar, hBar, gPrev, wPrev, seen] = ['gbar', 'vbar', 'hbar', 'gprev', 'wprev', 'seen'].map((n) =>
      slotOf(n),
    );
    // seen is 0 before the first update of this param and 1 after it.
    const first = b.op('eq', [seen, ctx.const(0)]);
    const c = ctx.scalar('c');
    const hFd = ctx.div(
      b.op('abs', [ctx.sub(g, gPrev)]),
      b.op('maximum', [b.op('abs', [ctx.sub(w, wPrev)]), ctx.scalar('delta')]),
    );
    const h = b.op('where', [first, b.op('mul', [c, ctx.scalar('h0')]), hFd]);
    const inv = ctx.div(ctx.const(1), tau);
    const avg = (old: typeof g, x: typeof g) => ctx.add(ctx.mul(ctx.sub(ctx.const(1), inv), old), ctx.mul(inv, x));
    const g2 = ctx.square(g);
    const gNew = b.op('where', [first, g, avg(gBar, g)]);
    const vNew = b.op('where', [first, ctx.mul(c, g2), avg(vBar, g2)]);
    const hNew = b.op('where', [first, h, avg(hBar, h)]);
    const eps = ctx.scalar('eps');
    const gSq = ctx.square(gNew);
    const rate = ctx.div(gSq, ctx.add(ctx.mul(hNew, vNew), eps));
    const tauNew = ctx.add(ctx.mul(ctx.sub(ctx.const(1), ctx.div(gSq, ctx.add(vNew, eps))), tau), ctx.const(1));
    const writes: [string, typeof g][] = [
      ['gbar', gNew],
      ['vbar', vNew],
      ['hbar', hNew],
      ['tau', tauNew],
      ['gprev', g],
      ['wprev', w],
      ['seen', b.op('add', [ctx.mul(seen, ctx.const(0)), ctx.const(1)])],
    ];
    for (const [n, v] of writes) ctx.write(`${p.name}.${n}`, v);
    return ctx.sub(w, ctx.mul(rate, g));
  },
};
