// Data-movement kernels: one invocation per output element, which computes the
// element it reads from the baked-in shapes. Reshape is a copy; transpose, slice,
// pad, concat, broadcast and one_hot map output coordinates back to their source.
import type { DType } from '../../ir/types';
import { numel } from '../../ir/types';
import { stridesOf } from '../../ops/broadcast';
import type { KernelSpec } from '../kernel-spec';
import { broadcastIndex } from '../elementwise';
import { vec4Eligible } from '../elementwise-vec4';
import { storageDecl, bindingDecl, flatMain, flatWorkgroups, storageType } from '../wgsl/buffers';
import { subgridOffset } from './reduce';

const tag = (shape: readonly number[]): string => shape.join('x') || 'scalar';

/** A flat kernel over `outShape` with the given inputs (x0, x1, ...) and one output y. */
function flatKernel(
  name: string,
  inputs: readonly DType[],
  out: DType,
  outShape: readonly number[],
  body: string,
): KernelSpec {
  const decls = [
    ...inputs.map((d, k) => bindingDecl(k, `x${k}`, d, 'read')),
    bindingDecl(inputs.length, 'y', out, 'read_write'),
  ];
  const n = numel(outShape);
  return { name, wgsl: `${decls.join('\n')}\n\n${flatMain(n, body)}\n`, workgroups: flatWorkgroups(n) };
}

/** Coordinate along axis `k` of flat index `idx` in `shape`. */
function coordExpr(idx: string, shape: readonly number[], k: number): string {
  const inner = numel(shape.slice(k + 1));
  const q = inner === 1 ? idx : `(${idx} / ${inner}u)`;
  return k === 0 ? q : `(${q} % ${shape[k]}u)`;
}

export function emitCopyKernel(name: string, dtype: DType, shape: readonly number[]): KernelSpec {
  return flatKernel(name, [dtype], dtype, shape, '  y[i] = x0[i];');
}

/** Whether `perm` swaps the last two axes and keeps the others in place. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  return r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, r - 2).every((p, k) => p === k);
}

/**
 * A (batched) matrix transpose [..., R, C] → [..., C, R] with R and C multiples of
 * 4: each invocation moves one 4×4 block with 4 vec4 loads and 4 vec4 stores,
 * where the flat form pays 16 scalar loads and stores (each a per-lane loop on
 * llvmpipe).
 */
function emitBlockTranspose(dtype: DType, inShape: readonly number[], perm: readonly number[]): KernelSpec {
  const r = inShape.length;
  const R = inShape[r - 2];
  const C = inShape[r - 1];
  const batch = numel(inShape.slice(0, r - 2));
  const blocks = batch * (R / 4) * (C / 4);
  const t = storageType(dtype);
  const body = [
    `  let cb = i % ${C / 4}u;`,
    `  let rb = (i / ${C / 4}u) % ${R / 4}u;`,
    `  let mat = i / ${(R / 4) * (C / 4)}u;`,
    // vec4 index of x[mat, 4rb + j, 4cb] and of y[mat, 4cb + j, 4rb].
    `  let src = (mat * ${R}u + rb * 4u) * ${C / 4}u + cb;`,
    `  let dst = (mat * ${C}u + cb * 4u) * ${R / 4}u + rb;`,
    ...[0, 1, 2, 3].map((j) => `  let r${j} = x0[src + ${j * (C / 4)}u];`),
    ...(['x', 'y', 'z', 'w'] as const).map(
      (l, j) => `  y[dst + ${j * (R / 4)}u] = vec4<${t}>(r0.${l}, r1.${l}, r2.${l}, r3.${l});`,
    ),
  ].join('\n');
  const decls = [storageDecl(0, 'x0', `vec4<${t}>`, 'read'), storageDecl(1, 'y', `vec4<${t}>`, 'read_write')];
  return {
    name: `transpose_${tag(inShape)}_perm${perm.join('')}`,
    wgsl: `${decls.join('\n')}\n\n${flatMain(blocks, body)}\n`,
    workgroups: flatWorkgroups(blocks),
  };
}

export function emitTransposeKernel(dtype: DType, inShape: readonly number[], perm: readonly number[]): KernelSpec {
  const r = inShape.length;
  if (swapsLastTwo(perm) && inShape[r - 1] % 4 === 0 && inShape[r - 2] % 4 === 0)
    return emitBlockTranspose(dtype, inShape, perm);
  const inStrides = stridesOf(inShape);
  const outShape = perm.map((p) => inShape[p]);
  const src = subgridOffset(
    'i',
    outShape,
    perm.map((p) => inStrides[p]),
  );
  return flatKernel(`transpose_${tag(inShape)}_perm${perm.join('')}`, [dtype], dtype, outShape, `  y[i] = x0[${src}];`);
}

