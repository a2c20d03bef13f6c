// Fused convolution kernels for the fusion pass. Entry points (each doc comment
// states its exact binding order, inputs then outputs, per KernelSpec):
//   emitConv2dEpilogue         conv2d → + bias[c] → elementwise expr      fused_conv2d_add_relu
//   emitConv2dPool             conv2d → bias → expr → max_pool/avg_pool, writing the pooled
//                              values (+ i32 switches, + the pre-pool values on request)
//   emitConv2dNorm             conv2d → bias → expr → lrn across the channels of the tile
//                              (+ the values before lrn on request), when all fit one tile
//   emitConv2dTransposeFused   conv2d_transpose of the gradient masked by the activation's
//   emitConv2dFilterGradFused  derivative (gradMask) and/or unpooled through switches (unpool)
//   ./pool-fused.ts            emitMaxUnpoolMasked / emitMaxPoolGradTiled: the max pool's
//                              gradient × the activation mask in one (cheap) kernel
// Helpers: convParamsOf reads a conv node's attributes (poolWindowOf, in
// compiler/ops/fusion-rules.ts, a pooling node's); conv2dOutputType,
// conv2dPoolOutputs give output types; activation / biasActivation build epilogues
// from the registry's WGSL templates; RELU_GRAD_MASK is relu's mask. All kernels are
// the direct convolution nest of ./conv with hooks; see there for the tiling.
//
// Measured on llvmpipe (2 cores shared with other jobs, load 7–14 while measuring, so
// best of 4–8 rounds; single numbers still moved by up to 2×), ms per dispatch:
//   forward, LeNet conv1 [64,1,28,28]*[20,1,5,5] → 24² → max pool 2 (with switches):
//     separate conv2d 4.0 + add 3.0 + relu 1.7 + max_pool 0.9 = 9.6 (4 kernels),
//     with add+relu as one elementwise kernel (2.0) 6.9 (3 kernels);
//     conv2d+bias+relu epilogue 4.3; all fused in one kernel 3.3 (10×4 tile; 8×4: 4.0).
//   forward, LeNet conv2 [64,20,12,12]*[50,20,5,5] → 8² → max pool 2:
//     separate 15.0 + 0.9 + 0.5 + 0.3 = 16.7 (3 kernels: 15.9); fused 13.5 (8×4: 15.1).
//   backward of conv1 → relu → pool: max_pool_grad 1.2 + relu mask 2.0 + dx 8.2 + dw 6.5;
//     emitMaxUnpoolMasked 1.1 replaces the first two. Masking inside the backward
//     convolutions is slower here (dx 13.4, dw 12.1; unpooling inside them too: 37.6,
//     22.3): every gradient element is reread, and masked, once per filter tap, and
//     lane-varying loads are what llvmpipe pays for. LeNet conv2 alike (dx 103 → 148,
//     dw 57 → 95 masked inside; pool grad + mask 1.5 → 0.5 fused).
// So for LeNet's train pass: forward emitConv2dPool with switches; backward
// emitMaxUnpoolMasked then the plain conv2d_transpose / conv2d_filter_grad. The
// in-convolution gradMask/unpool options are correct (tested) and may pay on GPUs,
// where they save a pass over memory; not measured there.
// (Numbers above predate operand textures; with ctx.textures the nest reads x and w
// as texels and blocks rows, see ./conv: LeNet batch 128, conv2 forward 20 → 12 ms.)
import type { AttrValue, Attrs, TensorType } from '../../ir/types';
import type { KernelSpec } from '../kernel-spec';
import { getOp } from '../../ops/registry';
import { loadExpr, storageType } from '../wgsl/buffers';
import type { ConvBinding, ConvNestOptions, ConvOutputAt } from './conv';
import { emitConvNest } from './conv';
import type { ConvParams } from './conv-geometry';
import { conv2dGeometry, conv2dTransposeGeometry, filterGradGeometry } from './conv-geometry';
import type { PoolWindow } from './pool';
import {
  lrnFitsTile,
  NORM_TILE_MAX_CHANNELS,
  pairAttr,
  pooledType,
  poolCoversOutput,
  poolWindowsTile,
  windowCount,
} from '../../ops/fusion-rules';

export type { ConvParams } from './conv-geometry';
export type { PoolWindow } from './pool';
export type { ConvTile } from './conv';

type Pair = readonly [number, number];

// --- reading IR attributes ---------------------------------------------------------

