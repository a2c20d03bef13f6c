// Normalisation ops on NCHW tensors:
//   channel_window_sum  y[c] = Σ x[c'] over channels c' ∈ [c − lo, c − lo + size − 1] (clipped);
//                       its adjoint is the same op with the window mirrored (lo' = size − 1 − lo)
//   lrn                 AlexNet local response normalisation (Krizhevsky et al. 2012):
//                       y = x / (k + α Σ_window x²)^β over `size` channels centred on c, α not divided by size
//   lcn                 local contrast normalisation (Jarrett et al. 2009), defined as a composite of
//                       registry ops (lcnSteps below): reference and gradient come from the
//                       composite; the device runs one fused kernel per example
import type { Attrs, TensorType, Value } from '../ir/types';
import { normalizeAttrs } from '../ir/attrs';
import { numel } from '../ir/types';
import { emitChannelWindowSum, emitLcn, emitLrn, LCN_MAX_PLANE } from '../codegen/kernels/norm';
import type { ChannelWindow } from '../codegen/kernels/norm';
import type { GradBuilder, Tensor } from './registry';
import { defineOp, getOp, ShapeError } from './registry';
import type { Pair } from './window';
import { gaussianWindow, intAttr, numAttr, pairAttr, requireNCHW } from './window';

const scalarF32: TensorType = { dtype: 'f32', shape: [] };

function channelWindow(op: string, x: TensorType, size: number, lo: number): ChannelWindow {
  const [N, C, H, W] = requireNCHW(op, x, 'input', 0);
  if (!(size >= 1)) throw new ShapeError(`${op}: size must be positive, got ${size}`);
  if (!(lo >= 0 && lo < size)) throw new ShapeError(`${op}: lo must be in [0, ${size - 1}], got ${lo}`);
  return { shape: [N, C, H, W], size, lo };
}

function referenceWindowSum(x: Tensor, w: ChannelWindow, term: (v: number) => number): Float64Array {
  const [N, C, H, W] = w.shape;
  const out = new Float64Array(numel(w.shape));
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let cc = Math.max(0, c - w.lo); cc <= Math.min(C - 1, c - w.lo + w.size - 1); cc++)
        for (let p = 0; p < H * W; p++) out[(n * C + c) * H * W + p] += term(x.data[(n * C + cc) * H * W + p]);
  return out;
}

const cwsWindow = (x: TensorType, attrs: Attrs): ChannelWindow =>
  channelWindow('channel_window_sum', x, intAttr(attrs, 'size', 1), intAttr(attrs, 'lo', 0));

defineOp({
  name: 'channel_window_sum',
  kind: 'reduction',
  doc: 'Sum over a window of neighbouring channels [c−lo, c−lo+size−1]: `%1: f32[2,8,6,6] = channel_window_sum %0 [lo=2, size=5]`',
  arity: 1,
  attrs: {
    size: { type: 'int', doc: 'channels in the window' },
    lo: { type: 'int', default: 0, doc: 'channels of the window below c' },
  },
  infer([x], attrs) {
    cwsWindow(x, attrs);
    return [x];
  },
  // Σ_c g[c]·Σ_{c'∈win(c)} x[c'] = Σ_c' x[c']·Σ_{c: c'∈win(c)} g[c], and c ∈ [c'+lo−size+1, c'+lo].
  grad(b, node, [g]) {
    if (!g) return [null];
    const size = intAttr(node.attrs, 'size', 1);
    return [b.op('channel_window_sum', [g], { size, lo: size - 1 - intAttr(node.attrs, 'lo', 0) })];
  },
  reference([x], attrs) {
    return [{ type: x.type, data: referenceWindowSum(x, cwsWindow(x.type, attrs), (v) => v) }];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    return [emitChannelWindowSum(`channel_window_sum_${x.shape.join('x')}`, cwsWindow(x, node.attrs))];
  },
});

// --- LRN --------------------------------------------------------------------------------

interface LrnParams {
  window: ChannelWindow;
  alpha: number;
  beta: number;
  k: number;
}

function lrnParams(x: TensorType, attrs: Attrs): LrnParams {
  const size = intAttr(attrs, 'size', 5);
  const window = channelWindow('lrn', x, size, Math.floor(size / 2));
  const k = numAttr(attrs, 'k', 2);
  const alpha = numAttr(attrs, 'alpha', 1e-4);
  if (!(k > 0) || !(alpha >= 0))
    throw new ShapeError(`lrn: k must be positive and alpha non-negative, got k=${k}, alpha=${alpha}`);
  return { window, alpha, beta: numAttr(attrs, 'beta', 0.75), k };
}

