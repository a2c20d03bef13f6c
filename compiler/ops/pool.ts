// Pooling over NCHW planes with windows `size`, `stride` (default: the size) and
// `padding`:
//   max_pool, max_pool_grad                      first maximum in row-major window order; padding never wins
//   max_pool_with_switches, max_unpool(_grad)    switches are the flat index (y·W + x) of that maximum
//                                                in its input plane, for deconvnets (Zeiler & Fergus)
//   avg_pool(_grad), gaussian_pool(_grad)        weighted window sums, padding reads as 0 and still
//                                                counts in the divisor (weights sum to 1 over the window)
//   l2_pool                                      sqrt of the window's sum of squares
// The linear pools' gradients are their adjoints (the *_grad ops), whose gradients
// are the pools again; the max family's gradients route through switches, so every
// gradient stays differentiable.
import type { Attrs, TensorType, Value } from '../ir/types';
import { numel } from '../ir/types';
import type { PoolShape, PoolWindow } from '../codegen/kernels/pool';
import { emitMaxPoolGradTiled } from '../codegen/kernels/pool-fused';
import { poolWindowsTile } from './fusion-rules';
import {
  emitMaxPool,
  emitMaxPoolGrad,
  emitMaxUnpool,
  emitMaxUnpoolGrad,
  emitWindowSum,
  emitWindowSumGrad,
} from '../codegen/kernels/pool';
import type { AttrSpec, GradBuilder, Tensor } from './registry';
import { defineOp, getOp, ShapeError } from './registry';
import type { Pair } from './window';
import {
  gaussianWindow,
  numAttr,
  pairAttr,
  requireNCHW,
  requireNonNegative,
  requirePositive,
  shapeText,
  transposedSize,
  WINDOW_ATTRS,
  windowOut,
} from './window';

const OUT_ATTR: AttrSpec = {
  type: 'ints',
  default: [],
  doc: 'spatial size [h, w] of the unpooled/gradient output; [] means (p−1)·s − 2·pad + k',
};
const SIGMA_ATTR: AttrSpec = {
  type: 'float',
  default: 1,
  doc: 'standard deviation of the gaussian weights, in pixels',
};

function poolWindow(op: string, attrs: Attrs, max: boolean): PoolWindow {
  const size = pairAttr(op, attrs, 'size');
  requirePositive(op, 'size', size);
  const stride = pairAttr(op, attrs, 'stride', size);
  requirePositive(op, 'stride', stride);
  const padding = pairAttr(op, attrs, 'padding', [0, 0]);
  requireNonNegative(op, 'padding', padding);
  // With padding ≥ size a max window could hold only padding and have no maximum.
  if (max && (padding[0] >= size[0] || padding[1] >= size[1])) {
    throw new ShapeError(`${op}: padding [${padding.join(',')}] must be smaller than the window [${size.join(',')}]`);
  }
  return { size, stride, padding };
}

function windowAttrs(w: PoolWindow): Attrs {
  return { size: [...w.size], stride: [...w.stride], padding: [...w.padding] };
}

/** [N, C, PH, PW] of pooling `x`. */
function pooledType(op: string, x: TensorType, w: PoolWindow): TensorType {
  const [N, C, H, W] = requireNCHW(op, x, 'input', 0);
  const [PH, PW] = windowOut(op, 'input', [H, W], w.size, w.stride, w.padding);
  return { dtype: 'f32', shape: [N, C, PH, PW] };
}

/** The input-side [h, w] of a backward/unpool op: the `out` attribute, or the smallest size that pools to `pooled`. */
function unpooledHW(op: string, attrs: Attrs, pooled: TensorType, w: PoolWindow): Pair {
  const [, , PH, PW] = pooled.shape;
  const fallback: Pair = [
    transposedSize(PH, w.size[0], w.stride[0], w.padding[0], 0),
    transposedSize(PW, w.size[1], w.stride[1], w.padding[1], 0),
  ];
  const hw = pairAttr(op, attrs, 'out', fallback);
  if (!(hw[0] >= 1 && hw[1] >= 1)) throw new ShapeError(`${op}: output size [${hw.join(',')}] must be positive`);
  const [EH, EW] = windowOut(op, 'output', hw, w.size, w.stride, w.padding);
  if (EH !== PH || EW !== PW) {
    throw new ShapeError(
      `${op}: pooling a ${hw.join('x')} plane gives ${EH}x${EW}, but the pooled operand is ${shapeText(pooled)}`,
      0,
    );
  }
  return hw;
}

