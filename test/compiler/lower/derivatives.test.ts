// grad, jvp and hvp as expressions (docs/language.md, "Derivatives as values"),
// checked on the float64 reference interpreter: grad against central differences of
// the loss, jvp against differences of y, hvp against differences of grad, the
// Gauss–Newton product against its definition, and the same products taken inside
// a loop body against the products outside it.
import { describe, expect, it } from 'vitest';
import type { Program } from '../../../compiler/ir/program';
import type { Tensor } from '../../../compiler/ops/registry';
import { executeEntry } from '../../../compiler/reference/execute';
import { initialState } from '../../../compiler/reference/state';
import { FEEDS, lowerDerivativesModel as lower } from './derivatives-fixture';

const PARAMS = ['W', 'b', 'V'] as const;
const DIRECTION: Record<string, string> = { W: 'vW', b: 'vb', V: 'vV' };

function run(p: Program, entry: string, state: Record<string, Tensor>): Record<string, Tensor> {
  return executeEntry(p, entry, FEEDS, state, { seed: 1 }).results;
}

/** `state` with every param moved by `eps` times its direction. */
function along(state: Record<string, Tensor>, eps: number): Record<string, Tensor> {
  const out = { ...state };
  for (const n of PARAMS)
    out[n] = { type: state[n].type, data: state[n].data.map((w, i) => w + eps * FEEDS[DIRECTION[n]].data[i]) };
  return out;
}