defineOp({
  name: 'lrn',
  kind: 'reduction',
  doc:
    "Local response normalisation across channels, y = x / (k + α Σ_{|c'−c|≤size/2} x²)^β: " +
    '`%1: f32[2,96,55,55] = lrn %0 [alpha=0.0001, beta=0.75, k=2, size=5]`',
  arity: 1,
  attrs: {
    size: { type: 'int', default: 5, doc: 'channels in the window, centred on c' },
    alpha: { type: 'float', default: 1e-4 },
    beta: { type: 'float', default: 0.75 },
    k: { type: 'float', default: 2 },
  },
  infer([x], attrs) {
    lrnParams(x, attrs);
    return [x];
  },
  // With s = k + α·W(x²) (W the channel window sum, Wᵀ its mirror) and y = x·s^−β:
  //   dx = g·s^−β − 2αβ·x·Wᵀ(g·y / s)
  grad(b, node, [g]) {
    if (!g) return [null];
    const x = node.inputs[0];
    const y = node.outputs[0];
    const { window, alpha, beta, k } = lrnParams(x.type, node.attrs);
    const c = (v: number): Value => b.constant(v, scalarF32);
    const win = { size: window.size, lo: window.lo };
    const mirror = { size: window.size, lo: window.size - 1 - window.lo };
    const s = b.op('add', [c(k), b.op('mul', [c(alpha), b.op('channel_window_sum', [b.op('square', [x])], win)])]);
    const direct = b.op('mul', [g, b.op('pow', [s, c(-beta)])]);
    const back = b.op('channel_window_sum', [b.op('div', [b.op('mul', [g, y]), s])], mirror);
    return [b.op('sub', [direct, b.op('mul', [b.op('mul', [x, c(2 * alpha * beta)]), back])])];
  },
  reference([x], attrs) {
    const { window, alpha, beta, k } = lrnParams(x.type, attrs);
    const sq = referenceWindowSum(x, window, (v) => v * v);
    return [{ type: x.type, data: x.data.map((v, e) => v / Math.pow(k + alpha * sq[e], beta)) }];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    const { window, alpha, beta, k } = lrnParams(x, node.attrs);
    return [emitLrn(`lrn_${x.shape.join('x')}`, window, alpha, beta, k)];
  },
});

// --- LCN --------------------------------------------------------------------------------

/** One step of a composite: an op over earlier values (index 0 is the composite's input). */
interface Step {
  readonly op: string;
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
}

function lcnWindow(x: TensorType, attrs: Attrs): { size: Pair; sigma: number } {
  requireNCHW('lcn', x, 'input', 0);
  const size = pairAttr('lcn', attrs, 'size', [9, 9]);
  if (!(size[0] >= 1 && size[1] >= 1 && size[0] % 2 === 1 && size[1] % 2 === 1)) {
    throw new ShapeError(
      `lcn: the window [${size.join(',')}] must have odd, positive sides so that it centres on a pixel`,
    );
  }
  const sigma = numAttr(attrs, 'sigma', 2);
  if (!(sigma > 0)) throw new ShapeError(`lcn: sigma must be positive, got ${sigma}`);
  return { size, sigma };
}

/**
 * Jarrett et al.'s LCN as registry ops, with G the gaussian-weighted mean over
 * the window and all channels (zero padding at the borders):
 *   v = x − G(x);  σ = sqrt(G(v²));  d = max(σ, mean_{h,w} σ);  y = v / (d > 0 ? d : 1)
 * d is 0 only on an all-zero plane, where v is 0 too: y is 0 there instead of 0/0.
 * Values: 1..14 follow the steps; step 14 is y.
 */
