// Elementwise ops with numpy broadcasting. Each entry gives its dtype rule, its
// gradient (from registry ops, so it can be differentiated again), its float64
// reference and its WGSL expression. The code generator builds the kernels from the
// expressions; an expression may repeat an operand, so the generator passes operands
// as identifiers (`let` bindings), never as large sub-expressions.
import type { Attrs, DType, TensorType, Value } from '../ir/types';
import { DTYPES, numel } from '../ir/types';
import { broadcastIndexMap, broadcastShapes, requireDtypes, requireSameDtype, wgslLiteral, wrapTo } from './broadcast';
import type { AttrSpec, GradBuilder, Tensor } from './registry';
import { defineOp, ShapeError } from './registry';

const NUMERIC: readonly DType[] = ['f32', 'i32', 'u32'];
const SIGNED: readonly DType[] = ['f32', 'i32'];
const FLOAT: readonly DType[] = ['f32'];

export type ElementwiseGrad = (
  b: GradBuilder,
  g: Value,
  ins: readonly Value[],
  out: Value,
  attrs: Attrs,
) => (Value | null)[];

export interface ElementwiseSpec {
  name: string;
  doc: string;
  arity: number;
  attrs?: Record<string, AttrSpec>;
  /** Dtype rule: the output dtype from the input types; throws ShapeError. */
  dtype(inputs: readonly TensorType[], attrs: Attrs): DType;
  /** float64 semantics of one element (before wrapping to the output dtype). */
  f(args: readonly number[], dtypes: readonly DType[], attrs: Attrs): number;
  wgsl(args: readonly string[], dtypes: readonly DType[], attrs: Attrs): string;
  grad?: ElementwiseGrad;
}

/** Defines an elementwise op (with numpy broadcasting) from its per-element pieces. */
export function defineElementwise(spec: ElementwiseSpec): void {
  defineOp({
    name: spec.name,
    kind: 'elementwise',
    doc: spec.doc,
    arity: spec.arity,
    attrs: spec.attrs,
    infer(inputs, attrs) {
      const dtype = spec.dtype(inputs, attrs);
      return [{ dtype, shape: broadcastShapes(spec.name, inputs) }];
    },
    grad: spec.grad
      ? (b, node, outGrads) => {
          const g = outGrads[0];
          if (!g) return node.inputs.map(() => null);
          return spec.grad!(b, g, node.inputs, node.outputs[0], node.attrs);
        }
      : undefined,
    reference(inputs, attrs) {
      const types = inputs.map((t) => t.type);
      const dtype = spec.dtype(types, attrs);
      const shape = broadcastShapes(spec.name, types);
      const n = numel(shape);
      const maps = inputs.map((t) => broadcastIndexMap(t.type.shape, shape));
      const dtypes = types.map((t) => t.dtype);
      const out = new Float64Array(n);
      const args = new Array<number>(inputs.length);
      for (let e = 0; e < n; e++) {
        for (let k = 0; k < inputs.length; k++) args[k] = inputs[k].data[maps[k][e]];
        out[e] = wrapTo(dtype, spec.f(args, dtypes, attrs));
      }
      return [{ type: { dtype, shape }, data: out }];
    },
    wgsl(args, attrs, inputs) {
      return spec.wgsl(
        args,
        inputs.map((t) => t.dtype),
        attrs,
      );
    },
  });
}

// --- dtype rules -------------------------------------------------------------

const sameOf =
  (allowed: readonly DType[]) =>
  (op: string) =>
  (inputs: readonly TensorType[]): DType => {
    requireDtypes(op, inputs, allowed);
    return requireSameDtype(op, inputs);
  };
const numericSame = sameOf(NUMERIC);
const signedSame = sameOf(SIGNED);
const floatSame = sameOf(FLOAT);

function comparisonDtype(op: string, allowBool: boolean) {
  return (inputs: readonly TensorType[]): DType => {
    requireDtypes(op, inputs, allowBool ? DTYPES : NUMERIC);
    requireSameDtype(op, inputs);
    return 'bool';
  };
}

// --- gradient helpers ----------------------------------------------------------

const f32Scalar: TensorType = { dtype: 'f32', shape: [] };
const scalar = (b: GradBuilder, v: number): Value => b.constant(v, f32Scalar);
/** 1.0 where `cond` holds, else 0.0, with cond's shape. */
const mask = (b: GradBuilder, cond: Value): Value => b.op('cast', [cond], { to: 'f32' });
const isFloat = (v: Value): boolean => v.type.dtype === 'f32';
/**
 * `where(cond, x, fallback)` for a value `x` that is only meaningful where `cond`
 * holds: a denominator or log argument made safe before use, so that neither the
 * result nor its own gradient sees the pole (0 · inf would still be NaN).
 */
