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
import type { KernelSpec } from '../../ops/registry';

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

/** Output channels (`to`) × columns (`tx`) computed by one invocation. */
export interface ConvTile {
  readonly to: number;
  readonly tx: number;
}

export function emitDirectConv(p: DirectConv, tile: ConvTile = { to: channelBlock(p.ocPerGroup), tx: columnBlock(p.out[1]) }): KernelSpec {
  const TO = Math.min(tile.to, p.ocPerGroup);
  const TX = Math.min(tile.tx, p.out[1]);
  const blocksPerGroup = Math.ceil(p.ocPerGroup / TO);
  const tiles = Math.ceil(p.out[1] / TX);
  const total = p.batch * p.out[0] * tiles;
  const [KY, KX] = p.kernel;
  const [SY, SX] = p.stride;
  const [PY, PX] = p.pad;
  const [DY, DX] = p.kdil;
  const [VY, VX] = p.idil;
  const [IH, IW] = p.inHW;

  // The input columns an invocation reads, as offsets u from its first column.
  const offsets = new Set<number>();
  for (let j = 0; j < TX; j++) for (let kx = 0; kx < KX; kx++) offsets.add(j * SX + kx * DX);
  const us = [...offsets].sort((a, b) => a - b);

  const L: string[] = [];
  L.push('@group(0) @binding(0) var<storage, read> X: array<f32>;');
  L.push('@group(0) @binding(1) var<storage, read> Wt: array<f32>;');
  L.push('@group(0) @binding(2) var<storage, read_write> Y: array<f32>;');
  L.push('');
  L.push(`@compute @workgroup_size(${WORKGROUP})`);
  L.push('fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  L.push(`  let lin = i32(gid.x + gid.z * nwg.x * ${WORKGROUP}u);`);
  L.push(`  if (lin >= ${total}) { return; }`);
  L.push('  let blk = i32(wid.y);');
  L.push(`  let grp = blk / ${blocksPerGroup};`);
  L.push(`  let oclBase = (blk % ${blocksPerGroup}) * ${TO};`);
  L.push(`  let tile = lin % ${tiles};`);
  L.push(`  let oy = (lin / ${tiles}) % ${p.out[0]};`);
  L.push(`  let b = lin / ${tiles * p.out[0]};`);
  L.push(`  let ox0 = tile * ${TX};`);
  for (let i = 0; i < TO; i++) {
    // Channels past the group's end are clamped onto its last one: loads stay in range, stores are skipped.
    L.push(`  let ocl${i} = min(oclBase + ${i}, ${p.ocPerGroup - 1});`);
    L.push(`  let ocg${i} = grp * ${p.ocPerGroup} + ocl${i};`);
  }
  for (let i = 0; i < TO; i++) for (let j = 0; j < TX; j++) L.push(`  var a${i}_${j}: f32 = 0.0;`);
  // Column of each input offset: clamped index and validity, fixed for the whole invocation.
  L.push(`  let q0 = ox0 * ${SX} - ${PX};`);
  for (const u of us) {
    const q = `(q0 + ${u})`;
    const conds = [`${q} >= 0`, `${q} <= ${(IW - 1) * VX}`];
    if (VX > 1) conds.push(`${q} % ${VX} == 0`);
    L.push(`  let cv${u} = ${conds.join(' && ')};`);
    L.push(`  let ci${u} = clamp(${q}${VX > 1 ? ` / ${VX}` : ''}, 0, ${IW - 1});`);
  }
  L.push(`  for (var r = 0; r < ${p.reduce}; r++) {`);
  L.push(`    let plane = ${p.inPlane};`);
  L.push(`    for (var ky = 0; ky < ${KY}; ky++) {`);
  L.push(`      let row = oy * ${SY} - ${PY} + ky * ${DY};`);
  const rowBad = [`row < 0`, `row > ${(IH - 1) * VY}`];
  if (VY > 1) rowBad.push(`row % ${VY} != 0`);
  L.push(`      if (${rowBad.join(' || ')}) { continue; }`);
  L.push(`      let rb = plane + ${VY > 1 ? `(row / ${VY})` : 'row'} * ${IW};`);
  for (const u of us) L.push(`      let x${u} = select(0.0, X[rb + ci${u}], cv${u});`);
  for (let i = 0; i < TO; i++) L.push(`      let wr${i} = ${p.weightAt(`ocg${i}`, `ocl${i}`)};`);
  for (let kx = 0; kx < KX; kx++) {
    for (let i = 0; i < TO; i++) L.push(`      let w${i}_${kx} = Wt[wr${i} + ${kx * p.weightKx}];`);
    for (let i = 0; i < TO; i++) for (let j = 0; j < TX; j++) L.push(`      a${i}_${j} += x${j * SX + kx * DX} * w${i}_${kx};`);
  }
  L.push('    }');
  L.push('  }');
  for (let j = 0; j < TX; j++) {
    L.push(`  if (ox0 + ${j} < ${p.out[1]}) {`);
    for (let i = 0; i < TO; i++) {
      const guard = TO * blocksPerGroup > p.ocPerGroup ? `if (oclBase + ${i} < ${p.ocPerGroup}) ` : '';
      L.push(`    ${guard}{ Y[${p.outAt(`ocg${i}`, `ocl${i}`, `(ox0 + ${j})`)}] = a${i}_${j}; }`);
    }
    L.push('  }');
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
