// Random kernels: one invocation per output element (per row for categorical),
// each drawing its own Philox block keyed by (seed, stream | element, step). The
// per-element formula is passed in by the op; seed and step come from `scalars`.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import type { KernelSpec } from '../../ops/registry';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';
import { philoxDrawWgsl } from '../wgsl/philox';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';

/**
 * A flat random kernel over `shape`: `body` sees `i` and `w` (the element's four
 * words) and assigns `y[i]`. Inputs are bound as x0, x1, ...
 */
export function emitRandomKernel(
  op: string,
  stream: number,
  inputs: readonly DType[],
  out: DType,
  shape: readonly number[],
  body: string,
): KernelSpec {
  const decls = [
    ...inputs.map((d, k) => bindingDecl(k, `x${k}`, d, 'read')),
    bindingDecl(inputs.length, 'y', out, 'read_write'),
    `@group(0) @binding(${inputs.length + 1}) var<storage, read> scalars: array<u32>;`,
  ];
  const n = numel(shape);
  const main = flatMain(n, `  let w = philox_draw(i, ${stream >>> 0}u);\n${body}`);
  return {
    name: `${op}_${tag(shape)}_stream${stream}`,
    wgsl: `${decls.join('\n')}\n${philoxDrawWgsl()}\n${main}\n`,
    workgroups: flatWorkgroups(n),
    usesScalars: true,
  };
}

/**
 * categorical: one invocation per row of probs [rows, K]; u·Σp is compared with
 * the running sum in f32, in index order (the reference rounds the same way).
 */
export function emitCategoricalKernel(stream: number, shape: readonly number[]): KernelSpec {
  const k = shape[shape.length - 1];
  const rows = numel(shape.slice(0, -1));
  const body = `  let base = i * ${k}u;
  var total = 0.0;
  for (var j = 0u; j < ${k}u; j = j + 1u) { total = total + max(x0[base + j], 0.0); }
  let goal = philox_uniform01(w.x) * total;
  var acc = 0.0;
  var pick = ${k - 1}i;
  var last = -1i;
  for (var j = 0u; j < ${k}u; j = j + 1u) {
    let p = max(x0[base + j], 0.0);
    acc = acc + p;
    if (p > 0.0) { last = i32(j); }
    if (goal < acc && p > 0.0) { pick = i32(j); break; }
  }
  // Rounding can leave goal ≥ the final sum: take the last class with mass.
  if (!(goal < acc)) { pick = select(pick, last, last >= 0i); }
  y[i] = pick;`;
  return { ...emitRandomKernel('categorical', stream, ['f32'], 'i32', [rows], body), name: `categorical_${tag(shape)}_stream${stream}` };
}