/** A conv2d (or conv2d_transpose / conv2d_filter_grad) node's attributes as numbers. */
export function convParamsOf(attrs: Attrs): ConvParams {
  return {
    stride: pairAttr(attrs.stride, [1, 1]),
    padding: pairAttr(attrs.padding, [0, 0]),
    groups: typeof attrs.groups === 'number' ? attrs.groups : 1,
  };
}

// --- shapes ----------------------------------------------------------------------------

/** conv2d's output type for x [N,C,H,W] * w [O,Cg,KH,KW]. */
export function conv2dOutputType(x: TensorType, w: TensorType, conv: ConvParams): TensorType {
  const [N, , H, W] = x.shape;
  const [O, , KH, KW] = w.shape;
  return {
    dtype: 'f32',
    shape: [
      N,
      O,
      windowCount(H, KH, conv.stride[0], conv.padding[0]),
      windowCount(W, KW, conv.stride[1], conv.padding[1]),
    ],
  };
}

// --- epilogues ---------------------------------------------------------------------------

/** The position of one conv output element, as i32 WGSL expressions, for an epilogue. */
export interface ConvIndex {
  readonly n: string;
  readonly c: string;
  readonly y: string;
  readonly x: string;
  /** Flat index into the conv output [N, O, OH, OW]. */
  readonly flat: string;
  /**
   * WGSL loading extra input `k` at this position, its shape broadcast right-aligned
   * against [N, O, OH, OW] (numpy rules); f32/i32/u32 as stored, bool as a WGSL bool.
   */
  load(k: number): string;
}

/**
 * What happens to each conv output before it is stored (or pooled), in this order:
 * `+ bias[c]` when `bias`, then `expr`. The hook is data, so the fusion pass can
 * compose it from registry ops' `wgsl` templates (see `activation`).
 */
export interface ConvEpilogue {
  /** Add a per-output-channel f32 bias (O elements, any shape with that count: [O], [O,1,1], [1,O,1,1]). */
  readonly bias?: boolean;
  /** Further inputs `expr` reads through `idx.load(k)`, bound after the bias in this order. */
  readonly extraInputs?: readonly TensorType[];
  /**
   * An f32 WGSL expression of `v` (a let-bound name holding the biased sum, safe to
   * use several times) and the element's position. `bind(e)` emits `let t = e;`
   * first and returns `t`, to share a subexpression.
   */
  readonly expr?: (v: string, idx: ConvIndex, bind: (expr: string) => string) => string;
}

/** An elementwise registry op (one operand) as an epilogue step: `activation('relu')`. */
export function activation(op: string, attrs: Attrs = {}): (v: string) => string {
  const def = getOp(op);
  const wgsl = def.wgsl;
  if (def.kind !== 'elementwise' || !wgsl) throw new Error(`op '${op}' has no elementwise WGSL template`);
  const type: TensorType = { dtype: 'f32', shape: [] };
  return (v) => wgsl([v], attrs, [type]);
}

/** The epilogue `activation(op)(v + bias[c])`. */
export function biasActivation(op: string, attrs: Attrs = {}): ConvEpilogue {
  const act = activation(op, attrs);
  return { bias: true, expr: (v) => act(v) };
}

function stridesOf(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) out[k] = out[k + 1] * shape[k + 1];
  return out;
}

/** i32 index into a tensor of shape `from` broadcast against [N, O, OH, OW] at coordinates `coords`. */
function broadcastAt(from: readonly number[], out: readonly number[], coords: readonly string[]): string {
  if (from.length > out.length)
    throw new Error(`epilogue input of rank ${from.length} does not broadcast against [${out.join(',')}]`);
  const strides = stridesOf(from);
  const offset = out.length - from.length;
  const terms: string[] = [];
  from.forEach((d, k) => {
    if (d === 1) return;
    if (d !== out[k + offset])
      throw new Error(`epilogue input [${from.join(',')}] does not broadcast against [${out.join(',')}]`);
    terms.push(strides[k] === 1 ? coords[k + offset] : `${coords[k + offset]} * ${strides[k]}`);
  });
  return terms.length === 0 ? '0' : terms.join(' + ');
}