const safe = (b: GradBuilder, cond: Value, x: Value, fallback: number): Value =>
  b.op('where', [cond, x, scalar(b, fallback)]);

// --- WGSL helpers ---------------------------------------------------------------

const lit = (v: number, d: DType): string => wgslLiteral(v, d);
/** NaN at run time: WGSL forbids NaN constants, so it is made from a runtime value. */
const nanOf = (x: string): string => `bitcast<f32>(0x7fc00000u | (bitcast<u32>(${x}) & 0u))`;
/** IEEE NaN test (x != x is the one spelling every backend keeps). */
const isNan = (x: string): string => `(${x} != ${x})`;

// --- reference helpers -----------------------------------------------------------

/** Integer division as WGSL defines it: truncating, and e1 / 0 = e1 (also i32 MIN / -1). */
function intDiv(a: number, b: number, dtype: DType): number {
  if (b === 0) return a;
  if (dtype === 'i32' && a === -2147483648 && b === -1) return a;
  return Math.trunc(a / b);
}

/** Remainder with the dividend's sign, as WGSL defines it: x % 0 = 0 and i32 min % -1 = 0. */
export function intRem(a: number, b: number, dtype: DType): number {
  if (b === 0 || (dtype === 'i32' && a === -2147483648 && b === -1)) return 0;
  return a % b || 0;
}

function intMul(a: number, b: number, dtype: DType): number {
  return dtype === 'f32' ? a * b : Math.imul(a, b);
}

/** Saturating float → int conversion as WGSL defines it (NaN → 0). */
function castValue(x: number, from: DType, to: DType): number {
  if (to === 'bool') return x !== 0 ? 1 : 0;
  if (to === 'f32') return x;
  if (from === 'f32') {
    if (Number.isNaN(x)) return 0;
    const t = Math.trunc(x);
    // WGSL saturates to the largest f32 inside the integer range (2^31 - 128, 2^32 - 256).
    if (to === 'i32') return Math.min(2147483520, Math.max(-2147483648, t));
    return Math.min(4294967040, Math.max(0, t));
  }
  // Integer ↔ integer keeps the bits, like WGSL's u32(i32) and i32(u32).
  return to === 'i32' ? x | 0 : x >>> 0;
}

function castWgsl(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === 'bool') return from === 'f32' ? `(${x} != 0.0)` : `(${x} != ${lit(0, from)})`;
  if (from === 'bool') return `select(${lit(0, to)}, ${lit(1, to)}, ${x})`;
  if (from === 'f32') {
    // WGSL's f32 → int conversion saturates; NaN is mapped to 0 explicitly.
    return `select(${to}(${x}), ${lit(0, to)}, ${isNan(x)})`;
  }
  if (to === 'f32') return `f32(${x})`;
  return `bitcast<${to}>(${x})`;
}

/** IEEE infinity test on the bits (no finite f32 is mistaken for it). */
const isInf = (x: string): string => `((bitcast<u32>(${x}) & 0x7fffffffu) == 0x7f800000u)`;

/**
 * pow with the special cases of JS's Math.pow spelled out, since backends' pow
 * differ at 0, ±inf and NaN (llvmpipe gives pow(0, -1) = 0): the magnitude is
 * exp2(b·log2|a|) with 0 and ±inf bases handled apart (1/|a| makes the runtime
 * infinity WGSL cannot write as a literal); a negative base keeps its sign for odd
 * integer exponents and gives NaN for non-integer ones unless it is -inf or -0.
 */
function powWgsl(a: string, b: string): string {
  const absA = `abs(${a})`;
  const general = `exp2(${b} * log2(${absA}))`;
  const atInf = `select(1.0 / ${absA}, ${absA}, ${b} > 0.0)`;
  const atZero = `select(${absA}, 1.0 / ${absA}, ${b} < 0.0)`;
  const mag = `select(select(${general}, ${atInf}, ${isInf(a)}), ${atZero}, ${absA} == 0.0)`;
  const oddInt = `(fract(${b} * 0.5) == 0.5)`;
  const isInt = `(floor(${b}) == ${b})`;
  const negative = `select(select(${nanOf(a)}, ${mag}, ${isInt} || ${isInf(a)} || ${absA} == 0.0), -${mag}, ${oddInt})`;
  const signed = `select(${mag}, ${negative}, (bitcast<u32>(${a}) >> 31u) == 1u)`;
  // pow(x, 0) = 1 for every x, NaN included; otherwise NaN in gives NaN out.
  return `select(select(${signed}, ${a} + ${b}, ${isNan(a)} || ${isNan(b)}), 1.0, ${b} == 0.0)`;
}

