// Indexing kernels. gather and take_along_axis: one invocation per output element,
// reading one element each (out-of-range indices read zero); scatter: a copy of the
// target (skipped where it is done over the target), then the last write of each named row. scatter_add is
// deterministic: a workgroup per tile of target rows walks the indices in order and
// adds the updates aimed at its rows, so no atomics and the same sum order as the
// reference.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';
const zeroOf = (d: DType): string => (d === 'f32' ? '0.0' : d === 'i32' ? '0i' : '0u');
const asI32 = (d: DType, e: string): string => (d === 'i32' ? e : `i32(${e})`);

function kernel(name: string, decls: string[], n: number, body: string): KernelSpec {
  return { name, wgsl: `${decls.join('\n')}\n\n${flatMain(n, body)}\n`, workgroups: flatWorkgroups(n) };
}

/** out[pre, j, post] = table[pre, ids[j], post] over the flattened ids. */
export function emitGatherKernel(
  table: { dtype: DType; shape: readonly number[] },
  ids: { dtype: DType; shape: readonly number[] },
  axis: number,
): KernelSpec {
  const v = table.shape[axis];
  const post = numel(table.shape.slice(axis + 1));
  const j = numel(ids.shape);
  const n = numel(table.shape.slice(0, axis)) * j * post;
  const body = `  let pre = i / ${j * post}u;
  let j = (i / ${post}u) % ${j}u;
  let p = i % ${post}u;
  let id = ${asI32(ids.dtype, 'ids[j]')};
  let valid = id >= 0i && id < ${v}i;
  let src = pre * ${v * post}u + u32(clamp(id, 0i, ${v - 1}i)) * ${post}u + p;
  y[i] = select(${zeroOf(table.dtype)}, table[src], valid);`;
  return kernel(
    `gather_${tag(table.shape)}_ids${tag(ids.shape)}_axis${axis}`,
    [
      bindingDecl(0, 'table', table.dtype, 'read'),
      bindingDecl(1, 'ids', ids.dtype, 'read'),
      bindingDecl(2, 'y', table.dtype, 'read_write'),
    ],
    n,
    body,
  );
}

/** Workgroup bytes a scatter_add tile may use when the device's limit is not given (WebGPU's default is 16384). */
const DEFAULT_WORKGROUP_STORAGE = 16384;
/** ids read per round, one per thread (a 64-bit mask marks those in the tile). */
const SCATTER_CHUNK = 64;

export interface ScatterTiling {
  /** Workgroup memory a tile may use (the device's maxComputeWorkgroupStorageSize). */
  readonly storageBytes?: number;
  /**
   * Fewer rows per tile until there are about this many row tiles (where V allows):
   * a GPU wants many workgroups when the vocabulary is small; a CPU adapter does not
   * (every tile re-reads all the ids), so it keeps the largest tile: on llvmpipe,
   * V = 96, post = 64, J = 2048 takes 7 ms with 2 tiles and 53 ms with 96. The GPU
   * side of this trade (scatter_add's kernel rule asks 128 for the 'shared' family) is not yet
   * measured.
   */
  readonly minRowTiles?: number;
}

/** The tile a scatter_add workgroup owns: `rows` target rows by `cols` of the post axis. */
export function scatterTile(v: number, post: number, tiling: ScatterTiling = {}): { rows: number; cols: number } {
  const storage = tiling.storageBytes ?? DEFAULT_WORKGROUP_STORAGE;
  const cells = Math.max(SCATTER_CHUNK, Math.floor((storage - 4 * 3 * SCATTER_CHUNK - 24 - 256) / 4));
  const cols = Math.min(post, cells);
  const fit = Math.floor(cells / cols);
  const spread = Math.ceil(v / (tiling.minRowTiles ?? 1));
  return { rows: Math.max(1, Math.min(v, fit, spread)), cols };
}

