// The kernel of `sum_duplicate_rows` (compiler/ops/sparse-rows.ts): the row
// gradients of a sparse param update summed per distinct id, into the last row that
// names it, in the same order as the dense gradient's scatter_adds and adds.
//
// One workgroup per row i. Its threads compare ids[i] with every id (N / 64 each)
// and mark the matches in a bitmask in workgroup memory, a thread per 32-bit word; then each thread walks the
// marks in increasing j for the columns it owns (≡ lid mod 64). Per segment (one
// gather's ids) the matches are summed from 0.0 in j order, as scatter_add adds into
// its zero target; the segment sums are added in segment order, as the backward pass
// adds the gathers' gradients. A row that is not the last of its id gets zeros.
// O(N² + N·post) work for N ids, no atomics on floats, deterministic.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl } from '../wgsl/buffers';

const WG = 64;
/** Ids a kernel may take: one bit each in workgroup memory (WebGPU's minimum is 16384 bytes). */
export const MAX_SUMMED_IDS = 8192 * 8;

export function emitSumDuplicateRowsKernel(
  ids: { dtype: DType; shape: readonly number[] },
  rows: { dtype: DType; shape: readonly number[] },
  parts: readonly number[],
): KernelSpec {
  const n = numel(ids.shape);
  const post = numel(rows.shape.slice(1));
  const words = Math.ceil(n / 32);
  if (n > MAX_SUMMED_IDS)
    throw new Error(`sum_duplicate_rows: ${n} ids, more than the ${MAX_SUMMED_IDS} a kernel takes`);
  // Segment k holds ids [start_k, start_k + parts_k); segmentOf(j) is its k.
  const starts = parts
    .slice(1)
    .reduce<number[]>((acc, p, k) => [...acc, acc[k] + parts[k]], [0])
    .slice(1);
  const segmentOf = starts.length ? starts.map((s) => `select(0u, 1u, j >= ${s}u)`).join(' + ') : '0u';
  const id = (e: string): string => (ids.dtype === 'i32' ? `${e}` : `i32(${e})`);
  const wgsl = `${bindingDecl(0, 'ids', ids.dtype, 'read')}
${bindingDecl(1, 'rows', 'f32', 'read')}
${bindingDecl(2, 'y', 'f32', 'read_write')}
var<workgroup> marks: array<u32, ${words}>;

fn segment_of(j: u32) -> u32 {
  return ${segmentOf};
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= ${n}u) { return; }
  let mine = ${id('ids[i]')};
  // Each thread builds whole words of the mask (no atomics: llvmpipe's are slow).
  for (var w = lid; w < ${words}u; w = w + ${WG}u) {
    var m = 0u;
    for (var b = 0u; b < 32u; b = b + 1u) {
      let j = w * 32u + b;
      if (j < ${n}u && ${id('ids[j]')} == mine) { m = m | (1u << b); }
    }
    marks[w] = m;
  }
  workgroupBarrier();
  var last = i;
  for (var w = 0u; w < ${words}u; w = w + 1u) {
    let m = marks[w];
    if (m != 0u) { last = w * 32u + 31u - countLeadingZeros(m); }
  }
  for (var c = lid; c < ${post}u; c = c + ${WG}u) {
    var total = 0.0;
    var part = 0.0;
    var seg = 0u;
    for (var w = 0u; w < ${words}u; w = w + 1u) {
      var m = marks[w];
      while (m != 0u) {
        let j = w * 32u + countTrailingZeros(m);
        m = m & (m - 1u);
        let s = segment_of(j);
        if (s != seg) {
          total = total + part;
          part = 0.0;
          seg = s;
        }
        part = part + rows[j * ${post}u + c];
      }
    }
    y[i * ${post}u + c] = select(0.0, total + part, last == i);
  }
}
`;
  const groups: [number, number, number] = n <= 32768 ? [n, 1, 1] : [32768, Math.ceil(n / 32768), 1];
  return { name: `sum_duplicate_rows_${n}x${post}`, wgsl, workgroups: groups };
}
