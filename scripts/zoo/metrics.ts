// Test-set figures for the generative examples, computed on the CPU from trained
// weights (W: [nv, nh] row-major, visible bias a or c, hidden bias b), the same
// formulas as the examples' .dl files:
//   rbm   reconstruction error  mean_n Σ_i (v_i − p_v(p_h(v))_i)²  (grey-level digits)
//         pseudo-likelihood     mean_n Σ_i log P(v_i | v_−i) on digits binarised at 0.5,
//                               log P(v_i | v_−i) = log σ(F(v with bit i flipped) − F(v))
//   grbm  reconstruction error  mean_n Σ_i (v_i − (p_h(v) Wᵀ + a)_i)²  (standardised digits)
//   dae   reconstruction        mean_n Σ_i BCE(r_i, v_i) and mean_n Σ_i (v_i − r_i)², r = σ(σ(vW + b)Wᵀ + c)

export interface Weights {
  readonly W: Float32Array;
  /** Visible bias. */
  readonly a: Float32Array;
  /** Hidden bias. */
  readonly b: Float32Array;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const logSigmoid = (x: number): number => -softplus(-x);

function sizes(w: Weights): { nv: number; nh: number } {
  const nv = w.a.length;
  const nh = w.b.length;
  if (w.W.length !== nv * nh) throw new Error(`W has ${w.W.length} values, not ${nv}×${nh}`);
  return { nv, nh };
}

/** v·W + b for one example (row `row` of x). */
function hiddenInput(w: Weights, x: Float32Array, row: number, nv: number, nh: number): Float64Array {
  const out = Float64Array.from(w.b);
  for (let i = 0; i < nv; i++) {
    const v = x[row * nv + i]!;
    if (v === 0) continue;
    for (let j = 0; j < nh; j++) out[j]! += v * w.W[i * nh + j]!;
  }
  return out;
}

/** h·Wᵀ + a for one example. */
function visibleInput(w: Weights, h: Float64Array, nv: number, nh: number): Float64Array {
  const out = Float64Array.from(w.a);
  for (let i = 0; i < nv; i++) {
    let s = 0;
    for (let j = 0; j < nh; j++) s += h[j]! * w.W[i * nh + j]!;
    out[i]! += s;
  }
  return out;
}

function meanOverRows(x: Float32Array, nv: number, f: (row: number) => number): number {
  const n = x.length / nv;
  let total = 0;
  for (let r = 0; r < n; r++) total += f(r);
  return total / n;
}

/** Squared error of the mean-field reconstruction; `gaussian` visible units are linear, binary ones sigmoid. */
export function reconstructionError(w: Weights, x: Float32Array, gaussian: boolean): number {
  const { nv, nh } = sizes(w);
  return meanOverRows(x, nv, (r) => {
    const h = hiddenInput(w, x, r, nv, nh).map(sigmoid);
    const v = visibleInput(w, h, nv, nh);
    let e = 0;
    for (let i = 0; i < nv; i++) e += (x[r * nv + i]! - (gaussian ? v[i]! : sigmoid(v[i]!))) ** 2;
    return e;
  });
}

/** The binary RBM's pseudo-log-likelihood per example (nats), summed over all visible units, on x binarised at 0.5. */
export function pseudoLogLikelihood(w: Weights, x: Float32Array): number {
  const { nv, nh } = sizes(w);
  const bin = x.map((v) => (v >= 0.5 ? 1 : 0));
  return meanOverRows(bin, nv, (r) => {
    const pre = hiddenInput(w, bin, r, nv, nh);
    let base = 0;
    for (let j = 0; j < nh; j++) base += softplus(pre[j]!);
    let total = 0;
    for (let i = 0; i < nv; i++) {
      const v = bin[r * nv + i]!;
      const sign = v === 1 ? -1 : 1; // flipping bit i adds sign·W[i,:] to the hidden input
      let flipped = 0;
      for (let j = 0; j < nh; j++) flipped += softplus(pre[j]! + sign * w.W[i * nh + j]!);
      // F(v) = −v·a − Σ softplus(vW + b); F(flip) − F(v) = −sign·a_i − flipped + base
      total += logSigmoid(-sign * w.a[i]! - flipped + base);
    }
    return total;
  });
}

/** The tied-weight autoencoder's reconstruction of clean x: mean per-example cross-entropy and squared error. */
export function autoencoderError(w: Weights, x: Float32Array): { crossEntropy: number; squaredError: number } {
  const { nv, nh } = sizes(w);
  let ce = 0;
  const se = meanOverRows(x, nv, (r) => {
    const h = hiddenInput(w, x, r, nv, nh).map(sigmoid);
    const z = visibleInput(w, h, nv, nh);
    let e = 0;
    for (let i = 0; i < nv; i++) {
      const v = x[r * nv + i]!;
      const zi = z[i]!;
      ce += softplus(zi) - v * zi; // BCE with logits, as dae.dl's binary_cross_entropy
      e += (v - sigmoid(zi)) ** 2;
    }
    return e;
  });
  return { crossEntropy: ce / (x.length / nv), squaredError: se };
}
