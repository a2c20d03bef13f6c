// Row kernels: one workgroup per output element ("row"), whose threads stride over
// the reduced elements and combine their partial results in a workgroup-memory
// tree. Reductions (sum, mean, max, min, argmax, logsumexp), softmax and the
// row-wise losses are all written on this frame. Shapes are baked in as constants.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import { stridesOf } from '../../ops/broadcast';
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl, loadExpr, storeExpr } from '../wgsl/buffers';

/** Most threads per row workgroup (a power of two within compatibility mode's 128). */
export const ROW_WORKGROUP = 64;

/** Threads for rows of `length` elements: the next power of two, at most ROW_WORKGROUP, so short rows idle no threads. */
export function rowWorkgroupSize(length: number): number {
  let wg = 1;
  while (wg < length && wg < ROW_WORKGROUP) wg *= 2;
  return wg;
}
const MAX_GROUPS_X = 32768;

/**
 * The WGSL expression of the flat offset, in a tensor with strides `strides`, of
 * element `idx` of the sub-grid with dimensions `dims` (row-major).
 */
export function subgridOffset(idx: string, dims: readonly number[], strides: readonly number[]): string {
  const terms: string[] = [];
  let inner = numel(dims);
  for (let k = 0; k < dims.length; k++) {
    inner /= dims[k];
    if (dims[k] === 1) continue;
    let coord = inner === 1 ? idx : `(${idx} / ${inner}u)`;
    if (k > 0) coord = `(${coord} % ${dims[k]}u)`;
    terms.push(strides[k] === 1 ? coord : `${coord} * ${strides[k]}u`);
  }
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/** How the rows of a tensor are laid out when `axes` are reduced. */
export interface RowLayout {
  /** Number of rows (output elements). */
  readonly rows: number;
  /** Elements per row. */
  readonly length: number;
  /** WGSL: flat offset of row `o`'s first element. */
  readonly base: string;
  /** WGSL: offset of element `r` within a row. */
  readonly offset: string;
}

export function rowLayout(shape: readonly number[], axes: readonly number[]): RowLayout {
  const strides = stridesOf(shape);
  const kept = shape.map((_, k) => k).filter((k) => !axes.includes(k));
  const reduced = [...axes].sort((a, b) => a - b);
  return {
    rows: numel(kept.map((k) => shape[k])),
    length: numel(reduced.map((k) => shape[k])),
    base: subgridOffset(
      'o',
      kept.map((k) => shape[k]),
      kept.map((k) => strides[k]),
    ),
    offset: subgridOffset(
      'r',
      reduced.map((k) => shape[k]),
      reduced.map((k) => strides[k]),
    ),
  };
}

export interface RowBinding {
  readonly name: string;
  readonly dtype: DType;
}

export type KernelFamily = 'register' | 'shared';

/** Rows needed before the serial form (one thread per row) keeps a CPU-like adapter busy. */
const SERIAL_MIN_ROWS = 128;

function rowDecls(
  inputs: readonly RowBinding[],
  outputs: readonly RowBinding[],
  usesScalars: boolean | undefined,
): string[] {
  const decls = [
    ...inputs.map((b, k) => bindingDecl(k, b.name, b.dtype, 'read')),
    ...outputs.map((b, k) => bindingDecl(inputs.length + k, b.name, b.dtype, 'read_write')),
  ];
  if (usesScalars) decls.push(bindingDecl(inputs.length + outputs.length, 'scalars', 'u32', 'read'));
  return decls;
}

const NAN_HELPERS = `fn is_nan(x: f32) -> bool { return x != x; }
fn max_nan(a: f32, b: f32) -> f32 { return select(max(a, b), a + b, is_nan(a) || is_nan(b)); }
fn min_nan(a: f32, b: f32) -> f32 { return select(min(a, b), a + b, is_nan(a) || is_nan(b)); }

// (value, index) pairs: the larger value wins, NaN beats everything, ties go to the lower index.
fn argmax_better(va: f32, ia: u32, vb: f32, ib: u32) -> bool {
  if (is_nan(va) != is_nan(vb)) { return is_nan(vb); }
  if (is_nan(va) || va == vb) { return ib < ia; }
  return vb > va;
}`;

/**
 * The serial form of a row kernel for CPU-like adapters (llvmpipe), where barriers
 * are costly and rows are plenty: one invocation per row walks the whole row, with
 * WG = 1, lid = 0 and the tree functions reduced to the identity, so the same
 * `body` text serves both forms.
 */
function emitSerialRowKernel(opts: Parameters<typeof emitRowKernel>[0]): KernelSpec {
  const { layout } = opts;
  const threads = ROW_WORKGROUP;
  const groups = Math.ceil(layout.rows / threads);
  const workgroups: [number, number, number] =
    groups <= MAX_GROUPS_X ? [groups, 1, 1] : [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X), 1];
  const wgsl = `${rowDecls(opts.inputs, opts.outputs, opts.usesScalars).join('\n')}

const ROWS: u32 = ${layout.rows}u;
const LEN: u32 = ${layout.length}u;
const WG: u32 = 1u;

fn row_base(o: u32) -> u32 { return ${layout.base}; }
fn row_off(r: u32) -> u32 { return ${layout.offset}; }

${NAN_HELPERS}

fn tree_sum(lid: u32, v: f32) -> f32 { return v; }
fn tree_max(lid: u32, v: f32) -> f32 { return v; }
fn tree_min(lid: u32, v: f32) -> f32 { return v; }
fn tree_argmax(lid: u32, v: f32, i: u32) -> u32 { return i; }
${opts.extra ?? ''}
@compute @workgroup_size(${threads})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * ${threads}u;
  let lid = 0u;
  if (o >= ROWS) { return; }
${opts.body}
}
`;
  return { name: opts.name, wgsl, workgroups, usesScalars: opts.usesScalars };
}