/** The nest's extra bindings and epilogue hook for `e` on conv output type `y`. */
function epilogueHooks(
  e: ConvEpilogue | undefined,
  y: TensorType,
): { bindings: ConvBinding[]; hook?: ConvNestOptions['epilogue']; perChannel?: ConvNestOptions['perChannel'] } {
  if (!e) return { bindings: [] };
  const extras = e.extraInputs ?? [];
  const bindings: ConvBinding[] = [];
  if (e.bias) bindings.push({ name: 'B', type: 'f32' });
  extras.forEach((t, k) => bindings.push({ name: `E${k}`, type: storageType(t.dtype) as ConvBinding['type'] }));
  const hook = (acc: string, at: ConvOutputAt, bind: (expr: string) => string): string => {
    const v = e.bias ? bind(`${acc} + ${at.channelValue}`) : acc;
    if (!e.expr) return v;
    const coords = [at.b, at.ocg, at.oy, at.ox];
    const idx: ConvIndex = {
      n: at.b,
      c: at.ocg,
      y: at.oy,
      x: at.ox,
      flat: at.flat,
      load(k) {
        const t = extras[k];
        if (!t) throw new Error(`epilogue reads extra input ${k} of ${extras.length}`);
        return loadExpr(`E${k}`, broadcastAt(t.shape, y.shape, coords), t.dtype);
      },
    };
    return e.expr(v, idx, bind);
  };
  // The bias is loaded once per channel, not once per output.
  return { bindings, hook, perChannel: e.bias ? (ocg) => `B[${ocg}]` : undefined };
}

// --- forward -----------------------------------------------------------------------------

export interface Conv2dFused {
  /** Kernel name, e.g. `fused_conv2d_add_relu`. */
  readonly name: string;
  /** Input [N, C, H, W]. */
  readonly x: TensorType;
  /** Filter [O, C/groups, KH, KW]. */
  readonly w: TensorType;
  readonly conv: ConvParams;
  readonly epilogue?: ConvEpilogue;
  /** Channels × columns (pooled columns when pooling) per invocation; the default is measured. */
  readonly tile?: ConvNestOptions['tile'];
  /** The kernel context: whether x may be read through an operand texture (ConvNestOptions.ctx). */
  readonly ctx?: ConvNestOptions['ctx'];
}

/**
 * conv2d with an epilogue: y = expr(conv2d(x, w) + bias[c]).
 * Bindings: 0 x f32[N,C,H,W], 1 w f32[O,C/g,KH,KW], then (if `epilogue.bias`) bias
 * f32[O], then `epilogue.extraInputs` in order; then the output y f32[N,O,OH,OW].
 */
export function emitConv2dEpilogue(p: Conv2dFused): KernelSpec {
  const y = conv2dOutputType(p.x, p.w, p.conv);
  const { bindings, hook, perChannel } = epilogueHooks(p.epilogue, y);
  return emitConvNest(conv2dGeometry(p.x, p.w, y, p.conv, p.name), {
    tile: p.tile,
    ctx: p.ctx,
    extraInputs: bindings,
    epilogue: hook,
    perChannel,
  });
}

/** Local response normalisation fused after the epilogue (the lrn op's attributes; `lo` = ⌊size/2⌋). */
export interface ConvLrn {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
}

export interface Conv2dNormFused extends Conv2dFused {
  readonly lrn: ConvLrn;
  /** Also write the epilogue's values before the normalisation (what lrn's gradient reads). */
  readonly writeInput?: boolean;
}

/**
 * conv2d → epilogue → lrn in one kernel: each invocation computes all O channels of
 * a few columns, so every channel's window of neighbours is in its registers.
 * Bindings: the inputs of emitConv2dEpilogue (x, w, [bias], extras...), then the
 * outputs: y f32[N,O,OH,OW] (normalised), then (if `writeInput`) the values before
 * the normalisation f32[N,O,OH,OW].
 */
export function emitConv2dNorm(p: Conv2dNormFused): KernelSpec {
  const y = conv2dOutputType(p.x, p.w, p.conv);
  if (!lrnFitsTile(y, p.conv.groups))
    throw new Error(`${p.name}: lrn fuses only into a one-group conv of at most ${NORM_TILE_MAX_CHANNELS} channels`);
  const [, O, , OW] = y.shape;
  const { bindings, hook, perChannel } = epilogueHooks(p.epilogue, y);
  // About 64 accumulators per invocation, as the measured 8×8 tiles (see ./conv).
  const tile = p.tile ?? { to: O, tx: Math.min(OW, Math.max(1, Math.floor(64 / O))) };
  return emitConvNest(conv2dGeometry(p.x, p.w, y, p.conv, p.name), {
    tile,
    ctx: p.ctx,
    extraInputs: bindings,
    epilogue: hook,
    perChannel,
    channelNorm: { ...p.lrn, lo: Math.floor(p.lrn.size / 2), writeInput: p.writeInput === true },
  });
}

export interface Conv2dPoolFused extends Conv2dFused {
  readonly pool: {
    readonly kind: 'max' | 'avg';
    readonly window: PoolWindow;
  };
  /** Max pooling: also write the switches (i32, flat y·OW + x of the maximum in its conv output plane, as max_pool_with_switches). */
  readonly switches?: boolean;
  /** Also write the epilogue's values before pooling; the windows must cover the conv output (see poolCoversOutput). */
  readonly prePool?: boolean;
}

