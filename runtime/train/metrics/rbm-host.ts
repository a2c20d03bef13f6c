// Free energies and reconstructions of RBMs on the host, from the weights of a
// checkpoint (W: [nv, nh] row-major, visible bias a: [nv], hidden bias b: [nh]) —
// the formulas of examples/rbm.dl and examples/grbm.dl:
//   binary visibles    F(v) = −v·a − Σ_j softplus((vW + b)_j)
//   gaussian visibles  F(v) = ½‖v − a‖² − Σ_j softplus((vW + b)_j)   (unit variance)
//   reconstruction     Σ_i (v_i − r_i)²,  r = σ(σ(vW + b)Wᵀ + a) (binary) or σ(vW + b)Wᵀ + a (gaussian)

export interface RbmWeights {
  readonly W: Float32Array;
  readonly a: Float32Array;
  readonly b: Float32Array;
}

export type VisibleUnits = 'binary' | 'gaussian';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

export function rbmSizes(w: RbmWeights): { nv: number; nh: number } {
  const nv = w.a.length;
  const nh = w.b.length;
  if (w.W.length !== nv * nh) throw new Error(`W has ${w.W.length} values, not ${nv}×${nh}`);
  return { nv, nh };
}

/** vW + b for row r of x. */
function hiddenInput(w: RbmWeights, x: Float32Array, r: number, nv: number, nh: number): Float64Array {
  const out = Float64Array.from(w.b);
  for (let i = 0; i < nv; i++) {
    const v = x[r * nv + i]!;
    if (v === 0) continue;
    for (let j = 0; j < nh; j++) out[j]! += v * w.W[i * nh + j]!;
  }
  return out;
}

/** F(v) of each of the `count` rows of x. */
export function freeEnergy(
  w: RbmWeights,
  x: Float32Array,
  count: number,
  units: VisibleUnits = 'binary',
): Float64Array {
  const { nv, nh } = rbmSizes(w);
  const out = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    const pre = hiddenInput(w, x, r, nv, nh);
    let f = 0;
    for (let j = 0; j < nh; j++) f -= softplus(pre[j]!);
    for (let i = 0; i < nv; i++) {
      const v = x[r * nv + i]!;
      f += units === 'binary' ? -v * w.a[i]! : 0.5 * (v - w.a[i]!) ** 2;
    }
    out[r] = f;
  }
  return out;
}

/** Mean over rows of Σ_i (v_i − r_i)² for the mean-field reconstruction r. */
export function reconstructionError(w: RbmWeights, x: Float32Array, units: VisibleUnits = 'binary'): number {
  const { nv, nh } = rbmSizes(w);
  const count = x.length / nv;
  let total = 0;
  for (let r = 0; r < count; r++) {
    const h = hiddenInput(w, x, r, nv, nh).map(sigmoid);
    for (let i = 0; i < nv; i++) {
      let s = w.a[i]!;
      for (let j = 0; j < nh; j++) s += h[j]! * w.W[i * nh + j]!;
      total += (x[r * nv + i]! - (units === 'binary' ? sigmoid(s) : s)) ** 2;
    }
  }
  return total / count;
}