export function emitBroadcastKernel(dtype: DType, inShape: readonly number[], outShape: readonly number[]): KernelSpec {
  if (vec4Eligible(outShape)) {
    // 4 output elements of one row per invocation, stored as one vec4: a column
    // ([..., 1]) or a single element is one load splatted, a row one vec4 load.
    const t = storageType(dtype);
    const quads = numel(outShape) / 4;
    const at = broadcastIndex(inShape, outShape);
    const splat = numel(inShape) === 1 || inShape[inShape.length - 1] === 1;
    const decls = [
      storageDecl(0, 'x0', splat ? t : `vec4<${t}>`, 'read'),
      storageDecl(1, 'y', `vec4<${t}>`, 'read_write'),
    ];
    const body = [
      '  let q = i;',
      '  let i4 = q * 4u;',
      `  y[q] = ${splat ? `vec4<${t}>(x0[${at.replace(/\bi\b/g, 'i4')}])` : `x0[(${at.replace(/\bi\b/g, 'i4')}) / 4u]`};`,
    ].join('\n');
    return {
      name: `broadcast_to_${tag(inShape)}_to_${tag(outShape)}`,
      wgsl: `${decls.join('\n')}\n\n${flatMain(quads, body)}\n`,
      workgroups: flatWorkgroups(quads),
    };
  }
  return flatKernel(
    `broadcast_to_${tag(inShape)}_to_${tag(outShape)}`,
    [dtype],
    dtype,
    outShape,
    `  y[i] = x0[${broadcastIndex(inShape, outShape)}];`,
  );
}

export function emitSliceKernel(
  dtype: DType,
  inShape: readonly number[],
  starts: readonly number[],
  steps: readonly number[],
  outShape: readonly number[],
): KernelSpec {
  const inStrides = stridesOf(inShape);
  const base = starts.reduce((acc, s, k) => acc + s * inStrides[k], 0);
  const src = subgridOffset(
    'i',
    outShape,
    steps.map((s, k) => s * inStrides[k]),
  );
  return flatKernel(
    `slice_${tag(inShape)}_to_${tag(outShape)}`,
    [dtype],
    dtype,
    outShape,
    `  y[i] = x0[${base}u + ${src}];`,
  );
}

/** Zero padding: `lo`/`hi` elements before/after each axis and `interior` between neighbours. */
export function emitPadKernel(
  dtype: DType,
  inShape: readonly number[],
  lo: readonly number[],
  interior: readonly number[],
  outShape: readonly number[],
): KernelSpec {
  const inStrides = stridesOf(inShape);
  const lines = ['  var src = 0u;', '  var inside = true;'];
  outShape.forEach((_, k) => {
    const c = coordExpr('i', outShape, k);
    const gap = interior[k] + 1;
    lines.push(`  {`);
    lines.push(`    let c = i32(${c}) - ${lo[k]}i;`);
    lines.push(`    let q = c / ${gap}i;`);
    lines.push(`    inside = inside && c >= 0i && c % ${gap}i == 0i && q < ${inShape[k]}i;`);
    lines.push(`    src = src + u32(max(q, 0i)) * ${inStrides[k]}u;`);
    lines.push(`  }`);
  });
  const zero = dtype === 'f32' ? '0.0' : dtype === 'i32' ? '0i' : '0u';
  lines.push(`  y[i] = select(${zero}, x0[min(src, ${Math.max(0, numel(inShape) - 1)}u)], inside);`);
  return flatKernel(`pad_${tag(inShape)}_to_${tag(outShape)}`, [dtype], dtype, outShape, lines.join('\n'));
}

export function emitConcatKernel(
  dtype: DType,
  inShapes: readonly (readonly number[])[],
  axis: number,
  outShape: readonly number[],
): KernelSpec {
  const inner = numel(outShape.slice(axis + 1));
  const lines = [
    `  let c = ${coordExpr('i', outShape, axis)};`,
    `  let outer = i / ${outShape[axis] * inner}u;`,
    `  let inn = i % ${inner}u;`,
  ];
  let offset = 0;
  inShapes.forEach((s, k) => {
    const d = s[axis];
    const cond = k === inShapes.length - 1 ? '' : `if (c < ${offset + d}u) `;
    lines.push(
      `  ${k === 0 ? '' : 'else '}${cond}{ y[i] = x${k}[outer * ${d * inner}u + (c - ${offset}u) * ${inner}u + inn]; }`,
    );
    offset += d;
  });
  return flatKernel(
    `concat_${inShapes.map(tag).join('_')}_axis${axis}`,
    inShapes.map(() => dtype),
    dtype,
    outShape,
    lines.join('\n'),
  );
}

/** iota: every element is its coordinate along `axis`. */
export function emitIotaKernel(shape: readonly number[], axis: number): KernelSpec {
  return flatKernel(
    `iota_${tag(shape)}_axis${axis}`,
    [],
    'i32',
    shape,
    `  y[i] = i32(${coordExpr('i', shape, axis)});`,
  );
}

export function emitOneHotKernel(indexDtype: DType, inShape: readonly number[], depth: number): KernelSpec {
  const outShape = [...inShape, depth];
  const idx = indexDtype === 'i32' ? `x0[i / ${depth}u]` : `i32(x0[i / ${depth}u])`;
  return flatKernel(
    `one_hot_${tag(inShape)}_depth${depth}`,
    [indexDtype],
    'f32',
    outShape,
    `  y[i] = select(0.0, 1.0, ${idx} == i32(i % ${depth}u));`,
  );
}