function expectClose(actual: Tensor, expected: ArrayLike<number>, digits: number): void {
  expect(actual.data.length).toBe(expected.length);
  actual.data.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describe('derivatives as values (float64 reference)', () => {
  const p = lower(`
  infer g(x, y) -> l, gW, gb, gV {
    l = loss(x, y)
    gW, gb, gV = grad(l, [W, b, V])
  }
  infer h(x, y, vW, vb, vV) -> hW, hb, hV {
    hW, hb, hV = hvp(loss(x, y), [W, b, V], [vW, vb, vV])
  }
  infer j(x, vW, vb, vV) -> zz, jz {
    zz = z(x)
    jz = jvp(zz, [W, b, V], [vW, vb, vV])
  }
  `);
  const state = initialState(p, 5);

  it('grad matches central differences of the loss, element by element', () => {
    const g = run(p, 'g', state);
    const eps = 1e-6;
    for (const name of PARAMS) {
      const fd = state[name].data.map((_, i) => {
        const at = (s: number) => {
          const moved = {
            ...state,
            [name]: { type: state[name].type, data: state[name].data.map((w, k) => (k === i ? w + s * eps : w)) },
          };
          return run(p, 'g', moved).l.data[0];
        };
        return (at(1) - at(-1)) / (2 * eps);
      });
      expectClose(g[`g${name}`], fd, 7);
    }
  });

  it('hvp matches central differences of grad along v', () => {
    const h = run(p, 'h', state);
    const eps = 1e-5;
    const plus = run(p, 'g', along(state, eps));
    const minus = run(p, 'g', along(state, -eps));
    for (const name of PARAMS) {
      const fd = plus[`g${name}`].data.map((a, i) => (a - minus[`g${name}`].data[i]) / (2 * eps));
      expectClose(h[`h${name}`], fd, 7);
    }
  });

  it('jvp matches central differences of y along v', () => {
    const j = run(p, 'j', state);
    const eps = 1e-6;
    const plus = run(p, 'j', along(state, eps)).zz;
    const minus = run(p, 'j', along(state, -eps)).zz;
    expectClose(
      j.jz,
      plus.data.map((a, i) => (a - minus.data[i]) / (2 * eps)),
      7,
    );
  });
});

describe('Gauss–Newton products', () => {
  const p = lower(`
  infer gn(x, y, vW, vb, vV) -> zz, gW, gb, gV {
    zz = z(x)
    gW, gb, gV = hvp(mean(cross_entropy(zz, y)), [W, b, V], [vW, vb, vV], gauss_newton = zz)
  }
  `);
  const state = initialState(p, 5);

  it('are Jᵀ·H_z·J·v, with J and Jᵀ by differences and H_z of softmax cross entropy in closed form', () => {
    const out = run(p, 'gn', state);
    const z = out.zz.data;
    const [rows, k] = [5, 3];
    const eps = 1e-6;
    const zAt = (s: Record<string, Tensor>) => run(p, 'gn', s).zz.data;
    const plus = zAt(along(state, eps));
    const minus = zAt(along(state, -eps));
    const jv = plus.map((a, i) => (a - minus[i]) / (2 * eps));
    // H_z of mean softmax cross entropy: (diag(p) − p·pᵀ) / rows, row by row.
    const w = new Float64Array(rows * k);
    for (let r = 0; r < rows; r++) {
      const zr = Array.from(z.slice(r * k, r * k + k));
      const m = Math.max(...zr);
      const e = zr.map((v) => Math.exp(v - m));
      const s = e.reduce((a, c) => a + c, 0);
      const pr = e.map((v) => v / s);
      const dot = pr.reduce((a, c, j) => a + c * jv[r * k + j], 0);
      for (let j = 0; j < k; j++) w[r * k + j] = (pr[j] * jv[r * k + j] - pr[j] * dot) / rows;
    }
    // Jᵀw: the derivative of Σ z·w in each param element.
    for (const name of PARAMS) {
      const fd = state[name].data.map((_, i) => {
        const at = (sign: number) => {
          const moved = {
            ...state,
            [name]: { type: state[name].type, data: state[name].data.map((v, q) => (q === i ? v + sign * eps : v)) },
          };
          return zAt(moved).reduce((a, c, q) => a + c * w[q], 0);
        };
        return (at(1) - at(-1)) / (2 * eps);
      });
      expectClose(out[`g${name}`], fd, 7);
    }
  });
});

describe('derivatives inside loop bodies', () => {
  it('hvp of a loss computed outside a repeat, applied to the carry, equals the products nested outside', () => {
    const p = lower(`
  infer inside(x, y, vW, vb, vV) -> aW, ab, aV {
    l = loss(x, y)
    aW, ab, aV = repeat 2 carry pW = vW, pb = vb, pV = vV {
      pW, pb, pV = hvp(l, [W, b, V], [pW, pb, pV])
    }
  }
  infer outside(x, y, vW, vb, vV) -> aW, ab, aV {
    l = loss(x, y)
    aW, ab, aV = hvp(l, [W, b, V], hvp(l, [W, b, V], [vW, vb, vV]))
  }
  `);
    const state = initialState(p, 5);
    const a = run(p, 'inside', state);
    const b = run(p, 'outside', state);
    for (const n of ['aW', 'ab', 'aV']) expectClose(a[n], b[n].data, 12);
  });

  it('grad of a loss computed in the loop body (gradient steps on a carry) equals the steps unrolled', () => {
    const p = lower(`
  fn lossW(x, y, w) = mean(cross_entropy(tanh(x @ w + b) @ V, y))
  infer inside(x, y) -> w3 {
    w3 = repeat 3 carry w = W { w = w - 0.5 * grad(lossW(x, y, w), w) }
  }
  infer outside(x, y) -> w3 {
    w1 = W - 0.5 * grad(lossW(x, y, W), W)
    w2 = w1 - 0.5 * grad(lossW(x, y, w1), w1)
    w3 = w2 - 0.5 * grad(lossW(x, y, w2), w2)
  }
  `);
    const state = initialState(p, 5);
    const a = run(p, 'inside', state).w3;
    expectClose(a, run(p, 'outside', state).w3.data, 12);
    expect(a.data.some((v, i) => Math.abs(v - state.W.data[i]) > 1e-3)).toBe(true);
  });
});

describe('user update rules', () => {
  const p = lower(`
  train by_hand(x, y) -> l {
    l = loss(x, y)
    gW, gb, gV = grad(l, [W, b, V])
    W <- W - 0.1 * gW
    b <- b - 0.1 * gb
    V <- V - 0.1 * gV
  }
  train by_sgd(x, y) -> l {
    l = loss(x, y)
    minimize l with sgd(lr = 0.1)
  }
  `);

  it('an SGD written with grad and <- gives the same params as minimize with sgd, bit for bit', () => {
    const steps = (entry: string) => {
      let state = initialState(p, 5);
      for (let step = 0; step < 4; step++)
        state = { ...state, ...executeEntry(p, entry, FEEDS, state, { seed: 1, step }).assigns };
      return state;
    };
    const hand = steps('by_hand');
    const sgd = steps('by_sgd');
    const start = initialState(p, 5);
    for (const n of PARAMS) {
      expect(Array.from(hand[n].data)).toEqual(Array.from(sgd[n].data));
      expect(hand[n].data).not.toEqual(start[n].data);
    }
  });
});
