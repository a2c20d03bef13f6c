// Direct convolution kernels for conv2d, conv2d_transpose and conv2d_filter_grad.
// All three are one loop nest,
//
//   out[b, oc, oy, ox] = Σ_r Σ_ky Σ_kx  in(b, r, grp)[row(oy, ky), col(ox, kx)] · wt(oc, r, ky, kx)
//   row = oy·stride − pad + ky·kdil   (a position of the input dilated by idil)
//
// with different index maps, so one emitter serves them (DirectConv below says how
// each op fills it in). Written for llvmpipe, where a storage load whose address
// differs across SIMD lanes costs ~10× a multiply-add: lanes own different output
// positions of the same output-channel block, so weight loads are uniform across
// lanes, and each invocation computes TO channels × TX consecutive columns from
// input values held in registers, reusing every loaded input for all kx that need
// it. Rows and the channel sum are loops; kx, the channel block and the columns are
// unrolled with shapes baked in. Loads are clamped into range and masked; only the
// stores are guarded.
//
// Operand textures (ConvNestOptions.ctx, the register family): llvmpipe loads even
// the lane-uniform weights lane by lane from a buffer, and those loads, not the
// multiply-adds, were most of a kernel's time (LeNet conv2 forward: 27 ms, 9 ms with
// the weight loads replaced by arithmetic). So the weights are read as texels, each
// run of KX weights of one channel and kernel row as ⌈KX/4⌉ fetches (one more plus
// a uniform shift when runs are not 4-aligned, e.g. 5×5 filters), and X as texels
// too where its rows are whole texels and each invocation's columns start at a
// multiple of 4. With one column tile per row the columns are constants, so
// masked-out (padding) columns cost neither a load nor a multiply-add. Fetches
// still cost more than multiply-adds, so an invocation sums several output rows in
// one pass (ConvTile.ty; with pooling all rows of its windows), each weight fetched
// once for all of them; textureTile picks the tile.
//
// The nest takes hooks for fusion (ConvNestOptions): expressions applied to each
// loaded operand element (an activation-gradient mask), to each finished sum (bias,
// activation) and a pooling of the finished values over windows of the output
// plane, in which case an invocation owns TO channels × TP pooled columns of one
// pooled row and sums all the window's rows.
import type { KernelContext, KernelSpec } from '../kernel-spec';
import { textureOperand, textureOperandFits } from '../wgsl/texture';
import type { PoolWindow } from './pool';
import { floatLiteral } from '../wgsl/literal';
import { storageDecl, bindingDecl } from '../wgsl/buffers';

type Pair = readonly [number, number];

export interface DirectConv {
  readonly name: string;
  /** Lane-varying outer extent of the output (batch for conv, input channels per group for the filter gradient). */
  readonly batch: number;
  readonly groups: number;
  readonly ocPerGroup: number;
  /** Channels summed per group. */
  readonly reduce: number;
  /** Output spatial extent. */
  readonly out: Pair;
  /** Kernel loop extents (ky, kx). */
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly pad: Pair;
  /** Step of the input position per kernel step. */
  readonly kdil: Pair;
  /** Input dilation: only positions divisible by it hold input elements (transposed convolution). */
  readonly idil: Pair;
  /** The stored input plane [h, w]. */
  readonly inHW: Pair;
  /** Elements of the whole input tensor (for an operand texture's size). */
  readonly inElements: number;
  /** i32 WGSL: index of the input plane's first element, from `b`, `r`, `grp`. */
  readonly inPlane: string;
  /** i32 WGSL: weight index at kx = 0 for one output channel (global `ocg`, in-group `ocl`), from `r`, `ky`, `grp`. */
  weightAt(ocg: string, ocl: string): string;
  /** Weight index step per kx (±1: the kx weights of one row are a contiguous run). */
  readonly weightKx: number;
  /** Elements of the whole weight operand (for an operand texture's size). */
  readonly weightElements: number;
  /** Whether every run of kx weights starts at a multiple of 4 elements. */
  readonly weightRowsAligned: boolean;
  /** i32 WGSL: output index from `b`, `oy`, `ox` and the channel. */
  outAt(ocg: string, ocl: string, ox: string): string;
}

const WORKGROUP = 64;
const MAX_GROUPS_X = 32768;

// Tile sizes measured on llvmpipe (2 shared cores, LeNet layer 2, ms per dispatch):
// 8 channels × 8 columns 46 (forward) / 120 (input gradient) / 53 (filter gradient);
// 5×4 86/182/140, 8×4 80/148/119, 10×8 70/140/70, 25×4 46/91/64. Larger tiles win
// until register spills; 8×8 was the most consistent. The input gradient is slower
// because with padding k−1 over half its taps read masked-out zeros.