// --- binary arithmetic --------------------------------------------------------

defineElementwise({
  name: 'add',
  doc: 'Sum with broadcasting: `%2: f32[4,3] = add %0, %1`',
  arity: 2,
  dtype: numericSame('add'),
  f: ([a, b]) => a + b,
  wgsl: ([a, b]) => `(${a} + ${b})`,
  grad: (b, g, [x, y]) => [b.unbroadcast(g, x.type), b.unbroadcast(g, y.type)],
});

defineElementwise({
  name: 'sub',
  doc: 'Difference with broadcasting: `%2: f32[4,3] = sub %0, %1`',
  arity: 2,
  dtype: numericSame('sub'),
  f: ([a, b]) => a - b,
  wgsl: ([a, b]) => `(${a} - ${b})`,
  grad: (b, g, [x, y]) => [b.unbroadcast(g, x.type), b.unbroadcast(b.op('neg', [g]), y.type)],
});

defineElementwise({
  name: 'mul',
  doc: 'Product with broadcasting: `%2: f32[4,3] = mul %0, %1`',
  arity: 2,
  dtype: numericSame('mul'),
  f: ([a, b], [d]) => intMul(a, b, d),
  wgsl: ([a, b]) => `(${a} * ${b})`,
  grad: (b, g, [x, y]) => [b.unbroadcast(b.op('mul', [g, y]), x.type), b.unbroadcast(b.op('mul', [g, x]), y.type)],
});

defineElementwise({
  name: 'div',
  doc: 'Quotient with broadcasting (integers truncate, x / 0 = x as in WGSL): `%2: f32[4,3] = div %0, %1`',
  arity: 2,
  dtype: numericSame('div'),
  f: ([a, b], [d]) => (d === 'f32' ? a / b : intDiv(a, b, d)),
  wgsl: ([a, b]) => `(${a} / ${b})`,
  // d(x/y) = g/y, -g·x/y²
  grad: (b, g, [x, y]) => [
    b.unbroadcast(b.op('div', [g, y]), x.type),
    b.unbroadcast(b.op('neg', [b.op('div', [b.op('mul', [g, x]), b.op('mul', [y, y])])]), y.type),
  ],
});

defineElementwise({
  name: 'mod',
  doc: "Integer remainder with the dividend's sign (the language's `%`; x % 0 = 0): `%2: i32[4] = mod %0, %1`",
  arity: 2,
  dtype: (inputs) => {
    requireDtypes('mod', inputs, ['i32', 'u32']);
    return requireSameDtype('mod', inputs);
  },
  f: ([a, b], [d]) => intRem(a, b, d),
  // WGSL defines both edge cases the same way (x % 0 and i32 min % -1 are 0).
  wgsl: ([a, b]) => `(${a} % ${b})`,
});

defineElementwise({
  name: 'pow',
  doc: 'Power with broadcasting (negative bases need integer exponents, else NaN): `%2: f32[4] = pow %0, %1`',
  arity: 2,
  dtype: floatSame('pow'),
  f: ([a, b]) => Math.pow(a, b),
  wgsl: ([a, b]) => powWgsl(a, b),
  // d(x^y) = g·y·x^(y-1), g·x^y·log x, with JAX's values at the boundary: x^(y-1)
  // is taken as x^0 where y = 0 (so 0^0 has d/dx 0, not 0·inf), and log x as log 1
  // where x = 0 (so d/dy of 0^y is 0, the limit for y > 0, not 0·-inf).
  grad: (b, g, [x, y], out) => {
    const exponent = safe(b, b.op('ne', [y, scalar(b, 0)]), b.op('sub', [y, scalar(b, 1)]), 1);
    const logBase = b.op('log', [safe(b, b.op('ne', [x, scalar(b, 0)]), x, 1)]);
    return [
      b.unbroadcast(b.op('mul', [g, b.op('mul', [y, b.op('pow', [x, exponent])])]), x.type),
      b.unbroadcast(b.op('mul', [g, b.op('mul', [out, logBase])]), y.type),
    ];
  },
});

