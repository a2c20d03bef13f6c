// The vec4 form of an elementwise kernel: one invocation per 4 consecutive output
// elements, for outputs whose last axis is a multiple of 4. On llvmpipe every
// storage load whose address differs across SIMD lanes is a per-lane scalar loop,
// so one vec4 load in place of four scalar ones is most of an elementwise kernel's
// cost; the math stays scalar, lane by lane, with each op's own `wgsl` expression.
// Each input is read one of three ways:
//   vec   — its last axis runs along the output's: one vec4 load (same shape, or a
//           bias broadcast over leading axes);
//   splat — its last axis is 1 (a column broadcast): the 4 lanes share one element;
//   scalar — a single element: loaded once.
import type { Node, Value } from '../ir/types';
import { numel } from '../ir/types';
import { getOp } from '../ops/registry';
import type { KernelSpec } from './kernel-spec';
import { storageDecl, storageType } from './wgsl/buffers';
import { broadcastIndex, inputBindings, slicedInput } from './elementwise';
import { isSliceLoad, sliceLoadIndex, sliceOnlyInputs } from './slice-load';
import type { InPlaceOutputs } from './elementwise';

/** Threads per workgroup of the vec4 kernels. */
export const VEC4_WORKGROUP = 64;
const MAX_GROUPS_X = 32768;
const LANES = ['x', 'y', 'z', 'w'] as const;

type Read = 'vec' | 'splat' | 'scalar';

function readOf(from: readonly number[], to: readonly number[]): Read {
  if (numel(from) === 1) return 'scalar';
  const last = from.length === 0 ? 1 : from[from.length - 1];
  return last === 1 ? 'splat' : 'vec';
}

/** Whether the output's layout lets every invocation take 4 aligned elements of one row. */
export function vec4Eligible(shape: readonly number[]): boolean {
  return shape.length > 0 && shape[shape.length - 1] % 4 === 0 && numel(shape) >= 4;
}

/** As emitElementwiseKernel (elementwise.ts), for outputs accepted by vec4Eligible. */
export function emitElementwiseVec4(
  group: readonly Node[],
  inputs: readonly Value[],
  outputs: readonly Value[],
  name: string,
  inPlace: InPlaceOutputs = new Map(),
): KernelSpec {
  const shape = outputs[0].type.shape;
  const quads = numel(shape) / 4;
  const decls: string[] = [];
  const lines: string[] = ['  let i = q * 4u;'];
  // names.get(value id)[lane]: the WGSL scalar holding that lane's element.
  const names = new Map<number, string[]>();
  const asValue = (v: string, dtype: string): string => (dtype === 'bool' ? `(${v} != 0u)` : v);
  const { binding, firstOutput } = inputBindings(inputs, outputs, inPlace);
  const sourceOf = new Map([...inPlace].map(([j, k]) => [k, `out${j}`]));
  const sliced = sliceOnlyInputs(group, inputs);
  inputs.forEach((v, k) => {
    // An input read only through slice loads is declared as vec4s and loaded by them (below).
    const read = sliced.has(v) ? 'vec' : readOf(v.type.shape, shape);
    const elem = storageType(v.type.dtype);
    const b = binding[k];
    if (b !== undefined) decls.push(storageDecl(b, `in${k}`, read === 'vec' ? `vec4<${elem}>` : elem, 'read'));
    if (sliced.has(v)) return;
    switch (read) {
      case 'vec': {
        const at = broadcastIndex(v.type.shape, shape);
        // An input overwritten in place is read from its output's array (the same shape: index q).
        const source = sourceOf.get(k);
        lines.push(`  let a${k} = ${source ?? `in${k}`}[${at === 'i' || source ? 'q' : `(${at}) / 4u`}];`);
        names.set(
          v.id,
          LANES.map((l) => asValue(`a${k}.${l}`, v.type.dtype)),
        );
        break;
      }
      case 'splat':
      case 'scalar':
        lines.push(`  let a${k} = ${asValue(`in${k}[${broadcastIndex(v.type.shape, shape)}]`, v.type.dtype)};`);
        names.set(
          v.id,
          LANES.map(() => `a${k}`),
        );
        break;
      default:
        throw new Error(`unknown read ${read satisfies never}`);
    }
  });
  outputs.forEach((v, k) =>
    decls.push(storageDecl(firstOutput + k, `out${k}`, `vec4<${storageType(v.type.dtype)}>`, 'read_write')),
  );
  for (const node of group) {
    const out = node.outputs[0];
    if (isSliceLoad(node)) {
      // sliceLoadsVec4 held (emitElementwiseKernel checks): lanes i..i+3 are one aligned vec4 of the input.
      lines.push(`  let s${out.id} = in${slicedInput(node, inputs)}[(${sliceLoadIndex(node, shape)}) / 4u];`);
      names.set(
        out.id,
        LANES.map((l) => asValue(`s${out.id}.${l}`, out.type.dtype)),
      );
      continue;
    }
    const def = getOp(node.op);
    if (!def.wgsl) throw new Error(`op '${node.op}' has no wgsl expression`);
    const lanes = LANES.map((l, lane) => {
      const args = node.inputs.map((v) => {
        const n = names.get(v.id);
        if (n === undefined) throw new Error(`elementwise group reads %${v.id}, which it neither loads nor computes`);
        return n[lane];
      });
      lines.push(
        `  let v${out.id}${l} = ${def.wgsl!(
          args,
          node.attrs,
          node.inputs.map((x) => x.type),
        )};`,
      );
      return `v${out.id}${l}`;
    });
    names.set(out.id, lanes);
  }
  outputs.forEach((v, k) => {
    const lanes = names.get(v.id);
    if (lanes === undefined) throw new Error(`elementwise group does not compute its output %${v.id}`);
    const t = storageType(v.type.dtype);
    const parts = v.type.dtype === 'bool' ? lanes.map((x) => `select(0u, 1u, ${x})`) : lanes;
    lines.push(`  out${k}[q] = vec4<${t}>(${parts.join(', ')});`);
  });
  const groups = Math.max(1, Math.ceil(quads / VEC4_WORKGROUP));
  const workgroups: [number, number, number] =
    groups <= MAX_GROUPS_X ? [groups, 1, 1] : [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X), 1];
  const main = [
    `@compute @workgroup_size(${VEC4_WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
    `  let q = gid.x + gid.y * nwg.x * ${VEC4_WORKGROUP}u;`,
    `  if (q >= ${quads}u) { return; }`,
    ...lines,
    '}',
  ].join('\n');
  return { name: `${name}_${shape.join('x')}`, wgsl: `${decls.join('\n')}\n\n${main}\n`, workgroups };
}
