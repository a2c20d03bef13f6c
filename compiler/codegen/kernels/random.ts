// Random kernels: one invocation per output element (per row for categorical),
// each drawing its own Philox block keyed by (seed, stream | element, step,
// iteration). The per-element formula is passed in by the op; seed and step come
// from `scalars`; the iteration, when the op has one, is its last input binding
// (one i32 or u32, taken as u32 bits).
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';
import { philoxDrawWgsl } from '../wgsl/philox';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';

/** The WGSL u32 of the iteration input bound as `x{k}`, or 0u without one. */
function iterationWgsl(inputs: readonly DType[], hasIteration: boolean): string {
  if (!hasIteration) return '0u';
  const k = inputs.length - 1;
  return inputs[k] === 'u32' ? `x${k}[0]` : `bitcast<u32>(x${k}[0])`;
}

/**
 * A flat random kernel over `shape`: `body` sees `i` and `w` (the element's four
 * words) and assigns `y[i]`. Inputs are bound as x0, x1, ...; with `hasIteration`
 * the last of them is the iteration scalar.
 */
export function emitRandomKernel(
  op: string,
  stream: number,
  inputs: readonly DType[],
  out: DType,
  shape: readonly number[],
  body: string,
  hasIteration = false,
): KernelSpec {
  const decls = [
    ...inputs.map((d, k) => bindingDecl(k, `x${k}`, d, 'read')),
    bindingDecl(inputs.length, 'y', out, 'read_write'),
    bindingDecl(inputs.length + 1, 'scalars', 'u32', 'read'),
  ];
  const n = numel(shape);
  const main = flatMain(
    n,
    `  let w = philox_draw(i, ${stream >>> 0}u, ${iterationWgsl(inputs, hasIteration)});\n${body}`,
  );
  return {
    name: `${op}_${tag(shape)}_stream${stream}${hasIteration ? '_iter' : ''}`,
    wgsl: `${decls.join('\n')}\n${philoxDrawWgsl()}\n${main}\n`,
    workgroups: flatWorkgroups(n),
    usesScalars: true,
  };
}

/**
 * categorical: one invocation per row of probs [rows, K]; u·Σp is compared with
 * the running sum in f32, in index order (the reference rounds the same way).
 * With `samples`, probs is one table [K] and every invocation draws from it.
 */
export function emitCategoricalKernel(
  stream: number,
  shape: readonly number[],
  iteration: DType | null = null,
  samples?: readonly number[],
): KernelSpec {
  const k = shape[shape.length - 1];
  const rows = samples === undefined ? numel(shape.slice(0, -1)) : numel(samples);
  const body = `  let base = ${samples === undefined ? `i * ${k}u` : '0u'};
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
  const inputs: DType[] = iteration ? ['f32', iteration] : ['f32'];
  const drawn = samples === undefined ? '' : `_samples${tag(samples)}`;
  const name = `categorical_${tag(shape)}${drawn}_stream${stream}${iteration ? '_iter' : ''}`;
  return { ...emitRandomKernel('categorical', stream, inputs, 'i32', [rows], body, iteration !== null), name };
}