defineElementwise({
  name: 'minimum',
  doc: 'Smaller of two values, NaN if either is NaN (the language’s binary min): `%2: f32[4] = minimum %0, %1`',
  arity: 2,
  dtype: numericSame('minimum'),
  f: ([a, b]) => Math.min(a, b),
  wgsl: ([a, b], [d]) =>
    d === 'f32' ? `select(min(${a}, ${b}), ${a} + ${b}, ${isNan(a)} || ${isNan(b)})` : `min(${a}, ${b})`,
  // Ties send the gradient to the first operand.
  grad: (b, g, [x, y]) => [
    b.unbroadcast(b.op('mul', [g, mask(b, b.op('le', [x, y]))]), x.type),
    b.unbroadcast(b.op('mul', [g, mask(b, b.op('gt', [x, y]))]), y.type),
  ],
});

defineElementwise({
  name: 'maximum',
  doc: 'Larger of two values, NaN if either is NaN (the language’s binary max): `%2: f32[4] = maximum %0, %1`',
  arity: 2,
  dtype: numericSame('maximum'),
  f: ([a, b]) => Math.max(a, b),
  wgsl: ([a, b], [d]) =>
    d === 'f32' ? `select(max(${a}, ${b}), ${a} + ${b}, ${isNan(a)} || ${isNan(b)})` : `max(${a}, ${b})`,
  grad: (b, g, [x, y]) => [
    b.unbroadcast(b.op('mul', [g, mask(b, b.op('ge', [x, y]))]), x.type),
    b.unbroadcast(b.op('mul', [g, mask(b, b.op('lt', [x, y]))]), y.type),
  ],
});

// --- unary arithmetic -----------------------------------------------------------

defineElementwise({
  name: 'neg',
  doc: 'Negation: `%1: f32[4] = neg %0`',
  arity: 1,
  dtype: signedSame('neg'),
  f: ([a]) => -a,
  wgsl: ([a]) => `(-${a})`,
  grad: (b, g) => [b.op('neg', [g])],
});

defineElementwise({
  name: 'exp',
  doc: 'e to the power x: `%1: f32[4] = exp %0`',
  arity: 1,
  dtype: floatSame('exp'),
  f: ([a]) => Math.exp(a),
  wgsl: ([a]) => `exp(${a})`,
  grad: (b, g, _ins, out) => [b.op('mul', [g, out])],
});

defineElementwise({
  name: 'log',
  doc: 'Natural logarithm (log 0 = -inf, log of a negative = NaN): `%1: f32[4] = log %0`',
  arity: 1,
  dtype: floatSame('log'),
  f: ([a]) => Math.log(a),
  // Backends differ on log(0) and log(x<0); spell out the IEEE answers.
  wgsl: ([a]) => `select(select(log(${a}), ${nanOf(a)}, ${a} < 0.0), -1.0 / abs(${a}), ${a} == 0.0)`,
  grad: (b, g, [x]) => [b.op('div', [g, x])],
});

defineElementwise({
  name: 'sqrt',
  doc: 'Square root (NaN for negatives; its gradient at 0 is 0): `%1: f32[4] = sqrt %0`',
  arity: 1,
  dtype: floatSame('sqrt'),
  f: ([a]) => Math.sqrt(a),
  wgsl: ([a]) => `select(sqrt(${a}), ${nanOf(a)}, ${a} < 0.0)`,
  // d sqrt(x) = g / (2 sqrt(x)) for x > 0, and 0 at x = 0: the value a norm takes
  // there (torch.norm's subgradient), so sqrt of an all-zero window (after relu)
  // gives a zero gradient instead of 0/0 = NaN.
  grad: (b, g, _ins, out) => {
    const positive = b.op('gt', [out, scalar(b, 0)]);
    const slope = b.op('div', [g, b.op('mul', [safe(b, positive, out, 1), scalar(b, 2)])]);
    return [b.op('where', [positive, slope, scalar(b, 0)])];
  },
});

defineElementwise({
  name: 'abs',
  doc: 'Absolute value: `%1: f32[4] = abs %0`',
  arity: 1,
  dtype: signedSame('abs'),
  f: ([a]) => Math.abs(a),
  wgsl: ([a]) => `abs(${a})`,
  grad: (b, g, [x]) => [b.op('mul', [g, b.op('sign', [x])])],
});