/**
 * out = target; out[pre, ids[j], post] += updates[pre, j, post], summed in increasing j.
 *
 * Deterministic without atomics. A workgroup owns a tile of `rows` target rows by
 * `cols` columns, accumulated in workgroup memory. It reads the ids 64 at a time,
 * one per thread, marks those that fall in its rows in a 64-bit mask, and then every
 * thread walks the marked ids in j order, adding their updates. Thread t owns the
 * columns ≡ t (mod 64), so no two threads add into one cell and each cell sums in
 * increasing j, as the reference does. Each id is read once per tile instead of once
 * per target element: O(tiles · J + J · post) work instead of O(V · post · J).
 * llvmpipe, J = 2048 ids, post = 64 (a loaded 2-core machine, so rough): V = 96
 * 41 → 2.4 ms, V = 1000 367 → 11 ms, V = 10000 6.1 s → 94 ms.
 */
export function emitScatterAddKernel(
  target: { dtype: DType; shape: readonly number[] },
  ids: { dtype: DType; shape: readonly number[] },
  axis: number,
  tiling: ScatterTiling = {},
  inPlace = false,
): KernelSpec {
  const v = target.shape[axis];
  const post = numel(target.shape.slice(axis + 1));
  const pre = numel(target.shape.slice(0, axis));
  const j = numel(ids.shape);
  const { rows, cols } = scatterTile(v, post, tiling);
  const rowTiles = Math.ceil(v / rows);
  const colTiles = Math.ceil(post / cols);
  const tiles = pre * rowTiles * colTiles;
  const t = target.dtype;
  const wg = SCATTER_CHUNK;
  // In place, the target is the output's own binding: each tile reads its cells before it writes them.
  const first = inPlace ? 0 : 1;
  const decls = [
    ...(inPlace ? [] : [bindingDecl(0, 'dest', t, 'read')]),
    bindingDecl(first, 'ids', ids.dtype, 'read'),
    bindingDecl(first + 1, 'updates', t, 'read'),
    bindingDecl(first + 2, 'y', t, 'read_write'),
    `var<workgroup> acc: array<${t}, ${rows * cols}>;`,
    // Per staged chunk (three in rotation): which of its ids hit this tile (a 64-bit
    // mask, set in j order by construction) and the tile row each one hits.
    `var<workgroup> hits: array<atomic<u32>, 6>;`,
    `var<workgroup> tileRow: array<u32, ${3 * wg}>;`,
  ];
  // Cell e of the tile is (row r0 + e / cols, column c0 + e % cols); it exists when both are in range.
  // Chunk c uses buffer c % 3: written before barrier c, read after it, cleared after
  // barrier c + 1 (every read is done) and next set after barrier c + 2.
  const main = `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= ${tiles}u) { return; }
  let pre = tile / ${rowTiles * colTiles}u;
  let r0 = ((tile / ${colTiles}u) % ${rowTiles}u) * ${rows}u;
  let c0 = (tile % ${colTiles}u) * ${cols}u;
  for (var e = lid; e < ${rows * cols}u; e = e + ${wg}u) {
    let r = r0 + e / ${cols}u;
    let c = c0 + e % ${cols}u;
    if (r < ${v}u && c < ${post}u) { acc[e] = ${inPlace ? 'y' : 'dest'}[(pre * ${v}u + r) * ${post}u + c]; }
  }
  for (var chunk = 0u; chunk < ${Math.ceil(j / wg)}u; chunk = chunk + 1u) {
    let base = chunk * ${wg}u;
    let buf = chunk % 3u;
    if (base + lid < ${j}u) {
      let id = ${asI32(ids.dtype, 'ids[base + lid]')};
      let r = id - i32(r0);
      if (id < ${v}i && r >= 0i && r < ${rows}i) {
        tileRow[buf * ${wg}u + lid] = u32(r);
        atomicOr(&hits[buf * 2u + lid / 32u], 1u << (lid % 32u));
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      let old = (chunk + 2u) % 3u;
      atomicStore(&hits[old * 2u], 0u);
      atomicStore(&hits[old * 2u + 1u], 0u);
    }
    for (var half = 0u; half < 2u; half = half + 1u) {
      var m = atomicLoad(&hits[buf * 2u + half]);
      while (m != 0u) {
        let k = half * 32u + countTrailingZeros(m);
        m = m & (m - 1u);
        let row = tileRow[buf * ${wg}u + k] * ${cols}u;
        let src = (pre * ${j}u + base + k) * ${post}u + c0;
        for (var c = lid; c < ${cols}u; c = c + ${wg}u) {
          if (c0 + c < ${post}u) { acc[row + c] = acc[row + c] + updates[src + c]; }
        }
      }
    }
  }
  workgroupBarrier();
  for (var e = lid; e < ${rows * cols}u; e = e + ${wg}u) {
    let r = r0 + e / ${cols}u;
    let c = c0 + e % ${cols}u;
    if (r < ${v}u && c < ${post}u) { y[(pre * ${v}u + r) * ${post}u + c] = acc[e]; }
  }
}`;
  return {
    name: `scatter_add_${tag(target.shape)}_ids${tag(ids.shape)}_axis${axis}${inPlace ? '_in_place' : ''}`,
    wgsl: `${decls.join('\n')}\n\n${main}\n`,
    workgroups: tiledWorkgroups(tiles),
  };
}

