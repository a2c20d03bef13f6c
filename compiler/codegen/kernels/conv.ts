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
// The nest takes hooks for fusion (ConvNestOptions): expressions applied to each
// loaded operand element (an activation-gradient mask), to each finished sum (bias,
// activation) and a pooling of the finished values over windows of the output
// plane, in which case an invocation owns TO channels × TP pooled columns of one
// pooled row and loops over the window's rows.
import type { KernelSpec } from '../../ops/registry';
import type { PoolWindow } from './pool';

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
  /** i32 WGSL: index of the input plane's first element, from `b`, `r`, `grp`. */
  readonly inPlane: string;
  /** i32 WGSL: weight index at kx = 0 for one output channel (global `ocg`, in-group `ocl`), from `r`, `ky`, `grp`. */
  weightAt(ocg: string, ocl: string): string;
  /** Weight index step per kx. */
  readonly weightKx: number;
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

/** Output channels (`to`) × columns (`tx`; pooled columns when pooling) computed by one invocation. */
export interface ConvTile {
  readonly to: number;
  readonly tx: number;
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
}

export function emitDirectConv(p: DirectConv, tile: ConvTile = { to: channelBlock(p.ocPerGroup), tx: columnBlock(p.out[1]) }): KernelSpec {
  return emitConvNest(p, { tile });
}

