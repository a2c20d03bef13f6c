// The initializers of persistent tensors (`param W: f32[784, 10] = glorot_uniform`),
// declared once: name, parameters with defaults, doc and the host-side fill. The
// checker (dsl/resolve.ts), the lowering (compiler/lower/model.ts), the docs
// (dsl/reference.ts) and the runtime all read INITIALIZERS; a new initializer is
// one entry here. Deterministic: each tensor draws from Philox keyed by (model
// seed, a hash of the tensor's name), so a tensor's start does not depend on which
// other tensors exist or their order.
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

/** A parameter of an initializer; without `default` it is required. */
export interface InitializerParam {
  readonly name: string;
  readonly default?: number | string;
  /** A string the compiler consumes (a file name): checked at compile time, never in the plan's args. */
  readonly text?: true;
}

/** What a fill writes into and draws from. */
interface FillContext {
  /** The tensor's name, for messages. */
  readonly name: string;
  readonly out: TypedTensor;
  readonly shape: readonly number[];
  readonly draws: Draws;
  readonly fanIn: number;
  readonly fanOut: number;
  /** Every parameter, the given ones over the defaults. */
  readonly args: Readonly<Record<string, number>>;
  /** `load`: the elements the compiler read from the file. */
  readonly data?: readonly number[];
}

export interface InitializerDef {
  readonly name: string;
  /** In positional order (`normal(0, 0.01)` is mean, std). */
  readonly params: readonly InitializerParam[];
  readonly doc: string;
  fill(c: FillContext): void;
}

const GAIN: InitializerParam = { name: 'gain', default: 1 };

function fillWith(c: FillContext, f: (i: number) => number): void {
  for (let i = 0; i < c.out.length; i++) c.out[i] = f(i);
}
/** Uniform in ±limit. */
const symmetric = (c: FillContext, limit: number): void => fillWith(c, (i) => limit * (2 * c.draws.uniform(i) - 1));
const gaussian = (c: FillContext, mean: number, std: number): void =>
  fillWith(c, (i) => mean + std * c.draws.normal(i));

export const INITIALIZERS: readonly InitializerDef[] = [
  { name: 'zeros', params: [], doc: 'all 0', fill: () => {} },
  { name: 'ones', params: [], doc: 'all 1', fill: (c) => c.out.fill(1) },
  { name: 'constant', params: [{ name: 'value' }], doc: 'all value', fill: (c) => c.out.fill(c.args.value) },
  {
    name: 'normal',
    params: [
      { name: 'mean', default: 0 },
      { name: 'std', default: 1 },
    ],
    doc: 'gaussian samples',
    fill: (c) => gaussian(c, c.args.mean, c.args.std),
  },
  {
    name: 'uniform',
    params: [
      { name: 'low', default: -0.05 },
      { name: 'high', default: 0.05 },
    ],
    doc: 'uniform samples in [low, high)',
    fill: (c) => fillWith(c, (i) => c.args.low + (c.args.high - c.args.low) * c.draws.uniform(i)),
  },
  {
    name: 'glorot_uniform',
    params: [GAIN],
    doc: 'uniform in ±gain*sqrt(6 / (fan_in + fan_out))',
    fill: (c) => symmetric(c, c.args.gain * Math.sqrt(6 / (c.fanIn + c.fanOut))),
  },
  {
    name: 'glorot_normal',
    params: [GAIN],
    doc: 'gaussian with std gain*sqrt(2 / (fan_in + fan_out))',
    fill: (c) => gaussian(c, 0, c.args.gain * Math.sqrt(2 / (c.fanIn + c.fanOut))),
  },
  {
    name: 'he_normal',
    params: [GAIN],
    doc: 'gaussian with std gain*sqrt(2 / fan_in)',
    fill: (c) => gaussian(c, 0, c.args.gain * Math.sqrt(2 / c.fanIn)),
  },
  {
    name: 'he_uniform',
    params: [GAIN],
    doc: 'uniform in ±gain*sqrt(6 / fan_in)',
    fill: (c) => symmetric(c, c.args.gain * Math.sqrt(6 / c.fanIn)),
  },
  {
    name: 'orthogonal',
    params: [GAIN],
    doc: 'a random orthogonal matrix (rows or columns), times gain',
    fill: (c) => orthogonal(c.out, c.shape, c.draws, c.args.gain),
  },
  {
    name: 'load',
    params: [
      { name: 'file', text: true },
      { name: 'tensor', text: true, default: '' },
    ],
    doc: 'the tensor `tensor` of a `.safetensors` file, or the array of a `.npy` file (path relative to the `.dl` file), read at compile time',
    fill: (c) => {
      if (c.data?.length !== c.out.length) {
        throw new DlcError(`'${c.name}': load needs ${c.out.length} elements, the plan holds ${c.data?.length ?? 0}`);
      }
      c.out.set(c.data);
    },
  },
];

export const INITIALIZERS_BY_NAME: ReadonlyMap<string, InitializerDef> = new Map(INITIALIZERS.map((i) => [i.name, i]));

/** The starting elements of a persistent tensor. */
export function initialize(
  init: PlanInit,
  dtype: PlanDType,
  shape: readonly number[],
  seed: number,
  name: string,
): TypedTensor {
  const def = INITIALIZERS_BY_NAME.get(init.name);
  if (!def) throw new DlcError(`'${name}': unknown initializer '${init.name}'`);
  const args: Record<string, number> = {};
  for (const p of def.params) {
    if (p.text) continue;
    const v = init.args[p.name] ?? p.default;
    // The lowering checks the arguments; a hand-written plan may still lack one.
    if (v === undefined) throw new DlcError(`'${name}': initializer '${init.name}' needs '${p.name}'`);
    args[p.name] = v as number; // text params were skipped above
  }
  const out = allocate(
    dtype,
    shape.reduce((a, b) => a * b, 1),
  );
  const draws = new Draws(seed >>> 0, nameStream(name));
  def.fill({ name, out, shape, draws, ...fans(shape), args, ...(init.data ? { data: init.data } : {}) });
  return out;
}