/** Output channels per invocation. */
export function channelBlock(ocPerGroup: number): number {
  return Math.min(8, ocPerGroup);
}

/** Output columns per invocation. */
export function columnBlock(outW: number): number {
  return Math.min(8, outW);
}

/**
 * Output channels per invocation of the pooled kernel: 6..10, wasting the fewest
 * clamped channels in the last block (LeNet's 20 and 50 channels: 10 per block;
 * 10×4 beat 8×4 by 10–20% on llvmpipe, 8×4 leaves 4 and 6 channels idle).
 */
export function pooledChannelBlock(ocPerGroup: number): number {
  if (ocPerGroup <= 10) return ocPerGroup;
  let best = 10;
  for (let to = 9; to >= 6; to--) if (Math.ceil(ocPerGroup / to) * to < Math.ceil(ocPerGroup / best) * best) best = to;
  return best;
}

/** Pooled columns per invocation: as many windows as fit in about 8 output columns. */
export function pooledColumnBlock(window: PoolWindow, pooledW: number): number {
  return Math.max(1, Math.min(pooledW, Math.floor((8 - window.size[1]) / window.stride[1]) + 1));
}

/**
 * The tile where operand textures are allowed, measured on llvmpipe at LeNet's
 * shapes (ms, best of 3 interleaved rounds, load ~1). Texel fetches, though cheaper
 * than buffer loads, still cost more than the multiply-adds, so the tile is as big
 * as pays: a whole output row where it is short, so the columns are constants
 * (conv2d_transpose 128×50×8×8 → 12²: 8×8 tiles 81, 10×12 33; pooled conv1 24
 * columns: 10×4 pooled 5.1, 10×12 4.0); several rows, each fetched weight serving
 * all (the transpose: 10 channels × 1 row 31, 5 × 3 18, 5 × 6 15; filter grad of
 * conv2, 5 rows: 10 × 1 18, 5 × 5 11.6, 10 × 5 12.3) but keeping 16 invocations
 * per channel block; 6..10 channels as pooledChannelBlock, halved with several
 * rows; and fewer channels when a block has under half a workgroup of invocations
 * (filter grad of conv1, 5 per block: 8 channels 8.9, 4 7.3).
 */
export function textureTile(p: DirectConv, pool?: Pick<ConvPool, 'window' | 'outHW'>): ConvTile {
  const to = pooledChannelBlock(p.ocPerGroup);
  if (pool) {
    const pw = pool.outHW[1];
    const covered = (pw - 1) * pool.window.stride[1] + pool.window.size[1];
    const tx = covered <= 24 ? pw : pooledColumnBlock(pool.window, pw);
    // Two pooled rows where a row's tile is small (conv2: 10 channels × 8 columns,
    // 1 pooled row 15.3 ms, 2 rows 11.6; conv1's 10 × 24 gained nothing).
    const columns = (tx - 1) * pool.window.stride[1] + pool.window.size[1];
    return { to, tx, ...(to * columns <= 80 && pool.outHW[0] >= 2 ? { ty: 2 } : {}) };
  }
  const [OH, OW] = p.out;
  const tx = OW <= 12 ? OW : columnBlock(OW);
  const tiles = Math.ceil(OW / tx);
  let ty = 1;
  for (let d = 2; d <= Math.min(6, OH); d++) if (OH % d === 0 && p.batch * (OH / d) * tiles >= 16) ty = d;
  if (ty > 1) return { to: Math.ceil(to / 2), tx, ty };
  const perBlock = p.batch * OH * tiles;
  return { to: perBlock <= WORKGROUP / 2 ? Math.min(to, Math.max(1, Math.ceil(p.ocPerGroup / 5))) : to, tx };
}

/** Output channels (`to`) × columns (`tx`; pooled columns when pooling) computed by one invocation. */
export interface ConvTile {
  readonly to: number;
  readonly tx: number;
  /** Output rows per invocation (default 1); with pooling the window's rows, always. */
  readonly ty?: number;
}

/** A read-only storage binding declared after X (binding 0) and Wt (binding 1). */
export interface ConvBinding {
  readonly name: string;
  readonly type: 'f32' | 'i32' | 'u32';
}

/** Where a finished sum sits, as i32 WGSL expressions (valid inside the epilogue). */
export interface ConvOutputAt {
  /** The lane-varying outer index (the batch for conv2d). */
  readonly b: string;
  /** Global output channel. */
  readonly ocg: string;
  /** Output channel within its group. */
  readonly ocl: string;
  readonly oy: string;
  readonly ox: string;
  /** Flat index of the element in the (unpooled) output tensor. */
  readonly flat: string;
  /** The let-bound value of `perChannel` for this channel (when given). */
  readonly channelValue: string;
}