defineElementwise({
  name: 'sign',
  doc: 'Sign, -1, 0 or 1 (NaN for NaN); its gradient is zero: `%1: f32[4] = sign %0`',
  arity: 1,
  dtype: signedSame('sign'),
  f: ([a]) => Math.sign(a) + 0,
  wgsl: ([a], [d]) => (d === 'f32' ? `select(sign(${a}), ${a}, ${isNan(a)})` : `sign(${a})`),
  grad: () => [null],
});

defineElementwise({
  name: 'square',
  doc: 'x times x: `%1: f32[4] = square %0`',
  arity: 1,
  dtype: numericSame('square'),
  f: ([a], [d]) => intMul(a, a, d),
  wgsl: ([a]) => `(${a} * ${a})`,
  grad: (b, g, [x]) => [b.op('mul', [g, b.op('mul', [x, scalar(b, 2)])])],
});

defineElementwise({
  name: 'reciprocal',
  doc: '1 / x: `%1: f32[4] = reciprocal %0`',
  arity: 1,
  dtype: floatSame('reciprocal'),
  f: ([a]) => 1 / a,
  wgsl: ([a]) => `(1.0 / ${a})`,
  // d(1/x) = -g / x² = -g·out²
  grad: (b, g, _ins, out) => [b.op('neg', [b.op('mul', [g, b.op('mul', [out, out])])])],
});

// --- activations ---------------------------------------------------------------

defineElementwise({
  name: 'sigmoid',
  doc: 'Logistic function 1/(1+e^-x), stable for large |x|: `%1: f32[4] = sigmoid %0`',
  arity: 1,
  dtype: floatSame('sigmoid'),
  f: ([a]) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
  // exp(-x) overflowing to +inf gives exactly 0, which is right, so one branch suffices.
  wgsl: ([a]) => `(1.0 / (1.0 + exp(-${a})))`,
  grad: (b, g, _ins, out) => [b.op('mul', [g, b.op('mul', [out, b.op('sub', [scalar(b, 1), out])])])],
});

defineElementwise({
  name: 'tanh',
  doc: 'Hyperbolic tangent: `%1: f32[4] = tanh %0`',
  arity: 1,
  dtype: floatSame('tanh'),
  f: ([a]) => Math.tanh(a),
  // Some backends compute tanh from exp and overflow to NaN for large |x|; tanh is ±1 in f32 beyond 10.
  // Some backends also send NaN to -1 (llvmpipe does), so NaN is passed through explicitly.
  wgsl: ([a]) => `select(select(tanh(${a}), sign(${a}), abs(${a}) > 10.0), ${a}, ${isNan(a)})`,
  grad: (b, g, _ins, out) => [b.op('mul', [g, b.op('sub', [scalar(b, 1), b.op('mul', [out, out])])])],
});

defineElementwise({
  name: 'relu',
  doc: 'max(x, 0), keeping NaN: `%1: f32[4] = relu %0`',
  arity: 1,
  dtype: signedSame('relu'),
  f: ([a]) => (a < 0 ? 0 : a),
  // Compilers turn the plain select into max(x, 0), which drops NaN on some backends (llvmpipe).
  wgsl: ([a], [d]) => (d === 'f32' ? `select(max(${a}, 0.0), ${a}, ${isNan(a)})` : `max(${a}, 0i)`),
  grad: (b, g, [x]) => [b.op('mul', [g, mask(b, b.op('gt', [x, scalar(b, 0)]))])],
});

defineElementwise({
  name: 'softplus',
  doc: 'log(1 + e^x), computed as max(x,0) + log1p(e^-|x|): `%1: f32[4] = softplus %0`',
  arity: 1,
  dtype: floatSame('softplus'),
  f: ([a]) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))),
  // log1p(e) by its series where e is small, so softplus of a very negative x keeps its digits.
  wgsl: ([a]) => {
    const e = `exp(-abs(${a}))`;
    return `(select(${a}, 0.0, ${a} < 0.0) + select(log(1.0 + ${e}), ${e} * (1.0 - 0.5 * ${e}), ${e} < 0.001))`;
  },
  grad: (b, g, [x]) => [b.op('mul', [g, b.op('sigmoid', [x])])],
});

defineElementwise({
  name: 'softsign',
  doc: 'x / (1 + |x|), ±1 at ±inf: `%1: f32[4] = softsign %0`',
  arity: 1,
  dtype: floatSame('softsign'),
  f: ([a]) => (Math.abs(a) === Infinity ? Math.sign(a) : a / (1 + Math.abs(a))),
  // inf / inf is NaN; beyond 1e30 the quotient is ±1 in f32 anyway, so sign(x) is exact there.
  wgsl: ([a]) => `select(${a} / (1.0 + abs(${a})), sign(${a}), abs(${a}) > 1e30)`,
  // d softsign = 1 / (1 + |x|)² = (1 - |out|)²
  grad: (b, g, _ins, out) => {
    const r = b.op('sub', [scalar(b, 1), b.op('abs', [out])]);
    return [b.op('mul', [g, b.op('mul', [r, r])])];
  },
});