function requireSameShape(op: string, a: TensorType, b: TensorType, what: string, operand: number): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: ${what} ${shapeText(b)} does not match ${shapeText(a)}`, operand);
  }
}

function requireSwitches(op: string, pooled: TensorType, switches: TensorType): void {
  if (switches.dtype !== 'i32') throw new ShapeError(`${op}: switches are ${shapeText(switches)}, expected i32`, 1);
  requireSameShape(op, pooled, switches, 'switches', 1);
}

const poolShape = (x: TensorType, y: TensorType): PoolShape => ({
  planes: x.shape[0] * x.shape[1],
  inHW: [x.shape[2], x.shape[3]],
  outHW: [y.shape[2], y.shape[3]],
});

// --- float64 references ------------------------------------------------------------

/** Visits every in-range (input, output) pair of each window, in row-major window order. */
function forEachWindow(s: PoolShape, w: PoolWindow, visit: (xi: number, yi: number, k: number) => void): void {
  const [H, W] = s.inHW;
  const [PH, PW] = s.outHW;
  for (let pl = 0; pl < s.planes; pl++)
    for (let py = 0; py < PH; py++)
      for (let px = 0; px < PW; px++) {
        const yi = (pl * PH + py) * PW + px;
        for (let i = 0; i < w.size[0]; i++) {
          const h = py * w.stride[0] - w.padding[0] + i;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < w.size[1]; j++) {
            const v = px * w.stride[1] - w.padding[1] + j;
            if (v < 0 || v >= W) continue;
            visit((pl * H + h) * W + v, yi, i * w.size[1] + j);
          }
        }
      }
}

/** Pooled maxima and their switches (flat index within the plane). */
function maxWithSwitches(x: Tensor, w: PoolWindow, type: TensorType): { max: Float64Array; arg: Float64Array } {
  const s = poolShape(x.type, type);
  const n = numel(type.shape);
  const max = new Float64Array(n).fill(-Infinity);
  const arg = new Float64Array(n).fill(-1);
  const plane = s.inHW[0] * s.inHW[1];
  forEachWindow(s, w, (xi, yi) => {
    if (arg[yi] < 0 || x.data[xi] > max[yi]) {
      max[yi] = x.data[xi];
      arg[yi] = xi % plane;
    }
  });
  return { max, arg };
}

/** Scatter-adds pooled values to their switches: the adjoint of gathering at the switches. */
function unpool(pooled: Tensor, switches: Tensor, outType: TensorType): Float64Array {
  const [, , H, W] = outType.shape;
  const [, , PH, PW] = pooled.type.shape;
  const out = new Float64Array(numel(outType.shape));
  for (let k = 0; k < pooled.data.length; k++) {
    const sw = switches.data[k];
    if (sw >= 0 && sw < H * W) out[Math.floor(k / (PH * PW)) * H * W + sw] += pooled.data[k];
  }
  return out;
}

// --- max pooling -----------------------------------------------------------------------

const f32Of = (shape: readonly number[]): TensorType => ({ dtype: 'f32', shape });
const i32Of = (shape: readonly number[]): TensorType => ({ dtype: 'i32', shape });

function switchesOf(b: GradBuilder, x: Value, w: PoolWindow): Value {
  return b.opN('max_pool_with_switches', [x], windowAttrs(w))[1];
}

defineOp({
  name: 'max_pool',
  kind: 'movement',
  doc: 'Max over each window (first maximum wins ties): `%1: f32[64,20,12,12] = max_pool %0 [padding=[0,0], size=[2,2], stride=[2,2]]`',
  arity: 1,
  attrs: WINDOW_ATTRS,
  infer: ([x], attrs) => [pooledType('max_pool', x, poolWindow('max_pool', attrs, true))],
  grad: (b, node, [g]) => [g ? b.op('max_pool_grad', [node.inputs[0], g], node.attrs) : null],
  reference([x], attrs) {
    const w = poolWindow('max_pool', attrs, true);
    const type = pooledType('max_pool', x.type, w);
    return [{ type, data: maxWithSwitches(x, w, type).max }];
  },
  kernel(node) {
    const w = poolWindow('max_pool', node.attrs, true);
    const [x, y] = [node.inputs[0].type, node.outputs[0].type];
    return [emitMaxPool(`max_pool_${x.shape.join('x')}`, w, poolShape(x, y), false)];
  },
});

defineOp({
  name: 'max_pool_grad',
  kind: 'movement',
  doc:
    "Gradient of max_pool: g routed to each window's first maximum in x: " +
    '`%2: f32[64,20,24,24] = max_pool_grad %x, %g [padding=[0,0], size=[2,2], stride=[2,2]]`',
  arity: 2,
  attrs: WINDOW_ATTRS,
  infer([x, g], attrs) {
    const p = pooledType('max_pool_grad', x, poolWindow('max_pool_grad', attrs, true));
    requireSameShape('max_pool_grad', p, g, 'gradient', 1);
    return [f32Of(x.shape)];
  },
  // Linear in g (x only picks the routes, which are locally constant): dg = gather of dd at the switches of x.
  grad(b, node, [dd]) {
    if (!dd) return [null, null];
    const w = poolWindow('max_pool_grad', node.attrs, true);
    return [null, b.op('max_unpool_grad', [dd, switchesOf(b, node.inputs[0], w)], { ...windowAttrs(w) })];
  },
  reference([x, g], attrs) {
    const w = poolWindow('max_pool_grad', attrs, true);
    const { arg } = maxWithSwitches(x, w, g.type);
    return [{ type: f32Of(x.type.shape), data: unpool(g, { type: i32Of(g.type.shape), data: arg }, x.type) }];
  },
  kernel(node) {
    const w = poolWindow('max_pool_grad', node.attrs, true);
    const [x, g] = node.inputs.map((v) => v.type);
    const name = `max_pool_grad_${x.shape.join('x')}`;
    return [
      poolWindowsTile(w) ? emitMaxPoolGradTiled(name, w, poolShape(x, g)) : emitMaxPoolGrad(name, w, poolShape(x, g)),
    ];
  },
});

defineOp({
  name: 'max_pool_with_switches',
  kind: 'movement',
  doc:
    'max_pool that also returns the switches (i32 flat index y·W + x of each maximum in its plane): ' +
    '`%1: f32[1,8,4,4], %2: i32[1,8,4,4] = max_pool_with_switches %0 [padding=[0,0], size=[2,2], stride=[2,2]]`',
  arity: 1,
  attrs: WINDOW_ATTRS,
  infer([x], attrs) {
    const p = pooledType('max_pool_with_switches', x, poolWindow('max_pool_with_switches', attrs, true));
    return [p, i32Of(p.shape)];
  },
  grad: (b, node, [g]) => [g ? b.op('max_pool_grad', [node.inputs[0], g], node.attrs) : null],
  reference([x], attrs) {
    const w = poolWindow('max_pool_with_switches', attrs, true);
    const type = pooledType('max_pool_with_switches', x.type, w);
    const { max, arg } = maxWithSwitches(x, w, type);
    return [
      { type, data: max },
      { type: i32Of(type.shape), data: arg },
    ];
  },
  kernel(node) {
    const w = poolWindow('max_pool_with_switches', node.attrs, true);
    const [x, y] = [node.inputs[0].type, node.outputs[0].type];
    return [emitMaxPool(`max_pool_with_switches_${x.shape.join('x')}`, w, poolShape(x, y), true)];
  },
});

defineOp({
  name: 'max_unpool',
  kind: 'movement',
  doc:
    'Places pooled values at their switches, zeros elsewhere (the deconvnet unpooling; window attrs as the pooling): ' +
    '`%2: f32[1,8,8,8] = max_unpool %p, %s [out=[8,8], padding=[0,0], size=[2,2], stride=[2,2]]`',
  arity: 2,
  attrs: { ...WINDOW_ATTRS, out: OUT_ATTR },
  infer([p, s], attrs) {
    const w = poolWindow('max_unpool', attrs, true);
    requireNCHW('max_unpool', p, 'pooled input', 0);
    requireSwitches('max_unpool', p, s);
    const [H, W] = unpooledHW('max_unpool', attrs, p, w);
    return [f32Of([p.shape[0], p.shape[1], H, W])];
  },
  grad: (b, node, [g]) => [
    g ? b.op('max_unpool_grad', [g, node.inputs[1]], windowAttrs(poolWindow('max_unpool', node.attrs, true))) : null,
    null,
  ],
  reference([p, s], attrs) {
    const [type] = getInfer('max_unpool')([p.type, s.type], attrs);
    return [{ type, data: unpool(p, s, type) }];
  },
  kernel(node) {
    const w = poolWindow('max_unpool', node.attrs, true);
    const [p, y] = [node.inputs[0].type, node.outputs[0].type];
    return [emitMaxUnpool(`max_unpool_${y.shape.join('x')}`, w, poolShape(y, p))];
  },
});

defineOp({
  name: 'max_unpool_grad',
  kind: 'movement',
  doc: 'Gathers g at the switches (the adjoint of max_unpool): `%2: f32[1,8,4,4] = max_unpool_grad %g, %s [padding=[0,0], size=[2,2], stride=[2,2]]`',
  arity: 2,
  attrs: WINDOW_ATTRS,
  infer([g, s], attrs) {
    const w = poolWindow('max_unpool_grad', attrs, true);
    const p = pooledType('max_unpool_grad', g, w);
    requireSwitches('max_unpool_grad', p, s);
    return [p];
  },
  grad(b, node, [dd]) {
    if (!dd) return [null, null];
    const [g, s] = node.inputs;
    return [b.op('max_unpool', [dd, s], { ...node.attrs, out: [g.type.shape[2], g.type.shape[3]] }), null];
  },
  reference([g, s], attrs) {
    const [type] = getInfer('max_unpool_grad')([g.type, s.type], attrs);
    const [, , H, W] = g.type.shape;
    const [, , PH, PW] = type.shape;
    const data = Float64Array.from(s.data, (sw, k) =>
      sw >= 0 && sw < H * W ? g.data[Math.floor(k / (PH * PW)) * H * W + sw] : 0,
    );
    return [{ type, data }];
  },
  kernel(node) {
    const [g, s] = node.inputs.map((v) => v.type);
    return [emitMaxUnpoolGrad(`max_unpool_grad_${g.shape.join('x')}`, poolShape(g, s))];
  },
});

// --- linear pools (average, gaussian) and their adjoints ----------------------------------------

interface LinearPool {
  readonly name: string;
  readonly doc: string;
  readonly gradDoc: string;
  readonly attrs: Record<string, AttrSpec>;
  weights(w: PoolWindow, attrs: Attrs): Float64Array;
}

function defineLinearPool(p: LinearPool): void {
  const gradName = `${p.name}_grad`;
  defineOp({
    name: p.name,
    kind: 'movement',
    doc: p.doc,
    arity: 1,
    attrs: p.attrs,
    infer([x], attrs) {
      const w = poolWindow(p.name, attrs, false);
      p.weights(w, attrs); // validates the weight attributes (sigma)
      return [pooledType(p.name, x, w)];
    },
    grad(b, node, [g]) {
      if (!g) return [null];
      const x = node.inputs[0].type;
      return [b.op(gradName, [g], { ...node.attrs, out: [x.shape[2], x.shape[3]] })];
    },
    reference([x], attrs) {
      const w = poolWindow(p.name, attrs, false);
      const type = pooledType(p.name, x.type, w);
      const wt = p.weights(w, attrs);
      const out = new Float64Array(numel(type.shape));
      forEachWindow(poolShape(x.type, type), w, (xi, yi, k) => (out[yi] += wt[k] * x.data[xi]));
      return [{ type, data: out }];
    },
    kernel(node) {
      const w = poolWindow(p.name, node.attrs, false);
      const [x, y] = [node.inputs[0].type, node.outputs[0].type];
      return [emitWindowSum(`${p.name}_${x.shape.join('x')}`, w, poolShape(x, y), p.weights(w, node.attrs))];
    },
  });
  defineOp({
    name: gradName,
    kind: 'movement',
    doc: p.gradDoc,
    arity: 1,
    attrs: { ...p.attrs, out: OUT_ATTR },
    infer([g], attrs) {
      const w = poolWindow(gradName, attrs, false);
      requireNCHW(gradName, g, 'gradient', 0);
      const [H, W] = unpooledHW(gradName, attrs, g, w);
      return [f32Of([g.shape[0], g.shape[1], H, W])];
    },
    grad(b, node, [dd]) {
      if (!dd) return [null];
      const { out: _out, ...attrs } = node.attrs;
      return [b.op(p.name, [dd], attrs)];
    },
    reference([g], attrs) {
      const w = poolWindow(gradName, attrs, false);
      const [type] = getInfer(gradName)([g.type], attrs);
      const wt = p.weights(w, attrs);
      const out = new Float64Array(numel(type.shape));
      forEachWindow(poolShape(type, g.type), w, (xi, yi, k) => (out[xi] += wt[k] * g.data[yi]));
      return [{ type, data: out }];
    },
    kernel(node) {
      const w = poolWindow(gradName, node.attrs, false);
      const [g, x] = [node.inputs[0].type, node.outputs[0].type];
      return [emitWindowSumGrad(`${gradName}_${x.shape.join('x')}`, w, poolShape(x, g), p.weights(w, node.attrs))];
    },
  });
}

defineLinearPool({
  name: 'avg_pool',
  doc: 'Mean over each window; padding counts as zeros in the mean: `%1: f32[2,3,3,3] = avg_pool %0 [padding=[0,0], size=[2,2], stride=[2,2]]`',
  gradDoc:
    'Adjoint of avg_pool (g spread evenly over each window): `%1: f32[2,3,6,6] = avg_pool_grad %0 [out=[6,6], padding=[0,0], size=[2,2], stride=[2,2]]`',
  attrs: WINDOW_ATTRS,
  weights: (w) => new Float64Array(w.size[0] * w.size[1]).fill(1 / (w.size[0] * w.size[1])),
});

defineLinearPool({
  name: 'gaussian_pool',
  doc:
    'Gaussian-weighted mean over each window (weights exp(−r²/2σ²) from the window centre, summing to 1): ' +
    '`%1: f32[2,3,2,2] = gaussian_pool %0 [padding=[0,0], sigma=1, size=[3,3], stride=[2,2]]`',
  gradDoc:
    'Adjoint of gaussian_pool: `%1: f32[2,3,5,5] = gaussian_pool_grad %0 [out=[5,5], padding=[0,0], sigma=1, size=[3,3], stride=[2,2]]`',
  attrs: { ...WINDOW_ATTRS, sigma: SIGMA_ATTR },
  weights(w, attrs) {
    const sigma = numAttr(attrs, 'sigma', 1);
    if (!(sigma > 0)) throw new ShapeError(`gaussian_pool: sigma must be positive, got ${sigma}`);
    return gaussianWindow(w.size, sigma);
  },
});

// --- L2 pooling -------------------------------------------------------------------------------

defineOp({
  name: 'l2_pool',
  kind: 'movement',
  doc: 'Square root of the sum of squares over each window (padding adds 0): `%1: f32[2,3,3,3] = l2_pool %0 [padding=[0,0], size=[2,2], stride=[2,2]]`',
  arity: 1,
  attrs: WINDOW_ATTRS,
  infer: ([x], attrs) => [pooledType('l2_pool', x, poolWindow('l2_pool', attrs, false))],
  // y = sqrt(Σ x²) ⇒ dx = x · Σ_windows∋x g/y = x · k·avg_pool_grad(g/y), k the window's element count.
  // A window that is all zero (common after relu) contributes 0, the subgradient of a
  // norm at 0; its y is replaced by 1 before dividing so that no 0/0 is formed.
  grad(b, node, [g]) {
    if (!g) return [null];
    const x = node.inputs[0];
    const y = node.outputs[0];
    const w = poolWindow('l2_pool', node.attrs, false);
    const scalar = (v: number) => b.constant(v, { dtype: 'f32', shape: [] });
    const k = scalar(w.size[0] * w.size[1]);
    const positive = b.op('gt', [y, scalar(0)]);
    const perWindow = b.op('where', [positive, b.op('div', [g, b.op('where', [positive, y, scalar(1)])]), scalar(0)]);
    const spread = b.op('avg_pool_grad', [perWindow], { ...windowAttrs(w), out: [x.type.shape[2], x.type.shape[3]] });
    return [b.op('mul', [x, b.op('mul', [spread, k])])];
  },
  reference([x], attrs) {
    const w = poolWindow('l2_pool', attrs, false);
    const type = pooledType('l2_pool', x.type, w);
    const out = new Float64Array(numel(type.shape));
    forEachWindow(poolShape(x.type, type), w, (xi, yi) => (out[yi] += x.data[xi] * x.data[xi]));
    return [{ type, data: out.map(Math.sqrt) }];
  },
  kernel(node) {
    const w = poolWindow('l2_pool', node.attrs, false);
    const [x, y] = [node.inputs[0].type, node.outputs[0].type];
    return [emitWindowSum(`l2_pool_${x.shape.join('x')}`, w, poolShape(x, y), null)];
  },
});

/** The shape rule of an op defined above (for references that need their output type). */
function getInfer(name: string): (inputs: readonly TensorType[], attrs: Attrs) => TensorType[] {
  return (inputs, attrs) => getOp(name).infer(inputs, attrs);
}