/** Pooling of the finished values, written in place of them. */
export interface ConvPool {
  readonly kind: 'max' | 'avg';
  readonly window: PoolWindow;
  /** Pooled plane [ph, pw]. */
  readonly outHW: Pair;
  /** i32 WGSL: flat index of pooled element (`b`, channel, `py`, px). */
  pooledAt(ocg: string, ocl: string, px: string): string;
  /** Max only: also write the switches (i32, y·OW + x within the output plane) as the second output. */
  readonly switches: boolean;
  /** Also write the unpooled (epilogue) values as the last output; the windows must cover the output plane. */
  readonly prePool: boolean;
}

/**
 * Local response normalisation of the finished values across channels, as the lrn op:
 * y[c] = e[c] / (k + α Σ_{c'} e[c']²)^β over c' ∈ [c − lo, c − lo + size − 1] ∩ [0, O).
 * An invocation must hold every channel of the group (tile.to ≥ channels per group,
 * one group), since each output reads its neighbours' values from registers. The
 * normalised values go to Y; with `writeInput`, the values before it also go to Z.
 */
export interface ConvChannelNorm {
  readonly size: number;
  readonly lo: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  readonly writeInput: boolean;
}

export interface ConvNestOptions {
  readonly tile?: ConvTile;
  /** Read-only bindings 2, 3, ... in this order, for the hooks below to read. */
  readonly extraInputs?: readonly ConvBinding[];
  /** Module-scope WGSL (helper functions over the bindings) placed after the declarations. */
  readonly functions?: readonly string[];
  /** f32 WGSL reading input element `at` (an i32 index in range of X's logical shape) in place of `X[at]`. */
  readonly readX?: (at: string) => string;
  /** f32 WGSL reading weight element `at` in place of `Wt[at]`. */
  readonly readW?: (at: string) => string;
  /**
   * f32 WGSL for the value stored (or pooled), from the let-bound finished sum `acc`;
   * `bind(expr)` emits `let <name> = expr;` before it and returns the name.
   */
  readonly epilogue?: (acc: string, at: ConvOutputAt, bind: (expr: string) => string) => string;
  /** f32 WGSL from the global output channel `ocg`, evaluated once per channel up front (a bias load) and seen by the epilogue as `channelValue`. */
  readonly perChannel?: (ocg: string) => string;
  readonly pool?: ConvPool;
  /** A normalisation across the channels of each output position, after the epilogue (not with `pool`). */
  readonly channelNorm?: ConvChannelNorm;
  /**
   * Where the context allows operand textures (KernelContext.textures), X is read
   * through one when its rows are whole texels (see xTexture); not with `readX`.
   */
  readonly ctx?: Pick<KernelContext, 'textures' | 'limits'>;
}

export function emitDirectConv(
  p: DirectConv,
  ctx?: Pick<KernelContext, 'textures' | 'limits'>,
  tile?: ConvTile,
): KernelSpec {
  return emitConvNest(p, { tile, ctx });
}

const LANE = ['x', 'y', 'z', 'w'] as const;

/**
 * The lines normalising column j's finished values `e{i}_{j}` (from `finish(i)`) across
 * the TO channels and storing them at `outAt(i)`. The window sum adds the squares
 * in ascending channel order, as the lrn kernel does, so both give the same floats.
 */
function channelNormLines(
  n: ConvChannelNorm,
  TO: number,
  j: number,
  finish: (i: number) => string[],
  outAt: (i: number) => string,
): string[] {
  const L: string[] = [];
  for (let i = 0; i < TO; i++) L.push(...finish(i), `    let q${i}_${j} = e${i}_${j} * e${i}_${j};`);
  const [kLit, alphaLit, betaLit] = [n.k, n.alpha, n.beta].map(floatLiteral);
  for (let i = 0; i < TO; i++) {
    const window: string[] = [];
    for (let c = Math.max(0, i - n.lo); c <= Math.min(TO - 1, i - n.lo + n.size - 1); c++) window.push(`q${c}_${j}`);
    const sum = window.reduce((acc, q) => (acc === '' ? `0.0 + ${q}` : `${acc} + ${q}`), '');
    L.push(`    Y[${outAt(i)}] = e${i}_${j} / pow(${kLit} + ${alphaLit} * (${sum}), ${betaLit});`);
    if (n.writeInput) L.push(`    Z[${outAt(i)}] = e${i}_${j};`);
  }
  return L;
}

/** Where an invocation's input columns start: q0 = tile · step + offset (tile = its column tile). */
interface InputColumns {
  readonly step: number;
  readonly offset: number;
  /** With one tile per row q0 is the constant `offset`: each input offset u's column and whether it is inside the row. */
  readonly fixed?: { column(u: number): number; valid(u: number): boolean };
}