/** The output types of emitConv2dPool, in binding order. */
export function conv2dPoolOutputs(p: Conv2dPoolFused): TensorType[] {
  const y = conv2dOutputType(p.x, p.w, p.conv);
  const pooled = pooledType(y, p.pool.window);
  const out = [pooled];
  if (p.switches) out.push({ dtype: 'i32', shape: pooled.shape });
  if (p.prePool) out.push(y);
  return out;
}

/**
 * conv2d → epilogue → max_pool or avg_pool in one kernel; each invocation computes
 * the conv outputs of whole pooling windows and writes only what is asked.
 * Bindings: the inputs of emitConv2dEpilogue (x, w, [bias], extras...), then the
 * outputs: pooled f32[N,O,PH,PW], then (if `switches`) switches i32[N,O,PH,PW],
 * then (if `prePool`) the unpooled epilogue values f32[N,O,OH,OW].
 * Pooling follows max_pool (first maximum in row-major window order, padding never
 * wins) and avg_pool (padding counts in the divisor).
 */
export function emitConv2dPool(p: Conv2dPoolFused): KernelSpec {
  const y = conv2dOutputType(p.x, p.w, p.conv);
  const window = p.pool.window;
  const pooled = pooledType(y, window);
  if (p.switches && p.pool.kind !== 'max') throw new Error(`${p.name}: switches need max pooling`);
  if (p.prePool && !poolCoversOutput(y, window))
    throw new Error(
      `${p.name}: the pooling windows do not cover the conv output, so prePool cannot be written by this kernel`,
    );
  if (window.padding[0] >= window.size[0] || window.padding[1] >= window.size[1])
    throw new Error(`${p.name}: pool padding must be smaller than the window`);
  const { bindings, hook, perChannel } = epilogueHooks(p.epilogue, y);
  const [, O, PH, PW] = pooled.shape;
  return emitConvNest(conv2dGeometry(p.x, p.w, y, p.conv, p.name), {
    tile: p.tile,
    ctx: p.ctx,
    extraInputs: bindings,
    epilogue: hook,
    perChannel,
    pool: {
      kind: p.pool.kind,
      window,
      outHW: [PH, PW],
      pooledAt: (ocg, _ocl, px) => `((b * ${O} + ${ocg}) * ${PH} + py) * ${PW} + ${px}`,
      switches: p.switches === true,
      prePool: p.prePool === true,
    },
  });
}

// --- backward: gradient masked (and unpooled) on the fly ---------------------------------

/**
 * The activation-gradient prologue: the incoming gradient g is replaced by
 * expr(g, y) elementwise, y read from an extra binding of g's shape (typically the
 * forward activation's output). `g` and `y` are let-bound names.
 */
export interface GradMask {
  readonly expr: (g: string, y: string) => string;
}

/** relu's derivative read from its output: g · (y > 0), as relu's gradient (g · (x > 0)) computes it. */
export const RELU_GRAD_MASK: GradMask = { expr: (g, y) => `${g} * select(0.0, 1.0, ${y} > 0.0)` };

/** The incoming gradient of the conv output and how the kernel reads it. */
interface GradRead {
  readonly extra: ConvBinding[];
  readonly functions: string[];
  readonly read?: (at: string) => string;
}

/**
 * A WGSL function `grad_at(k)` giving element k of the conv output's gradient
 * [N,O,OH,OW] from binding `src`: g itself, masked by `mask` (reading M), or, with
 * `unpool`, the max pool's gradient routed through its switches S (only the window's
 * maximum gets the pooled gradient; the mask reads the pooled output P there, which
 * is the activation at that maximum).
 */
