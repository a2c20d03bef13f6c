// examples/vsgd.dl's `elementwise` entry against the rule written out by hand in float64:
// the gradient and bbprop's curvature (the Gauss–Newton diagonal: each logit's p·(1 − p)
// backpropagated through squared weights and inputs) of the ReLU MLP, the running
// averages ḡ, v̄, h̄ and memory τ per weight, and each weight's rate ḡ²/v̄ over the
// largest h̄ of its tensor. Two steps on two different batches, on the device.
import { describe, expect, it } from 'vitest';
import { lowerExample, mnistBatch, withGpuRunner } from './zoo-harness';

const BATCH = 16;
const HIDDEN = 8;
const [WD, C, EPS] = [1e-3, 10, 1e-8];
const NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
type Params = Record<(typeof NAMES)[number], Float64Array>;
type Slots = { gbar: Params; vbar: Params; hbar: Params; tau: Params };

/** The gradient and bbprop's curvature of mean cross entropy + wd/2·(‖W1‖² + ‖W2‖²) on one batch. */
function gradientAndCurvature(p: Params, x: Float32Array, y: Int32Array): { g: Params; h: Params } {
  const n = y.length;
  const zeros = (): Params => ({
    W1: new Float64Array(784 * HIDDEN),
    b1: new Float64Array(HIDDEN),
    W2: new Float64Array(HIDDEN * 10),
    b2: new Float64Array(10),
  });
  const g = zeros();
  const h = zeros();
  for (let r = 0; r < n; r++) {
    const u = Array.from({ length: HIDDEN }, (_, k) => {
      let s = p.b1[k]!;
      for (let i = 0; i < 784; i++) s += x[r * 784 + i]! * p.W1[i * HIDDEN + k]!;
      return s;
    });
    const a = u.map((v) => Math.max(v, 0));
    const z = Array.from({ length: 10 }, (_, c) => a.reduce((s, ak, k) => s + ak * p.W2[k * 10 + c]!, p.b2[c]!));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    const prob = e.map((v) => v / sum);
    const dz = prob.map((q, c) => (q - (c === y[r] ? 1 : 0)) / n);
    const curv = prob.map((q) => (q * (1 - q)) / n);
    for (let k = 0; k < HIDDEN; k++) {
      const on = u[k]! > 0 ? 1 : 0;
      let du = 0;
      let t = 0;
      for (let c = 0; c < 10; c++) {
        g.W2[k * 10 + c]! += a[k]! * dz[c]!;
        h.W2[k * 10 + c]! += a[k]! ** 2 * curv[c]!;
        du += dz[c]! * p.W2[k * 10 + c]!;
        t += curv[c]! * p.W2[k * 10 + c]! ** 2;
      }
      g.b1[k]! += du * on;
      h.b1[k]! += t * on;
      for (let i = 0; i < 784; i++) {
        g.W1[i * HIDDEN + k]! += x[r * 784 + i]! * du * on;
        h.W1[i * HIDDEN + k]! += x[r * 784 + i]! ** 2 * t * on;
      }
    }
    for (let c = 0; c < 10; c++) {
      g.b2[c]! += dz[c]!;
      h.b2[c]! += curv[c]!;
    }
  }
  for (const w of ['W1', 'W2'] as const) {
    p[w].forEach((v, i) => {
      g[w][i]! += WD * v;
      h[w][i]! += WD;
    });
  }
  return { g, h };
}

/** One step of the rule; `slots` undefined before the first (its slow start). */
function handStep(p: Params, slots: Slots | undefined, x: Float32Array, y: Int32Array): { p: Params; slots: Slots } {
  const { g, h } = gradientAndCurvature(p, x, y);
  const next: Slots = { gbar: { ...p }, vbar: { ...p }, hbar: { ...p }, tau: { ...p } };
  const out = { ...p };
  for (const name of NAMES) {
    const len = p[name].length;
    const [gb, vb, hb, tau] = [0, 1, 2, 3].map(() => new Float64Array(len));
    for (let i = 0; i < len; i++) {
      const gi = g[name][i]!;
      const t = slots ? slots.tau[name][i]! : 10;
      const keep = 1 - 1 / t;
      gb[i] = slots ? keep * slots.gbar[name][i]! + gi / t : gi;
      vb[i] = slots ? keep * slots.vbar[name][i]! + gi ** 2 / t : C * gi ** 2;
      hb[i] = slots ? keep * slots.hbar[name][i]! + h[name][i]! / t : C * h[name][i]!;
      tau[i] = (1 - gb[i]! ** 2 / (vb[i]! + EPS)) * t + 1;
    }
    const hmax = Math.max(...hb);
    out[name] = p[name].map((w, i) => w - ((gb[i]! ** 2 / (vb[i]! + EPS)) * g[name][i]!) / hmax);
    [next.gbar[name], next.vbar[name], next.hbar[name], next.tau[name]] = [gb, vb, hb, tau];
  }
  return { p: out, slots: next };
}

describe('vsgd.dl elementwise: vSGD with bbprop against a hand-written float64 rule', () => {
  it('two steps on two batches move every param as the hand-written rule does', async () => {
    const program = lowerExample('vsgd', { batch: BATCH, hidden: HIDDEN });
    const digits = mnistBatch(2 * BATCH);
    const batches = [0, 1].map((b) => ({
      x: digits.x.slice(b * BATCH * 784, (b + 1) * BATCH * 784),
      y: digits.y.slice(b * BATCH, (b + 1) * BATCH),
    }));
    await withGpuRunner(program, async (runner) => {
      const read = async (): Promise<Params> => {
        const saved = await runner.save();
        return Object.fromEntries(NAMES.map((n) => [n, Float64Array.from(saved[n]!)])) as Params;
      };
      let hand = await read();
      let slots: Slots | undefined;
      for (const batch of batches) {
        const before = hand;
        ({ p: hand, slots } = handStep(before, slots, batch.x, batch.y));
        await runner.run('elementwise', batch);
        const device = await read();
        for (const name of NAMES) {
          const step = hand[name].map((v, i) => v - before[name][i]!);
          const scale = Math.max(...step.map(Math.abs));
          expect(scale, name).toBeGreaterThan(0);
          const worst = Math.max(...device[name].map((v, i) => Math.abs(v - before[name][i]! - step[i]!)));
          expect(
            worst / scale,
            `${name}: the worst difference from the hand-written step, over its largest`,
          ).toBeLessThan(1e-3);
        }
        hand = device;
      }
    });
  });
});