/** Most ids for which the in-place scatter_add walks the ids per update element (O(updates · J) work). */
export const SCATTER_ADD_ROWS_MAX_IDS = 64;

/**
 * y[pre, ids[j], post] += updates[pre, j, post] in place over y, touching only the
 * named rows: one invocation per update element; the first j naming a row adds,
 * in increasing j, every update aimed at that row (the reference's order), and the
 * later ones leave it to that one, so no two invocations write one element.
 * O(updates · J) work: for few ids (a scan step's one index into a [batch, T, dim]
 * gradient), where the tiled kernel would visit the whole target.
 */
export function emitScatterAddRowsKernel(
  target: { dtype: DType; shape: readonly number[] },
  ids: { dtype: DType; shape: readonly number[] },
  axis: number,
): KernelSpec {
  const v = target.shape[axis];
  const post = numel(target.shape.slice(axis + 1));
  const j = numel(ids.shape);
  const m = numel(target.shape.slice(0, axis)) * j * post;
  const body = `  let pre = i / ${j * post}u;
  let k = (i / ${post}u) % ${j}u;
  let p = i % ${post}u;
  let id = ${asI32(ids.dtype, 'ids[k]')};
  if (id < 0i || id >= ${v}i) { return; }
  for (var earlier = 0u; earlier < k; earlier = earlier + 1u) {
    if (${asI32(ids.dtype, 'ids[earlier]')} == id) { return; }
  }
  let dst = (pre * ${v}u + u32(id)) * ${post}u + p;
  var acc = y[dst];
  for (var later = k; later < ${j}u; later = later + 1u) {
    if (${asI32(ids.dtype, 'ids[later]')} == id) { acc = acc + updates[(pre * ${j}u + later) * ${post}u + p]; }
  }
  y[dst] = acc;`;
  return kernel(
    `scatter_add_rows_${tag(target.shape)}_ids${tag(ids.shape)}_axis${axis}`,
    [
      bindingDecl(0, 'ids', ids.dtype, 'read'),
      bindingDecl(1, 'updates', target.dtype, 'read'),
      bindingDecl(2, 'y', target.dtype, 'read_write'),
    ],
    m,
    body,
  );
}

/**
 * out = target, with out[pre, ids[j], post] = updates[pre, j, post], the highest j
 * winning where ids repeat (as the reference's in-order writes). Two dispatches:
 * the target is copied, then one invocation per update row writes it unless a
 * later id names the same row. O(target + updates + J²) work, deterministic without
 * atomics; a replay memory (a few dozen rows a step into thousands) pays for the copy
 * only. The first form, one invocation per target element searching the ids, took
 * 55 ms for a 4096×100 target and 32 ids on llvmpipe.
 */