/**
 * A row kernel: `body` runs once per row in every thread of its workgroup, sees
 * `o` (row), `lid` (thread), the constants `ROWS`, `LEN`, `WG`, the functions
 * `row_base(o)`, `row_off(r)`, `tree_sum(lid, v)`, `tree_max(lid, v)`,
 * `tree_min(lid, v)` (NaN-propagating) and `tree_argmax(lid, v, i)`.
 */
export function emitRowKernel(opts: {
  name: string;
  layout: RowLayout;
  inputs: readonly RowBinding[];
  outputs: readonly RowBinding[];
  body: string;
  usesScalars?: boolean;
  extra?: string;
  family?: KernelFamily;
}): KernelSpec {
  const { layout } = opts;
  if (opts.family === 'register' && layout.rows >= SERIAL_MIN_ROWS) return emitSerialRowKernel(opts);
  const decls = rowDecls(opts.inputs, opts.outputs, opts.usesScalars);
  const wg = rowWorkgroupSize(layout.length);
  const groups = Math.max(1, layout.rows);
  const workgroups: [number, number, number] =
    groups <= MAX_GROUPS_X ? [groups, 1, 1] : [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X), 1];
  const wgsl = `${decls.join('\n')}

const ROWS: u32 = ${layout.rows}u;
const LEN: u32 = ${layout.length}u;
const WG: u32 = ${wg}u;

var<workgroup> red_v: array<f32, ${wg}>;
var<workgroup> red_i: array<u32, ${wg}>;

fn row_base(o: u32) -> u32 { return ${layout.base}; }
fn row_off(r: u32) -> u32 { return ${layout.offset}; }

${NAN_HELPERS}

fn tree_sum(lid: u32, v: f32) -> f32 {
  red_v[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red_v[lid] = red_v[lid] + red_v[lid + s]; }
    workgroupBarrier();
  }
  let total = red_v[0];
  workgroupBarrier();
  return total;
}

fn tree_max(lid: u32, v: f32) -> f32 {
  red_v[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red_v[lid] = max_nan(red_v[lid], red_v[lid + s]); }
    workgroupBarrier();
  }
  let m = red_v[0];
  workgroupBarrier();
  return m;
}

fn tree_min(lid: u32, v: f32) -> f32 {
  red_v[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red_v[lid] = min_nan(red_v[lid], red_v[lid + s]); }
    workgroupBarrier();
  }
  let m = red_v[0];
  workgroupBarrier();
  return m;
}

fn tree_argmax(lid: u32, v: f32, i: u32) -> u32 {
  red_v[lid] = v;
  red_i[lid] = i;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s && argmax_better(red_v[lid], red_i[lid], red_v[lid + s], red_i[lid + s])) {
      red_v[lid] = red_v[lid + s];
      red_i[lid] = red_i[lid + s];
    }
    workgroupBarrier();
  }
  let best = red_i[0];
  workgroupBarrier();
  return best;
}
${opts.extra ?? ''}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= ROWS) { return; }
${opts.body}
}
`;
  return { name: opts.name, wgsl, workgroups, usesScalars: opts.usesScalars };
}