function inputColumns(p: DirectConv, pool: ConvPool | undefined, TX: number, tiles: number): InputColumns {
  const SX = p.stride[1];
  // ox0 = tile · TX (pooling: px0 · pool stride − pool padding, px0 = tile · TX); q0 = ox0 · SX − PX.
  const oxStep = pool ? TX * pool.window.stride[1] : TX;
  const oxOffset = pool ? -pool.window.padding[1] : 0;
  const step = oxStep * SX;
  const offset = oxOffset * SX - p.pad[1];
  if (tiles !== 1) return { step, offset };
  const [VX, IW] = [p.idil[1], p.inHW[1]];
  const q = (u: number): number => offset + u;
  return {
    step,
    offset,
    fixed: {
      column: (u) => q(u) / VX,
      valid: (u) => q(u) >= 0 && q(u) <= (IW - 1) * VX && q(u) % VX === 0,
    },
  };
}

/**
 * Whether X is read through an operand texture: the context allows it, no readX
 * hook, an undilated input whose rows are whole texels (planes and rows then start
 * at texel boundaries), and either fixed columns or a q0 that is always a multiple
 * of 4 (so each fetched texel lies in the row or wholly outside it).
 */
function xTexture(p: DirectConv, o: ConvNestOptions, cols: InputColumns): boolean {
  if (!o.ctx || o.readX || !textureOperandFits(o.ctx, p.inElements)) return false;
  if (p.idil[1] !== 1 || p.inHW[1] % 4 !== 0) return false;
  return cols.fixed !== undefined || (cols.step % 4 === 0 && cols.offset % 4 === 0);
}

/** Elements s..s+3 of the 8 in texels a, b (s = 0..3, the same in all lanes: blends, not gathers). */
const SHIFT4 = [
  'fn shift4(a: vec4<f32>, b: vec4<f32>, s: u32) -> vec4<f32> {',
  '  return select(select(select(a, vec4<f32>(a.yzw, b.x), s == 1u), vec4<f32>(a.zw, b.xy), s == 2u), vec4<f32>(a.w, b.xyz), s == 3u);',
  '}',
].join('\n');

/**
 * Lines fetching channel i's run of KX weights (from `wr{i}`, the kx = 0 weight,
 * stepping by weightKx) as vec4s `wv{i}_m`, element m·4 + k of the run ascending in
 * memory. Unaligned runs take one texel more and shift it into place.
 */
function weightRunFetch(p: DirectConv, i: number, pad: string): string[] {
  const KX = p.kernel[1];
  const groups = Math.ceil(KX / 4);
  const start = p.weightKx > 0 ? `wr${i}` : `wr${i} - ${KX - 1}`;
  const L = [`${pad}let ws${i} = u32(${start});`, `${pad}let wt${i} = ws${i} >> 2u;`];
  if (p.weightRowsAligned) {
    for (let m = 0; m < groups; m++) L.push(`${pad}let wv${i}_${m} = load_Wt(wt${i} + ${m}u);`);
    return L;
  }
  const texels = Math.ceil((KX + 3) / 4);
  L.push(`${pad}let wsh${i} = ws${i} & 3u;`);
  for (let j = 0; j < texels; j++) L.push(`${pad}let wa${i}_${j} = load_Wt(wt${i} + ${j}u);`);
  // The last group may not reach into the next texel; it then shifts within its own.
  for (let m = 0; m < groups; m++)
    L.push(`${pad}let wv${i}_${m} = shift4(wa${i}_${m}, wa${i}_${Math.min(m + 1, texels - 1)}, wsh${i});`);
  return L;
}

/** WGSL for channel i's weight at kx from the run fetched by weightRunFetch. */
function weightOfRun(p: DirectConv, i: number, kx: number): string {
  const k = p.weightKx > 0 ? kx : p.kernel[1] - 1 - kx;
  return `wv${i}_${k >> 2}.${LANE[k & 3]}`;
}

/** The texels (4 input offsets each, from q0) that cover offsets `us`. */
function texelsOf(us: readonly number[]): number[] {
  return [...new Set(us.map((u) => u >> 2))];
}

/**
 * The convolution nest with fusion hooks. Bindings: X, Wt, then `extraInputs`, then
 * the outputs: Y; or with `pool`, the pooled values, the switches (if asked) and
 * the unpooled values (if asked).
 */