export function emitScatterKernels(
  target: { dtype: DType; shape: readonly number[] },
  ids: { dtype: DType; shape: readonly number[] },
  axis: number,
): KernelSpec[] {
  const n = numel(target.shape);
  // Both dispatches bind the same four buffers (the step's layout); each declares what it uses.
  const copy = [bindingDecl(0, 'dest', target.dtype, 'read'), bindingDecl(3, 'y', target.dtype, 'read_write')];
  const name = `scatter_${tag(target.shape)}_ids${tag(ids.shape)}_axis${axis}`;
  return [kernel(`${name}_copy`, copy, n, '  y[i] = dest[i];'), emitScatterWriteKernel(target, ids, axis, 1)];
}

/**
 * The second dispatch of a scatter alone: the named rows written into `y`, the rest
 * of it left as it is. Bindings from `first`: ids, updates, y. With first = 0 it is
 * the whole scatter done over its target (OpDef.kernelInPlace: a sparse optimizer update
 * writing its rows into the persistent tensor).
 */
export function emitScatterWriteKernel(
  target: { dtype: DType; shape: readonly number[] },
  ids: { dtype: DType; shape: readonly number[] },
  axis: number,
  first: number,
): KernelSpec {
  const v = target.shape[axis];
  const post = numel(target.shape.slice(axis + 1));
  const j = numel(ids.shape);
  // One invocation per update row (its search for a later repeat done once, not per element).
  const m = numel(target.shape.slice(0, axis)) * j;
  const write = `  let pre = i / ${j}u;
  let k = i % ${j}u;
  let id = ${asI32(ids.dtype, 'ids[k]')};
  if (id < 0i || id >= ${v}i) { return; }
  for (var later = k + 1u; later < ${j}u; later = later + 1u) {
    if (${asI32(ids.dtype, 'ids[later]')} == id) { return; }
  }
  let to = (pre * ${v}u + u32(id)) * ${post}u;
  for (var p = 0u; p < ${post}u; p = p + 1u) { y[to + p] = updates[i * ${post}u + p]; }`;
  const decls = [
    bindingDecl(first, 'ids', ids.dtype, 'read'),
    bindingDecl(first + 1, 'updates', target.dtype, 'read'),
    bindingDecl(first + 2, 'y', target.dtype, 'read_write'),
  ];
  const name = `scatter_${tag(target.shape)}_ids${tag(ids.shape)}_axis${axis}`;
  return kernel(first === 0 ? `${name}_in_place` : `${name}_write`, decls, m, write);
}

/** A 2-D dispatch of `n` workgroups (the per-dimension limit is 65535). */
function tiledWorkgroups(n: number): [number, number, number] {
  return n <= 32768 ? [n, 1, 1] : [32768, Math.ceil(n / 32768), 1];
}

/** out[pre, post] = x[pre, idx[pre, post], post]. */
export function emitTakeAlongAxisKernel(
  x: { dtype: DType; shape: readonly number[] },
  idx: { dtype: DType; shape: readonly number[] },
  axis: number,
): KernelSpec {
  const k = x.shape[axis];
  const post = numel(x.shape.slice(axis + 1));
  const n = numel(idx.shape);
  const body = `  let pre = i / ${post}u;
  let p = i % ${post}u;
  let id = ${asI32(idx.dtype, 'idx[i]')};
  let valid = id >= 0i && id < ${k}i;
  y[i] = select(${zeroOf(x.dtype)}, x[pre * ${k * post}u + u32(clamp(id, 0i, ${k - 1}i)) * ${post}u + p], valid);`;
  return kernel(
    `take_along_axis_${tag(x.shape)}_axis${axis}`,
    [
      bindingDecl(0, 'x', x.dtype, 'read'),
      bindingDecl(1, 'idx', idx.dtype, 'read'),
      bindingDecl(2, 'y', x.dtype, 'read_write'),
    ],
    n,
    body,
  );
}