/** A stored element as f32 for accumulation. */
export function loadF32(buffer: string, index: string, dtype: DType): string {
  const v = loadExpr(buffer, index, dtype);
  return dtype === 'f32' ? v : dtype === 'bool' ? `select(0.0, 1.0, ${v})` : `f32(${v})`;
}

export type ReduceCombine = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'logsumexp';

/** The kernel of a reduction of `shape` over `axes`. Integer sums accumulate in their own dtype. */
export function emitReduceKernel(
  name: string,
  combine: ReduceCombine,
  input: { dtype: DType; shape: readonly number[] },
  axes: readonly number[],
  outDtype: DType,
  family: KernelFamily = 'shared',
): KernelSpec {
  const layout = rowLayout(input.shape, axes);
  const at = 'x[row_base(o) + row_off(r)]';
  const v = loadF32('x', 'row_base(o) + row_off(r)', input.dtype);
  const store = (e: string): string => `  if (lid == 0u) { y[o] = ${storeExpr(e, outDtype)}; }`;
  let body: string;
  const intAcc = input.dtype === 'i32' || input.dtype === 'u32';
  switch (combine) {
    case 'sum':
    case 'mean':
      if (intAcc && combine === 'sum') {
        // Integer sums are exact (wrapping), so a serial loop in one thread keeps them deterministic.
        body = `  if (lid == 0u) {
    var acc = ${input.dtype}(0);
    for (var r = 0u; r < LEN; r = r + 1u) { acc = acc + ${at}; }
    y[o] = acc;
  }`;
      } else {
        body = `  var acc = 0.0;
  for (var r = lid; r < LEN; r = r + WG) { acc = acc + ${v}; }
  let total = tree_sum(lid, acc);
${store(combine === 'mean' ? `total / f32(LEN)` : 'total')}`;
      }
      break;
    case 'max':
    case 'min': {
      if (intAcc) {
        const fn = combine;
        body = `  if (lid == 0u) {
    var acc = x[row_base(o)];
    for (var r = 1u; r < LEN; r = r + 1u) { acc = ${fn}(acc, ${at}); }
    y[o] = acc;
  }`;
      } else {
        // Every thread starts from the row's first element, which belongs to the row anyway.
        body = `  var acc = ${loadF32('x', 'row_base(o)', input.dtype)};
  for (var r = lid; r < LEN; r = r + WG) { acc = ${combine}_nan(acc, ${v}); }
  let m = tree_${combine}(lid, acc);
${store('m')}`;
      }
      break;
    }
    case 'argmax':
      body = `  var best_v = ${loadF32('x', 'row_base(o)', input.dtype)};
  var best_i = 0u;
  for (var r = lid; r < LEN; r = r + WG) {
    let cand = ${v};
    if (argmax_better(best_v, best_i, cand, r)) { best_v = cand; best_i = r; }
  }
  let i = tree_argmax(lid, best_v, best_i);
  if (lid == 0u) { y[o] = ${outDtype === 'i32' ? 'i32(i)' : 'i'}; }`;
      break;
    case 'logsumexp':
      body = `  var m_acc = ${loadF32('x', 'row_base(o)', input.dtype)};
  for (var r = lid; r < LEN; r = r + WG) { m_acc = max_nan(m_acc, ${v}); }
  let m = tree_max(lid, m_acc);
  var acc = 0.0;
  for (var r = lid; r < LEN; r = r + WG) { acc = acc + exp(${v} - m); }
  let total = tree_sum(lid, acc);
  // An infinite maximum is the answer itself (all -inf, or some +inf).
  let inf_m = (bitcast<u32>(m) & 0x7fffffffu) == 0x7f800000u;
${store('select(m + log(total), m, inf_m)')}`;
      break;
    default: {
      const never: never = combine;
      throw new Error(`unknown reduction ${String(never)}`);
    }
  }
  return emitRowKernel({
    name,
    layout,
    inputs: [{ name: 'x', dtype: input.dtype }],
    outputs: [{ name: 'y', dtype: outDtype }],
    body,
    family,
  });
}