export function lcnSteps(x: TensorType, attrs: Attrs): Step[] {
  const { size, sigma } = lcnWindow(x, attrs);
  const g = { size: [...size], stride: [1, 1], padding: [(size[0] - 1) / 2, (size[1] - 1) / 2], sigma };
  const channelMean = { axes: [1], keepdims: true };
  return [
    { op: 'mean', inputs: [0], attrs: channelMean }, // 1
    { op: 'gaussian_pool', inputs: [1], attrs: g }, // 2: G(x)
    { op: 'sub', inputs: [0, 2], attrs: {} }, // 3: v
    { op: 'square', inputs: [3], attrs: {} }, // 4
    { op: 'mean', inputs: [4], attrs: channelMean }, // 5
    { op: 'gaussian_pool', inputs: [5], attrs: g }, // 6: G(v²)
    { op: 'sqrt', inputs: [6], attrs: {} }, // 7: σ
    { op: 'mean', inputs: [7], attrs: { axes: [2, 3], keepdims: true } }, // 8: mean σ per example
    { op: 'maximum', inputs: [7, 8], attrs: {} }, // 9: d
    { op: 'constant', inputs: [], attrs: { value: 0, dtype: 'f32', shape: [] } }, // 10
    { op: 'constant', inputs: [], attrs: { value: 1, dtype: 'f32', shape: [] } }, // 11
    { op: 'gt', inputs: [9, 10], attrs: {} }, // 12
    { op: 'where', inputs: [12, 9, 11], attrs: {} }, // 13: d, or 1 where d is 0
    { op: 'div', inputs: [3, 13], attrs: {} }, // 14: y
  ];
}

/** Emits LCN as its composite of registry ops (how the lowering should place it in a graph). */
export function expandLcn(b: GradBuilder, x: Value, attrs: Attrs): Value {
  const values = emitSteps(b, x, lcnSteps(x.type, attrs));
  return values[values.length - 1];
}

function emitSteps(b: GradBuilder, x: Value, steps: readonly Step[]): Value[] {
  const values: Value[] = [x];
  for (const s of steps)
    values.push(
      b.op(
        s.op,
        s.inputs.map((i) => values[i]),
        s.attrs,
      ),
    );
  return values;
}

defineOp({
  name: 'lcn',
  kind: 'reduction',
  doc:
    'Local contrast normalisation (Jarrett et al. 2009), subtractive then divisive by max(σ, mean σ) ' +
    '(1 where that is 0: an all-zero plane gives 0) ' +
    'with a gaussian window over all channels; ' +
    'defined as a composite of mean, gaussian_pool, sub, square, sqrt, maximum, where and div ' +
    '(reference and gradient; expandLcn emits it), ' +
    'run as one kernel per example for planes of up to 2048 pixels: ' +
    '`%1: f32[2,3,32,32] = lcn %0 [sigma=2, size=[9,9]]`',
  arity: 1,
  attrs: {
    size: { type: 'ints', default: [9, 9], doc: 'odd window [kh, kw]' },
    sigma: { type: 'float', default: 2, doc: 'gaussian standard deviation in pixels' },
  },
  infer([x], attrs) {
    lcnWindow(x, attrs);
    return [x];
  },
  // The composite is rebuilt from x and differentiated step by step in reverse with
  // each step's own gradient rule, so the result is ordinary IR of registry ops.
  grad(b, node, [g]) {
    if (!g) return [null];
    const steps = lcnSteps(node.inputs[0].type, node.attrs);
    const values = emitSteps(b, node.inputs[0], steps);
    const grads = new Map<number, Value>([[steps.length, g]]);
    for (let s = steps.length; s >= 1; s--) {
      const gs = grads.get(s);
      const def = values[s].def;
      const rule = getOp(steps[s - 1].op).grad;
      if (!gs || !def || !rule) continue; // constants have no inputs to pass a gradient to
      const ins = rule(b, def, [gs]);
      steps[s - 1].inputs.forEach((i, j) => {
        const gi = ins[j];
        if (!gi) return;
        const prev = grads.get(i);
        grads.set(i, prev ? b.op('add', [prev, gi]) : gi);
      });
    }
    return [grads.get(0) ?? null];
  },
  reference([x], attrs, ctx) {
    const values: Tensor[] = [x];
    for (const s of lcnSteps(x.type, attrs)) {
      const def = getOp(s.op);
      values.push(
        def.reference(
          s.inputs.map((i) => values[i]),
          normalizeAttrs(def, s.attrs),
          ctx,
        )[0],
      );
    }
    return [values[values.length - 1]];
  },
  kernel(node) {
    const x = node.inputs[0].type;
    const { size, sigma } = lcnWindow(x, node.attrs);
    const [N, C, H, W] = x.shape;
    if (H * W > LCN_MAX_PLANE)
      throw new ShapeError(
        `lcn: planes of ${H}x${W} are larger than the ${LCN_MAX_PLANE} pixels its kernel supports; use expandLcn`,
      );
    return [emitLcn(`lcn_${x.shape.join('x')}`, [N, C, H, W], size, gaussianWindow(size, sigma))];
  },
});