function f32Lit(v: number): string {
  const s = Math.fround(v).toString();
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * The convolution nest with fusion hooks. Bindings: X, Wt, then `extraInputs`, then
 * the outputs: Y; or with `pool`, the pooled values, the switches (if asked) and
 * the unpooled values (if asked).
 */
export function emitConvNest(p: DirectConv, o: ConvNestOptions = {}): KernelSpec {
  const pool = o.pool;
  const tile = o.tile ?? (pool ? { to: pooledChannelBlock(p.ocPerGroup), tx: pooledColumnBlock(pool.window, pool.outHW[1]) } : { to: channelBlock(p.ocPerGroup), tx: columnBlock(p.out[1]) });
  const TO = Math.min(tile.to, p.ocPerGroup);
  const [OH, OW] = p.out;
  // TX: columns (or pooled columns) an invocation owns along the output row it owns.
  const rowsOut = pool ? pool.outHW[0] : OH;
  const colsOut = pool ? pool.outHW[1] : OW;
  const TX = Math.min(tile.tx, colsOut);
  const blocksPerGroup = Math.ceil(p.ocPerGroup / TO);
  const tiles = Math.ceil(colsOut / TX);
  const total = p.batch * rowsOut * tiles;
  const [KY, KX] = p.kernel;
  const [SY, SX] = p.stride;
  const [PY, PX] = p.pad;
  const [DY, DX] = p.kdil;
  const [VY, VX] = p.idil;
  const [IH, IW] = p.inHW;

  // The output columns an invocation computes, as offsets c from `ox0`.
  const colSet = new Set<number>();
  if (pool) {
    for (let j = 0; j < TX; j++) for (let wx = 0; wx < pool.window.size[1]; wx++) colSet.add(j * pool.window.stride[1] + wx);
  } else {
    for (let j = 0; j < TX; j++) colSet.add(j);
  }
  const cs = [...colSet].sort((a, b) => a - b);
  // The input columns it reads, as offsets u from its first column.
  const offsets = new Set<number>();
  for (const c of cs) for (let kx = 0; kx < KX; kx++) offsets.add(c * SX + kx * DX);
  const us = [...offsets].sort((a, b) => a - b);
  const channelGuard = (i: number) => (TO * blocksPerGroup > p.ocPerGroup ? `if (oclBase + ${i} < ${p.ocPerGroup}) ` : '');

  const L: string[] = [];
  const decls = ['@group(0) @binding(0) var<storage, read> X: array<f32>;', '@group(0) @binding(1) var<storage, read> Wt: array<f32>;'];
  let binding = 2;
  for (const e of o.extraInputs ?? []) decls.push(`@group(0) @binding(${binding++}) var<storage, read> ${e.name}: array<${e.type}>;`);
  if (pool) {
    decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> P: array<f32>;`);
    if (pool.switches) {
      if (pool.kind !== 'max') throw new Error(`${p.name}: switches need max pooling`);
      decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> S: array<i32>;`);
    }
    if (pool.prePool) decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> Y: array<f32>;`);
  } else {
    decls.push(`@group(0) @binding(${binding++}) var<storage, read_write> Y: array<f32>;`);
  }
  L.push(...decls);
  for (const f of o.functions ?? []) L.push('', f);
  L.push('');
  L.push(`@compute @workgroup_size(${WORKGROUP})`);
  L.push('fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  L.push(`  let lin = i32(gid.x + gid.z * nwg.x * ${WORKGROUP}u);`);
  L.push(`  if (lin >= ${total}) { return; }`);
  L.push('  let blk = i32(wid.y);');
  L.push(`  let grp = blk / ${blocksPerGroup};`);
  L.push(`  let oclBase = (blk % ${blocksPerGroup}) * ${TO};`);
  L.push(`  let tile = lin % ${tiles};`);
  L.push(`  let ${pool ? 'py' : 'oy'} = (lin / ${tiles}) % ${rowsOut};`);
  L.push(`  let b = lin / ${tiles * rowsOut};`);
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
  for (let i = 0; i < TO; i++) for (const c of cs) L.push(`  var a${i}_${c}: f32 = 0.0;`);
  if (pool) {
    for (let i = 0; i < TO; i++) {
      for (let j = 0; j < TX; j++) {
        L.push(`  var p${i}_${j}: f32 = 0.0;`);
        // The first in-range element replaces p (s < 0); max only.
        if (pool.kind === 'max') L.push(`  var s${i}_${j}: i32 = -1;`);
      }
    }
    for (const c of cs) L.push(`  let ok${c} = ox0 + ${c} >= 0 && ox0 + ${c} < ${OW};`);
  }
  // Column of each input offset: clamped index and validity, fixed for the whole invocation.
  L.push(`  let q0 = ox0 * ${SX} - ${PX};`);
  for (const u of us) {
    const q = `(q0 + ${u})`;
    const conds = [`${q} >= 0`, `${q} <= ${(IW - 1) * VX}`];
    if (VX > 1) conds.push(`${q} % ${VX} == 0`);
    L.push(`  let cv${u} = ${conds.join(' && ')};`);
    L.push(`  let ci${u} = clamp(${q}${VX > 1 ? ` / ${VX}` : ''}, 0, ${IW - 1});`);
  }
  let ind = '';
  if (pool) {
    const w = pool.window;
    L.push(`  for (var wy = 0; wy < ${w.size[0]}; wy++) {`);
    L.push(`    let oy = py * ${w.stride[0]} - ${w.padding[0]} + wy;`);
    L.push(`    if (oy < 0 || oy >= ${OH}) { continue; }`);
    for (let i = 0; i < TO; i++) for (const c of cs) L.push(`    a${i}_${c} = 0.0;`);
    ind = '  ';
  }
  L.push(`${ind}  for (var r = 0; r < ${p.reduce}; r++) {`);
  L.push(`${ind}    let plane = ${p.inPlane};`);
  L.push(`${ind}    for (var ky = 0; ky < ${KY}; ky++) {`);
  L.push(`${ind}      let row = oy * ${SY} - ${PY} + ky * ${DY};`);
  const rowBad = [`row < 0`, `row > ${(IH - 1) * VY}`];
  if (VY > 1) rowBad.push(`row % ${VY} != 0`);
  L.push(`${ind}      if (${rowBad.join(' || ')}) { continue; }`);
  L.push(`${ind}      let rb = plane + ${VY > 1 ? `(row / ${VY})` : 'row'} * ${IW};`);
  const readX = o.readX ?? ((at: string) => `X[${at}]`);
  const readW = o.readW ?? ((at: string) => `Wt[${at}]`);
  for (const u of us) L.push(`${ind}      let x${u} = select(0.0, ${readX(`rb + ci${u}`)}, cv${u});`);
  for (let i = 0; i < TO; i++) L.push(`${ind}      let wr${i} = ${p.weightAt(`ocg${i}`, `ocl${i}`)};`);
  for (let kx = 0; kx < KX; kx++) {
    for (let i = 0; i < TO; i++) {
      L.push(`${ind}      let w${i}_${kx} = ${readW(`wr${i} + ${kx * p.weightKx}`)};`);
    }
    for (let i = 0; i < TO; i++) for (const c of cs) L.push(`${ind}      a${i}_${c} += x${c * SX + kx * DX} * w${i}_${kx};`);
  }
  L.push(`${ind}    }`);
  L.push(`${ind}  }`);

  /** Lines computing `e{i}_{c}`, the finished value of accumulator (i, c), inside a block where its column is valid. */
  const finish = (i: number, c: number, pad: string): string[] => {
    const ox = `(ox0 + ${c})`;
    if (!o.epilogue) return [`${pad}let e${i}_${c} = a${i}_${c};`];
    const at: ConvOutputAt = { b: 'b', ocg: `ocg${i}`, ocl: `ocl${i}`, oy: 'oy', ox, flat: p.outAt(`ocg${i}`, `ocl${i}`, ox), channelValue: `pc${i}` };
    const lines = [`${pad}let acc${i}_${c} = a${i}_${c};`];
    const bind = (expr: string): string => {
      const name = `t${i}_${c}_${lines.length}`;
      lines.push(`${pad}let ${name} = ${expr};`);
      return name;
    };
    const value = o.epilogue(`acc${i}_${c}`, at, bind);
    lines.push(`${pad}let e${i}_${c} = ${value};`);
    return lines;
  };

  if (pool) {
    const w = pool.window;
    for (const c of cs) {
      L.push(`    if (ok${c}) {`);
      for (let i = 0; i < TO; i++) {
        L.push(...finish(i, c, '      '));
        if (pool.prePool) L.push(`      ${channelGuard(i)}{ Y[${p.outAt(`ocg${i}`, `ocl${i}`, `(ox0 + ${c})`)}] = e${i}_${c}; }`);
        // Fold into every window j of this invocation that holds column c, in row-major order.
        for (let j = 0; j < TX; j++) {
          const wx = c - j * w.stride[1];
          if (wx < 0 || wx >= w.size[1]) continue;
          if (pool.kind === 'max') {
            L.push(`      if (s${i}_${j} < 0 || e${i}_${c} > p${i}_${j}) { p${i}_${j} = e${i}_${c}; s${i}_${j} = oy * ${OW} + ox0 + ${c}; }`);
          } else {
            L.push(`      p${i}_${j} += e${i}_${c};`);
          }
        }
      }
      L.push('    }');
    }
    L.push('  }');
    // Average pooling counts padding in the divisor (as avg_pool does).
    const scale = pool.kind === 'avg' ? ` * ${f32Lit(1 / (w.size[0] * w.size[1]))}` : '';
    for (let j = 0; j < TX; j++) {
      L.push(`  if (px0 + ${j} < ${pool.outHW[1]}) {`);
      for (let i = 0; i < TO; i++) {
        const at = pool.pooledAt(`ocg${i}`, `ocl${i}`, `(px0 + ${j})`);
        const sw = pool.switches ? ` S[${at}] = s${i}_${j};` : '';
        L.push(`    ${channelGuard(i)}{ P[${at}] = p${i}_${j}${scale};${sw} }`);
      }
      L.push('  }');
    }
  } else {
    for (let j = 0; j < TX; j++) {
      L.push(`  if (ox0 + ${j} < ${OW}) {`);
      for (let i = 0; i < TO; i++) {
        const body = [...finish(i, j, ''), `Y[${p.outAt(`ocg${i}`, `ocl${i}`, `(ox0 + ${j})`)}] = e${i}_${j};`].join(' ');
        L.push(`    ${channelGuard(i)}{ ${body} }`);
      }
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
  };
}