export function emitConvNest(p: DirectConv, o: ConvNestOptions = {}): KernelSpec {
  const pool = o.pool;
  const tile =
    o.tile ??
    (o.ctx?.textures === true
      ? textureTile(p, pool)
      : pool
        ? { to: pooledChannelBlock(p.ocPerGroup), tx: pooledColumnBlock(pool.window, pool.outHW[1]) }
        : { to: channelBlock(p.ocPerGroup), tx: columnBlock(p.out[1]) });
  const TO = Math.min(tile.to, p.ocPerGroup);
  const [OH, OW] = p.out;
  // TX: columns (or pooled columns) an invocation owns along the output row it owns.
  const rowsOut = pool ? pool.outHW[0] : OH;
  const colsOut = pool ? pool.outHW[1] : OW;
  const TX = Math.min(tile.tx, colsOut);
  const blocksPerGroup = Math.ceil(p.ocPerGroup / TO);
  const tiles = Math.ceil(colsOut / TX);
  // TY: conv output rows an invocation sums in one pass over the reduction, so each
  // fetched weight serves all of them. With pooling, TPY pooled rows per invocation:
  // the conv rows of all their windows; except without textures and without tile.ty
  // (the shared family, textures off), where the window's rows are a loop of
  // one-row passes as before row blocking (not measured on GPUs, so kept there).
  const rowLoop = pool !== undefined && o.ctx?.textures !== true && tile.ty === undefined;
  const TPY = pool ? Math.min(tile.ty ?? 1, rowsOut) : 1;
  const rowSet = new Set<number>();
  if (rowLoop) {
    rowSet.add(0);
  } else if (pool) {
    for (let k = 0; k < TPY; k++)
      for (let wy = 0; wy < pool.window.size[0]; wy++) rowSet.add(k * pool.window.stride[0] + wy);
  } else {
    for (let t = 0; t < Math.min(tile.ty ?? 1, OH); t++) rowSet.add(t);
  }
  // Row t of the invocation is conv output row oyBase + rs[t].
  const rs = [...rowSet].sort((a, b) => a - b);
  const TY = rs.length;
  const rowTiles = Math.ceil(rowsOut / (pool ? TPY : TY));
  const rowStep = pool ? TPY * pool.window.stride[0] : TY;
  const rowOffset = pool ? -pool.window.padding[0] : 0;
  const total = p.batch * rowTiles * tiles;
  const [KY, KX] = p.kernel;
  const [SY, SX] = p.stride;
  const [PY, PX] = p.pad;
  const [DY, DX] = p.kdil;
  const [VY, VX] = p.idil;
  const [IH, IW] = p.inHW;

  // The output columns an invocation computes, as offsets c from `ox0`.
  const colSet = new Set<number>();
  if (pool) {
    for (let j = 0; j < TX; j++)
      for (let wx = 0; wx < pool.window.size[1]; wx++) colSet.add(j * pool.window.stride[1] + wx);
  } else {
    for (let j = 0; j < TX; j++) colSet.add(j);
  }
  const cs = [...colSet].sort((a, b) => a - b);
  // The input columns it reads, as offsets u from its first column.
  const offsets = new Set<number>();
  for (const c of cs) for (let kx = 0; kx < KX; kx++) offsets.add(c * SX + kx * DX);
  const us = [...offsets].sort((a, b) => a - b);
  const channelGuard = (i: number) =>
    TO * blocksPerGroup > p.ocPerGroup ? `if (oclBase + ${i} < ${p.ocPerGroup}) ` : '';

  const cols = inputColumns(p, pool, TX, tiles);
  const texX = xTexture(p, o, cols);
  // Weights are the same for all lanes, yet llvmpipe still loads them lane by lane
  // from a buffer: as texels each fetch brings 4 of them.
  const texW =
    !o.readW && o.ctx !== undefined && textureOperandFits(o.ctx, p.weightElements) && Math.abs(p.weightKx) === 1;

  const L: string[] = [];
  const decls = [
    ...(texX ? textureOperand('X', 0) : [bindingDecl(0, 'X', 'f32', 'read')]),
    ...(texW ? textureOperand('Wt', 1) : [bindingDecl(1, 'Wt', 'f32', 'read')]),
  ];
  let binding = 2;
  for (const e of o.extraInputs ?? []) decls.push(storageDecl(binding++, e.name, e.type, 'read'));
  if (pool) {
    decls.push(bindingDecl(binding++, 'P', 'f32', 'read_write'));
    if (pool.switches) {
      if (pool.kind !== 'max') throw new Error(`${p.name}: switches need max pooling`);
      decls.push(bindingDecl(binding++, 'S', 'i32', 'read_write'));
    }
    if (pool.prePool) decls.push(bindingDecl(binding++, 'Y', 'f32', 'read_write'));
  } else {
    decls.push(bindingDecl(binding++, 'Y', 'f32', 'read_write'));
    if (o.channelNorm?.writeInput) decls.push(bindingDecl(binding++, 'Z', 'f32', 'read_write'));
  }
  L.push(...decls);
  if (texW && !p.weightRowsAligned) L.push('', SHIFT4);
  for (const f of o.functions ?? []) L.push('', f);
  L.push('');
  L.push(`@compute @workgroup_size(${WORKGROUP})`);
  L.push(
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
  );
  L.push(`  let lin = i32(gid.x + gid.z * nwg.x * ${WORKGROUP}u);`);
  L.push(`  if (lin >= ${total}) { return; }`);
  L.push('  let blk = i32(wid.y);');
  L.push(`  let grp = blk / ${blocksPerGroup};`);
  L.push(`  let oclBase = (blk % ${blocksPerGroup}) * ${TO};`);
  L.push(`  let tile = lin % ${tiles};`);
  L.push(`  let rowTile = (lin / ${tiles}) % ${rowTiles};`);
  L.push(`  let b = lin / ${tiles * rowTiles};`);
  if (pool) L.push(`  let py0 = rowTile * ${TPY};`);
  L.push(`  let oyBase = rowTile * ${rowStep} - ${-rowOffset};`);
  if (!rowLoop) for (let t = 0; t < TY; t++) L.push(`  let oy${t} = oyBase + ${rs[t]};`);
  // Whether row t of the invocation is a conv output row, where it can be outside.
  const rowIn = (t: number): string | undefined => {
    const conds: string[] = [];
    if (rowOffset + rs[t] < 0) conds.push(`oy${t} >= 0`);
    const span = rowLoop ? pool!.window.size[0] - 1 : 0;
    if ((rowTiles - 1) * rowStep + rowOffset + rs[t] + span >= OH) conds.push(`oy${t} < ${OH}`);
    return conds.length > 0 ? conds.join(' && ') : undefined;
  };
  if (pool) {
    L.push(`  let px0 = tile * ${TX};`);
    L.push(`  let ox0 = px0 * ${pool.window.stride[1]} - ${pool.window.padding[1]};`);
  } else {
    L.push(`  let ox0 = tile * ${TX};`);
  }
  for (let i = 0; i < TO; i++) {
    // Channels past the group's end are clamped onto its last one: loads stay in range, stores are skipped.
    L.push(`  let ocl${i} = min(oclBase + ${i}, ${p.ocPerGroup - 1});`);
    L.push(`  let ocg${i} = grp * ${p.ocPerGroup} + ocl${i};`);
    if (o.perChannel) L.push(`  let pc${i} = ${o.perChannel(`ocg${i}`)};`);
  }
  const acc = (i: number, c: number, t: number): string => `a${i}_${c}_${t}`;
  for (let t = 0; t < TY; t++)
    for (let i = 0; i < TO; i++) for (const c of cs) L.push(`  var ${acc(i, c, t)}: f32 = 0.0;`);
  if (pool) {
    for (let i = 0; i < TO; i++) {
      for (let k = 0; k < TPY; k++) {
        for (let j = 0; j < TX; j++) {
          L.push(`  var p${i}_${j}_${k}: f32 = 0.0;`);
          // The first in-range element replaces p (s < 0); max only.
          if (pool.kind === 'max') L.push(`  var s${i}_${j}_${k}: i32 = -1;`);
        }
      }
    }
    for (const c of cs) L.push(`  let ok${c} = ox0 + ${c} >= 0 && ox0 + ${c} < ${OW};`);
  }
  // Column of each input offset: clamped index and validity, fixed for the whole
  // invocation; with one tile per row they are constants, so masked-out columns
  // cost neither a load nor a multiply-add.
  L.push(`  let q0 = ox0 * ${SX} - ${PX};`);
  if (cols.fixed === undefined) {
    for (const u of us) {
      const q = `(q0 + ${u})`;
      const conds = [`${q} >= 0`, `${q} <= ${(IW - 1) * VX}`];
      if (VX > 1) conds.push(`${q} % ${VX} == 0`);
      L.push(`  let cv${u} = ${conds.join(' && ')};`);
      if (!texX) L.push(`  let ci${u} = clamp(${q}${VX > 1 ? ` / ${VX}` : ''}, 0, ${IW - 1});`);
    }
    if (texX) {
      // Rows are whole texels and q0 is a multiple of 4: texel j of the invocation's
      // columns is either all in its row or all outside.
      for (const j of texelsOf(us)) {
        L.push(`  let tv${j} = q0 + ${4 * j} >= 0 && q0 + ${4 * j} < ${IW};`);
        L.push(`  let tc${j} = u32(clamp(q0 / 4 + ${j}, 0, ${IW / 4 - 1}));`);
      }
    }
  }
  if (rowLoop) {
    L.push(`  for (var wy = 0; wy < ${pool!.window.size[0]}; wy++) {`);
    L.push('  let oy0 = oyBase + wy;');
    for (let i = 0; i < TO; i++) for (const c of cs) L.push(`  ${acc(i, c, 0)} = 0.0;`);
  }
  L.push(`  for (var r = 0; r < ${p.reduce}; r++) {`);
  L.push(`    let plane = ${p.inPlane};`);
  L.push(`    for (var ky = 0; ky < ${KY}; ky++) {`);
  for (let t = 0; t < TY; t++) {
    L.push(`      let row${t} = oy${t} * ${SY} - ${PY} + ky * ${DY};`);
    const ok = [`row${t} >= 0`, `row${t} <= ${(IH - 1) * VY}`];
    if (VY > 1) ok.push(`row${t} % ${VY} == 0`);
    const inside = rowIn(t);
    if (inside) ok.unshift(inside);
    L.push(`      let rv${t} = ${ok.join(' && ')};`);
  }
  L.push(`      if (!(${Array.from({ length: TY }, (_, t) => `rv${t}`).join(' || ')})) { continue; }`);
  const readX = o.readX ?? ((at: string) => `X[${at}]`);
  const readW = o.readW ?? ((at: string) => `Wt[${at}]`);
  for (let i = 0; i < TO; i++) L.push(`      let wr${i} = ${p.weightAt(`ocg${i}`, `ocl${i}`)};`);
  if (texW) for (let i = 0; i < TO; i++) L.push(...weightRunFetch(p, i, '      '));
  for (let kx = 0; kx < KX; kx++) {
    for (let i = 0; i < TO; i++)
      L.push(`      let w${i}_${kx} = ${texW ? weightOfRun(p, i, kx) : readW(`wr${i} + ${kx * p.weightKx}`)};`);
  }
  /** Whether input offset u can hold an input element (false: statically a masked-out column). */
  const live = (u: number): boolean => cols.fixed === undefined || cols.fixed.valid(u);
  for (let t = 0; t < TY; t++) {
    const ind = TY > 1 ? '  ' : '';
    if (TY > 1) L.push(`      if (rv${t}) {`);
    L.push(`${ind}      let rb = plane + ${VY > 1 ? `(row${t} / ${VY})` : `row${t}`} * ${IW};`);
    if (texX) L.push(`${ind}      let rt = u32(rb) >> 2u;`);
    if (cols.fixed !== undefined) {
      const fixed = cols.fixed;
      if (texX) {
        const texels = [...new Set(us.filter((u) => fixed.valid(u)).map((u) => fixed.column(u) >> 2))];
        for (const k of texels) L.push(`${ind}      let t${k} = load_X(rt + ${k}u);`);
        for (const u of us)
          if (fixed.valid(u)) L.push(`${ind}      let x${u} = t${fixed.column(u) >> 2}.${LANE[fixed.column(u) & 3]};`);
      } else {
        for (const u of us) if (fixed.valid(u)) L.push(`${ind}      let x${u} = ${readX(`rb + ${fixed.column(u)}`)};`);
      }
    } else if (texX) {
      for (const j of texelsOf(us))
        L.push(`${ind}      let t${j} = select(vec4<f32>(0.0), load_X(rt + tc${j}), tv${j});`);
      for (const u of us) L.push(`${ind}      let x${u} = t${u >> 2}.${LANE[u & 3]};`);
    } else {
      for (const u of us) L.push(`${ind}      let x${u} = select(0.0, ${readX(`rb + ci${u}`)}, cv${u});`);
    }
    for (let kx = 0; kx < KX; kx++) {
      for (let i = 0; i < TO; i++)
        for (const c of cs)
          if (live(c * SX + kx * DX)) L.push(`${ind}      ${acc(i, c, t)} += x${c * SX + kx * DX} * w${i}_${kx};`);
    }
    if (TY > 1) L.push('      }');
  }
  L.push('    }');
  L.push('  }');

  /** Lines computing `e{i}_{c}`, the finished value of accumulator (i, c), inside a block where its column is valid. */
  const finish = (i: number, c: number, t: number, pad: string): string[] => {
    const ox = `(ox0 + ${c})`;
    if (!o.epilogue) return [`${pad}let e${i}_${c} = ${acc(i, c, t)};`];
    const at: ConvOutputAt = {
      b: 'b',
      ocg: `ocg${i}`,
      ocl: `ocl${i}`,
      oy: 'oy',
      ox,
      flat: p.outAt(`ocg${i}`, `ocl${i}`, ox),
      channelValue: `pc${i}`,
    };
    const lines = [`${pad}let acc${i}_${c} = ${acc(i, c, t)};`];
    const bind = (expr: string): string => {
      const name = `t${i}_${c}_${lines.length}`;
      lines.push(`${pad}let ${name} = ${expr};`);
      return name;
    };
    const value = o.epilogue(`acc${i}_${c}`, at, bind);
    lines.push(`${pad}let e${i}_${c} = ${value};`);
    return lines;
  };

  // Each output row t in its own block, where `oy` is its row (the index maps read `oy`).
  if (pool) {
    const w = pool.window;
    for (let t = 0; t < TY; t++) {
      const inside = rowIn(t);
      L.push(`  {`);
      L.push(`    let oy = oy${t};`);
      if (inside) L.push(`    if (${inside}) {`);
      for (const c of cs) {
        L.push(`    if (ok${c}) {`);
        for (let i = 0; i < TO; i++) {
          L.push(...finish(i, c, t, '      '));
          if (pool.prePool)
            L.push(`      ${channelGuard(i)}{ Y[${p.outAt(`ocg${i}`, `ocl${i}`, `(ox0 + ${c})`)}] = e${i}_${c}; }`);
          // Fold into every window (k, j) of this invocation that holds (row t, column c); rows
          // and columns ascend, so each window sees its elements in row-major order.
          for (let k = 0; k < TPY; k++) {
            const wy = rs[t] - k * w.stride[0];
            if (wy < 0 || wy >= w.size[0]) continue;
            for (let j = 0; j < TX; j++) {
              const wx = c - j * w.stride[1];
              if (wx < 0 || wx >= w.size[1]) continue;
              const pv = `p${i}_${j}_${k}`;
              const sv = `s${i}_${j}_${k}`;
              if (pool.kind === 'max') {
                L.push(
                  `      if (${sv} < 0 || e${i}_${c} > ${pv}) { ${pv} = e${i}_${c}; ${sv} = oy * ${OW} + ox0 + ${c}; }`,
                );
              } else {
                L.push(`      ${pv} += e${i}_${c};`);
              }
            }
          }
        }
        L.push('    }');
      }
      if (inside) L.push('    }');
      L.push('  }');
    }
    if (rowLoop) L.push('  }');
    // Average pooling counts padding in the divisor (as avg_pool does).
    const scale = pool.kind === 'avg' ? ` * ${floatLiteral(1 / (w.size[0] * w.size[1]))}` : '';
    for (let k = 0; k < TPY; k++) {
      // Pooled row k in its own block, where `py` is its row (pooledAt reads `py`).
      L.push('  {');
      L.push(`    let py = py0 + ${k};`);
      const ragged = rowsOut % TPY !== 0 && k > 0;
      if (ragged) L.push(`    if (py < ${rowsOut}) {`);
      for (let j = 0; j < TX; j++) {
        L.push(`  if (px0 + ${j} < ${pool.outHW[1]}) {`);
        for (let i = 0; i < TO; i++) {
          const at = pool.pooledAt(`ocg${i}`, `ocl${i}`, `(px0 + ${j})`);
          const sw = pool.switches ? ` S[${at}] = s${i}_${j}_${k};` : '';
          L.push(`    ${channelGuard(i)}{ P[${at}] = p${i}_${j}_${k}${scale};${sw} }`);
        }
        L.push('  }');
      }
      if (ragged) L.push('    }');
      L.push('  }');
    }
  } else {
    const norm = o.channelNorm;
    if (norm && (pool || p.groups !== 1 || TO !== p.ocPerGroup))
      throw new Error(
        `${p.name}: a channel norm needs one group, no pooling and all ${p.ocPerGroup} channels per tile`,
      );
    for (let t = 0; t < TY; t++) {
      const inside = rowIn(t);
      L.push(`  {`);
      L.push(`    let oy = oy${t};`);
      if (inside) L.push(`    if (${inside}) {`);
      for (let j = 0; j < TX; j++) {
        L.push(`  if (ox0 + ${j} < ${OW}) {`);
        if (norm) {
          L.push(
            ...channelNormLines(
              norm,
              TO,
              j,
              (i) => finish(i, j, t, '    '),
              (i) => p.outAt(`ocg${i}`, `ocl${i}`, `(ox0 + ${j})`),
            ),
          );
          L.push('  }');
          continue;
        }
        for (let i = 0; i < TO; i++) {
          const body = [
            ...finish(i, j, t, ''),
            `Y[${p.outAt(`ocg${i}`, `ocl${i}`, `(ox0 + ${j})`)}] = e${i}_${j};`,
          ].join(' ');
          L.push(`    ${channelGuard(i)}{ ${body} }`);
        }
        L.push('  }');
      }
      if (inside) L.push('    }');
      L.push('  }');
    }
  }
  L.push('}');

  const groupsX = Math.max(1, Math.ceil(total / WORKGROUP));
  const x = Math.min(groupsX, MAX_GROUPS_X);
  return {
    name: p.name,
    wgsl: L.join('\n') + '\n',
    workgroups: [x, p.groups * blocksPerGroup, Math.ceil(groupsX / x)],
    ...(texX || texW
      ? {
          textureInputs: [
            ...(texX ? [{ binding: 0, texels: p.inElements / 4 }] : []),
            ...(texW ? [{ binding: 1, texels: p.weightElements / 4 }] : []),
          ],
        }
      : {}),
  };
}
