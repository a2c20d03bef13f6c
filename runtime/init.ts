// Host-side initializers of persistent tensors: zeros, ones, constant, normal,
// uniform, glorot_uniform/normal, he_normal, orthogonal. Deterministic: each tensor
// draws from Philox keyed by (model seed, a hash of the tensor's name), so a tensor's
// start does not depend on which other tensors exist or their order.
import { DlcError } from './errors';
import { boxMuller, philoxWords, uniform01 } from './philox';
import type { PlanDType, PlanInit } from './plan';

export type TypedTensor = Float32Array | Int32Array | Uint32Array;

/** FNV-1a of a name: the Philox stream of that tensor's initializer. */
export function nameStream(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The counter's step word of initializer draws (training steps count up from 0). */
const INIT_STEP = 0xffffffff;

class Draws {
  constructor(
    private readonly seed: number,
    private readonly stream: number,
  ) {}
  uniform(i: number): number {
    return uniform01(philoxWords(this.seed, this.stream, INIT_STEP, i)[0]);
  }
  normal(i: number): number {
    const w = philoxWords(this.seed, this.stream, INIT_STEP, i);
    return boxMuller(w[0], w[1]);
  }
}

/** Fan-in and fan-out: [in, out] for matrices, [out, in, kh, kw] for convolution kernels. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const field = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * field, fanOut: shape[0] * field };
}

/** An argument by any of its names (or its position, as the lowering may pass `0`, `1`). */
function arg(init: PlanInit, names: readonly string[], fallback: number): number {
  for (const name of names) {
    const v = init.args[name];
    if (typeof v === 'number') return v;
  }
  return fallback;
}

function allocate(dtype: PlanDType, n: number): TypedTensor {
  switch (dtype) {
    case 'f32':
      return new Float32Array(n);
    case 'i32':
      return new Int32Array(n);
    case 'u32':
    case 'bool':
      return new Uint32Array(n);
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

/** Orthonormal rows or columns (whichever are fewer), times `gain`, by Gram–Schmidt on normal draws. */
function orthogonal(out: TypedTensor, shape: readonly number[], draws: Draws, gain: number): void {
  const rows = shape[0] ?? 1;
  const cols = out.length / rows;
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // m vectors of length n, made orthonormal in turn (modified Gram–Schmidt).
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = draws.normal(j * n + i);
    for (const u of q) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += u[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= dot * u[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows >= cols: columns are the vectors; otherwise rows are.
      out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
    }
  }
}

/** The starting elements of a persistent tensor. */
export function initialize(init: PlanInit, dtype: PlanDType, shape: readonly number[], seed: number, name: string): TypedTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = allocate(dtype, n);
  const draws = new Draws(seed >>> 0, nameStream(name));
  const { fanIn, fanOut } = fans(shape);
  const fill = (f: (i: number) => number): void => {
    for (let i = 0; i < n; i++) out[i] = f(i);
  };
  switch (init.name) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'constant':
    case 'full':
      out.fill(arg(init, ['value', '0'], 0));
      break;
    case 'normal': {
      const mean = arg(init, ['mean', 'mu', '0'], 0);
      const std = arg(init, ['std', 'stddev', 'sigma', '1'], 1);
      fill((i) => mean + std * draws.normal(i));
      break;
    }
    case 'uniform': {
      const low = arg(init, ['low', 'min', 'a', '0'], 0);
      const high = arg(init, ['high', 'max', 'b', '1'], 1);
      fill((i) => low + (high - low) * draws.uniform(i));
      break;
    }
    case 'glorot_uniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      fill((i) => limit * (2 * draws.uniform(i) - 1));
      break;
    }
    case 'glorot_normal': {
      const std = Math.sqrt(2 / (fanIn + fanOut));
      fill((i) => std * draws.normal(i));
      break;
    }
    case 'he_normal': {
      const std = Math.sqrt(2 / fanIn);
      fill((i) => std * draws.normal(i));
      break;
    }
    case 'he_uniform': {
      const limit = Math.sqrt(6 / fanIn);
      fill((i) => limit * (2 * draws.uniform(i) - 1));
      break;
    }
    case 'orthogonal':
      orthogonal(out, shape, draws, arg(init, ['gain', '0'], 1));
      break;
    case 'load':
      if (init.data?.length !== n) {
        throw new DlcError(`'${name}': load needs ${n} elements, the plan holds ${init.data?.length ?? 0}`);
      }
      out.set(init.data);
      break;
    default:
      throw new DlcError(`'${name}': unknown initializer '${init.name}'`);
  }
  return out;
}