// --- selection and casts ----------------------------------------------------------

defineElementwise({
  name: 'where',
  doc: 'Select a where cond else b, with broadcasting: `%3: f32[4] = where %0, %1, %2`',
  arity: 3,
  dtype(inputs) {
    requireDtypes('where', inputs, ['bool'], [0]);
    return requireSameDtype('where', inputs, [1, 2]);
  },
  f: ([c, a, b]) => (c !== 0 ? a : b),
  wgsl: ([c, a, b]) => `select(${b}, ${a}, ${c})`,
  grad: (b, g, [c, x, y]) => {
    const zero = scalar(b, 0);
    return [
      null,
      isFloat(x) ? b.unbroadcast(b.op('where', [c, g, zero]), x.type) : null,
      isFloat(y) ? b.unbroadcast(b.op('where', [c, zero, g]), y.type) : null,
    ];
  },
});

defineElementwise({
  name: 'cast',
  doc: 'Convert dtype (float → int truncates and saturates as WGSL does, NaN → 0; bool is 0/1): `%1: i32[4] = cast %0 [to=i32]`',
  arity: 1,
  attrs: { to: { type: 'string', doc: 'target dtype: f32, i32, u32 or bool' } },
  dtype(_inputs, attrs) {
    const to = attrs.to;
    if (typeof to !== 'string' || !(DTYPES as readonly string[]).includes(to)) {
      throw new ShapeError(`cast: unknown target dtype '${String(to)}' (expected one of ${DTYPES.join(', ')})`);
    }
    return to as DType;
  },
  f: ([a], [from], attrs) => castValue(a, from, attrs.to as DType),
  wgsl: ([a], [from], attrs) => castWgsl(a, from, attrs.to as DType),
  grad: (b, g, [x], out) => [isFloat(x) && isFloat(out) ? g : null],
});

// --- comparisons and logic -------------------------------------------------------

const comparisons: [string, string, (a: number, b: number) => boolean, boolean][] = [
  ['eq', '==', (a, b) => a === b, true],
  ['ne', '!=', (a, b) => a !== b, true],
  ['lt', '<', (a, b) => a < b, false],
  ['le', '<=', (a, b) => a <= b, false],
  ['gt', '>', (a, b) => a > b, false],
  ['ge', '>=', (a, b) => a >= b, false],
];
for (const [name, symbol, test, allowBool] of comparisons) {
  defineElementwise({
    name,
    doc: `Comparison a ${symbol} b → bool, with broadcasting: \`%2: bool[4] = ${name} %0, %1\``,
    arity: 2,
    dtype: comparisonDtype(name, allowBool),
    f: ([a, b]) => (test(a, b) ? 1 : 0),
    wgsl: ([a, b]) => `(${a} ${symbol} ${b})`,
    // Piecewise constant: no gradient flows to either operand.
    grad: () => [null, null],
  });
}

const logicDtype =
  (op: string) =>
  (inputs: readonly TensorType[]): DType => {
    requireDtypes(op, inputs, ['bool']);
    return 'bool';
  };

defineElementwise({
  name: 'logical_and',
  doc: 'Boolean and: `%2: bool[4] = logical_and %0, %1`',
  arity: 2,
  dtype: logicDtype('logical_and'),
  f: ([a, b]) => (a !== 0 && b !== 0 ? 1 : 0),
  wgsl: ([a, b]) => `(${a} && ${b})`,
});

defineElementwise({
  name: 'logical_or',
  doc: 'Boolean or: `%2: bool[4] = logical_or %0, %1`',
  arity: 2,
  dtype: logicDtype('logical_or'),
  f: ([a, b]) => (a !== 0 || b !== 0 ? 1 : 0),
  wgsl: ([a, b]) => `(${a} || ${b})`,
});

defineElementwise({
  name: 'logical_not',
  doc: 'Boolean not: `%1: bool[4] = logical_not %0`',
  arity: 1,
  dtype: logicDtype('logical_not'),
  f: ([a]) => (a !== 0 ? 0 : 1),
  wgsl: ([a]) => `(!${a})`,
});