function gradRead(
  src: string,
  g: TensorType,
  mask: GradMask | undefined,
  unpool: PoolWindow | undefined,
  name: string,
): GradRead {
  if (!mask && !unpool) return { extra: [], functions: [] };
  const body: string[] = [];
  const extra: ConvBinding[] = [];
  let keep = 'true';
  if (unpool) {
    if (!poolWindowsTile(unpool))
      throw new Error(`${name}: unpooling the gradient needs windows that tile the plane (stride = size, no padding)`);
    const [, , OH, OW] = g.shape;
    const [KH, KW] = unpool.size;
    const PH = Math.floor(OH / KH);
    const PW = Math.floor(OW / KW);
    extra.push({ name: 'S', type: 'i32' });
    if (mask) extra.push({ name: 'P', type: 'f32' });
    body.push(
      `  let pos = k % ${OH * OW};`,
      `  let py = (pos / ${OW}) / ${KH};`,
      `  let px = (pos % ${OW}) / ${KW};`,
      `  let p = ((k / ${OH * OW}) * ${PH} + min(py, ${PH - 1})) * ${PW} + min(px, ${PW - 1});`,
      `  let g = ${src}[p];`,
    );
    if (mask) body.push('  let y = P[p];');
    // Positions past the last window (the ragged end) get no gradient.
    keep = `py < ${PH} && px < ${PW} && S[p] == pos`;
  } else {
    extra.push({ name: 'M', type: 'f32' });
    body.push(`  let g = ${src}[k];`, '  let y = M[k];');
  }
  const value = mask ? mask.expr('g', 'y') : 'g';
  body.push(keep === 'true' ? `  return ${value};` : `  return select(0.0, ${value}, ${keep});`);
  return {
    extra,
    functions: [['fn grad_at(k: i32) -> f32 {', ...body, '}'].join('\n')],
    read: (at) => `grad_at(${at})`,
  };
}

export interface Conv2dTransposeFused {
  readonly name: string;
  /** The conv output's gradient type [N, O, OH, OW] (with `unpool`, the binding holds the pooled gradient instead). */
  readonly g: TensorType;
  /** Filter [O, C/groups, KH, KW]. */
  readonly w: TensorType;
  /** The output (input gradient) type [N, C, H, W], as the conv2d_transpose node has it. */
  readonly out: TensorType;
  readonly conv: ConvParams;
  readonly gradMask?: GradMask;
  /** The forward max pool's window (must tile): read g as the unpooled max pool gradient. */
  readonly unpool?: PoolWindow;
}

/**
 * conv2d_transpose(mask(g, y), w): the conv input gradient with the activation
 * gradient fused in.
 * Bindings without `unpool`: 0 g f32[N,O,OH,OW], 1 w, then (if `gradMask`) 2 y
 * f32[N,O,OH,OW]; then the output dx f32[N,C,H,W].
 * With `unpool` (conv → act → max_pool, g is the pooled gradient): 0 gp
 * f32[N,O,PH,PW], 1 w, 2 switches i32[N,O,PH,PW], then (if `gradMask`) 3 the pooled
 * forward output f32[N,O,PH,PW]; then dx. This replaces max_unpool (or
 * max_pool_grad), the mask and conv2d_transpose.
 */
export function emitConv2dTransposeFused(p: Conv2dTransposeFused): KernelSpec {
  const r = gradRead('X', p.g, p.gradMask, p.unpool, p.name);
  return emitConvNest(conv2dTransposeGeometry(p.g, p.w, p.out, p.conv, p.name), {
    extraInputs: r.extra,
    functions: r.functions,
    readX: r.read,
  });
}

export interface Conv2dFilterGradFused {
  readonly name: string;
  /** The conv's input [N, C, H, W]. */
  readonly x: TensorType;
  /** The conv output's gradient type [N, O, OH, OW] (with `unpool`, the binding holds the pooled gradient instead). */
  readonly g: TensorType;
  /** The output (filter gradient) type [O, C/groups, KH, KW]. */
  readonly out: TensorType;
  readonly conv: ConvParams;
  readonly gradMask?: GradMask;
  /** The forward max pool's window (must tile): read g as the unpooled max pool gradient. */
  readonly unpool?: PoolWindow;
  /** The kernel context: whether x may be read through an operand texture (ConvNestOptions.ctx). */
  readonly ctx?: ConvNestOptions['ctx'];
}

/**
 * conv2d_filter_grad(x, mask(g, y)): the filter gradient with the activation
 * gradient fused in.
 * Bindings without `unpool`: 0 x f32[N,C,H,W], 1 g f32[N,O,OH,OW], then (if
 * `gradMask`) 2 y f32[N,O,OH,OW]; then the output dw f32[O,C/g,KH,KW].
 * With `unpool`: 0 x, 1 gp f32[N,O,PH,PW], 2 switches i32[N,O,PH,PW], then (if
 * `gradMask`) 3 the pooled forward output f32[N,O,PH,PW]; then dw.
 */
export function emitConv2dFilterGradFused(p: Conv2dFilterGradFused): KernelSpec {
  const r = gradRead('Wt', p.g, p.gradMask, p.unpool, p.name);
  return emitConvNest(filterGradGeometry(p.x, p.g, p.out, p.conv, p.name), {
    ctx: p.ctx,
    extraInputs: r.extra,
    functions: r.functions,
    readW: r.read,
  });
}
