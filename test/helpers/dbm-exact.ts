// A two-hidden-layer DBM (examples/dbm.dl) computed by hand in float64, for tests:
//   E(v, h1, h2) = −a·v − b1·h1 − b2·h2 − vᵀW1h1 − h1ᵀW2h2,
// its mean field as the file writes it, and — small enough to enumerate h1 — its
// exact log Z and free energy F(v) = −log Σ_h exp(−E(v, h)), with v and h2 summed
// out analytically (they are independent given h1).

export interface Dbm {
  readonly nv: number;
  readonly nh1: number;
  readonly nh2: number;
  /** Row-major [nv, nh1], [nh1, nh2]. */
  readonly W1: ArrayLike<number>;
  readonly W2: ArrayLike<number>;
  readonly a: ArrayLike<number>;
  readonly b1: ArrayLike<number>;
  readonly b2: ArrayLike<number>;
}

/** A row-major matrix [rows, cols]. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

export function matrix(rows: number, cols: number, f: (r: number, c: number) => number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = f(r, c);
  return { rows, cols, data };
}

/** x @ W (W row-major [x.cols, n]), or x @ Wᵀ with `transposed` (W row-major [n, x.cols]). */
export function times(x: Matrix, W: ArrayLike<number>, n: number, transposed = false): Matrix {
  return matrix(x.rows, n, (r, c) => {
    let s = 0;
    for (let k = 0; k < x.cols; k++) s += x.data[r * x.cols + k]! * W[transposed ? c * x.cols + k : k * n + c]!;
    return s;
  });
}

/** f applied element-wise to x + bias (broadcast over rows). */
export function affine(x: Matrix, bias: ArrayLike<number>, f: (z: number) => number = (z) => z): Matrix {
  return matrix(x.rows, x.cols, (r, c) => f(x.data[r * x.cols + c]! + bias[c]!));
}

export function plus(x: Matrix, y: Matrix, scale = 1): Matrix {
  return matrix(x.rows, x.cols, (r, c) => scale * x.data[r * x.cols + c]! + y.data[r * x.cols + c]!);
}

/** Per row, E(v, h1, h2). */
export function energy(m: Dbm, v: Matrix, h1: Matrix, h2: Matrix): number[] {
  const vW1 = times(v, m.W1, m.nh1);
  const h1W2 = times(h1, m.W2, m.nh2);
  return Array.from({ length: v.rows }, (_, r) => {
    let e = 0;
    for (let i = 0; i < m.nv; i++) e -= v.data[r * m.nv + i]! * m.a[i]!;
    for (let j = 0; j < m.nh1; j++) e -= h1.data[r * m.nh1 + j]! * (m.b1[j]! + vW1.data[r * m.nh1 + j]!);
    for (let k = 0; k < m.nh2; k++) e -= h2.data[r * m.nh2 + k]! * (m.b2[k]! + h1W2.data[r * m.nh2 + k]!);
    return e;
  });
}

/**
 * The file's mean field: μ1 = σ(2vW1 + b1), μ2 = σ(μ1W2 + b2), then `steps` rounds of
 * μ1 = σ(vW1 + μ2W2ᵀ + b1), μ2 = σ(μ1W2 + b2).
 */
export function meanField(m: Dbm, v: Matrix, steps: number): { m1: Matrix; m2: Matrix } {
  const vW1 = times(v, m.W1, m.nh1);
  let m1 = affine(plus(vW1, vW1), m.b1, sigmoid);
  let m2 = affine(times(m1, m.W2, m.nh2), m.b2, sigmoid);
  for (let s = 0; s < steps; s++) {
    m1 = affine(plus(vW1, times(m2, m.W2, m.nh1, true)), m.b1, sigmoid);
    m2 = affine(times(m1, m.W2, m.nh2), m.b2, sigmoid);
  }
  return { m1, m2 };
}

/** Σ_j μ log μ + (1 − μ) log(1 − μ) negated, per row. */
export function entropy(q: Matrix): number[] {
  const h = (p: number) => (p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)));
  return Array.from({ length: q.rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < q.cols; c++) s += h(q.data[r * q.cols + c]!);
    return s;
  });
}

function logSumExp(x: readonly number[]): number {
  const m = Math.max(...x);
  return m + Math.log(x.reduce((s, t) => s + Math.exp(t - m), 0));
}

/** The bits of `mask` as a 0/1 row of `n`. */
function bits(mask: number, n: number): Matrix {
  return matrix(1, n, (_, j) => (mask >> j) & 1);
}

/** log Σ_{v,h1,h2} exp(−E): h1 enumerated, v and h2 summed out. */
export function exactLogZ(m: Dbm): number {
  const terms: number[] = [];
  for (let mask = 0; mask < 1 << m.nh1; mask++) {
    const h1 = bits(mask, m.nh1);
    let t = 0;
    for (let j = 0; j < m.nh1; j++) t += h1.data[j]! * m.b1[j]!;
    for (const z of affine(times(h1, m.W1, m.nv, true), m.a).data) t += softplus(z);
    for (const z of affine(times(h1, m.W2, m.nh2), m.b2).data) t += softplus(z);
    terms.push(t);
  }
  return logSumExp(terms);
}

/** Per row of v, the free energy −log Σ_{h1,h2} exp(−E(v, h1, h2)). */
export function exactFreeEnergy(m: Dbm, v: Matrix): number[] {
  const vW1 = times(v, m.W1, m.nh1);
  return Array.from({ length: v.rows }, (_, r) => {
    const terms: number[] = [];
    for (let mask = 0; mask < 1 << m.nh1; mask++) {
      const h1 = bits(mask, m.nh1);
      let t = 0;
      for (let j = 0; j < m.nh1; j++) t += h1.data[j]! * (m.b1[j]! + vW1.data[r * m.nh1 + j]!);
      for (const z of affine(times(h1, m.W2, m.nh2), m.b2).data) t += softplus(z);
      terms.push(t);
    }
    let va = 0;
    for (let i = 0; i < m.nv; i++) va += v.data[r * m.nv + i]! * m.a[i]!;
    return -(va + logSumExp(terms));
  });
}
