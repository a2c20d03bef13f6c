// Indexing: gather (embedding lookup table[ids]), scatter_add (its adjoint, and
// sparse updates), scatter (rows overwritten: a replay memory written at a ring
// index) and take_along_axis (one element per position, Q(s, a)).
// Out-of-range indices read zero and scatter nothing.
import type { TensorType, Value } from '../ir/types';
import { numel, typeToString } from '../ir/types';
import {
  emitGatherKernel,
  emitScatterAddKernel,
  emitScatterAddRowsKernel,
  emitScatterKernels,
  emitScatterWriteKernel,
  SCATTER_ADD_ROWS_MAX_IDS,
  emitTakeAlongAxisKernel,
} from '../codegen/kernels/gather';
import type { ScatterTiling } from '../codegen/kernels/gather';
import type { KernelContext } from '../codegen/kernel-spec';
import { makeTensor, normalizeAxis, requireDtypes } from './broadcast';
import { defineOp, type GradBuilder, ShapeError } from './registry';

const axisAttr = { axis: { type: 'int' as const, default: 0, doc: 'the indexed axis' } };

function gatherShape(table: TensorType, ids: TensorType, axis: number): number[] {
  return [...table.shape.slice(0, axis), ...ids.shape, ...table.shape.slice(axis + 1)];
}

/**
 * For element u of gather's output (equally, of scatter_add's updates), given the
 * table's `shape`, the indexed `axis` and the flattened `ids`: the flat index of the
 * table element it reads (adds to), or -1 where its id is out of range.
 */
export function gatherSource(shape: readonly number[], axis: number, ids: ArrayLike<number>): (u: number) => number {
  const v = shape[axis];
  const post = numel(shape.slice(axis + 1));
  const j = ids.length;
  return (u) => {
    const pre = Math.floor(u / (j * post));
    const id = ids[Math.floor(u / post) % j];
    return id >= 0 && id < v ? pre * v * post + id * post + (u % post) : -1;
  };
}

defineOp({
  name: 'gather',
  kind: 'movement',
  doc: 'Rows of a table picked by integer ids along an axis: `%2: f32[32,20,64] = gather %0, %1 [axis=0]`',
  arity: 2,
  attrs: axisAttr,
  infer([table, ids], attrs) {
    requireDtypes('gather', [table, ids], ['i32', 'u32'], [1]);
    const axis = normalizeAxis('gather', attrs.axis as number, table.shape.length, table);
    return [{ dtype: table.dtype, shape: gatherShape(table, ids, axis) }];
  },
  grad(b, node, [g]) {
    const [table, ids] = node.inputs;
    if (!g || table.type.dtype !== 'f32') return [null, null];
    return [b.op('scatter_add', [b.constant(0, table.type), ids, g], { axis: node.attrs.axis }), null];
  },
  reference([table, ids], attrs) {
    const axis = normalizeAxis('gather', attrs.axis as number, table.type.shape.length, table.type);
    const out = makeTensor({ dtype: table.type.dtype, shape: gatherShape(table.type, ids.type, axis) });
    const source = gatherSource(table.type.shape, axis, ids.data);
    for (let i = 0; i < out.data.length; i++) {
      const at = source(i);
      out.data[i] = at >= 0 ? table.data[at] : 0;
    }
    return [out];
  },
  kernel(node) {
    const [table, ids] = node.inputs;
    return [
      emitGatherKernel(
        table.type,
        ids.type,
        normalizeAxis('gather', node.attrs.axis as number, table.type.shape.length, table.type),
      ),
    ];
  },
});

function checkScatter(
  op: 'scatter' | 'scatter_add',
  target: TensorType,
  ids: TensorType,
  updates: TensorType,
  axisAttr: number,
): number {
  requireDtypes(op, [target, ids, updates], ['i32', 'u32'], [1]);
  requireDtypes(op, [target, ids, updates], ['f32', 'i32', 'u32'], [0, 2]);
  const axis = normalizeAxis(op, axisAttr, target.shape.length, target);
  const want = gatherShape(target, ids, axis);
  const ok =
    updates.dtype === target.dtype &&
    updates.shape.length === want.length &&
    want.every((d, k) => d === updates.shape[k]);
  if (!ok) {
    throw new ShapeError(
      `${op}: updates ${typeToString(updates)} ` +
        `must be ${typeToString({ dtype: target.dtype, shape: want })} ` +
        `for target ${typeToString(target)} and ids ${typeToString(ids)}`,
      2,
    );
  }
  return axis;
}

/** scatter_add's tiling on this device (compiler/codegen/kernels/gather.ts). */
function scatterTiling(ctx: KernelContext): ScatterTiling {
  return { storageBytes: ctx.limits.maxComputeWorkgroupStorageSize, minRowTiles: ctx.family === 'shared' ? 128 : 1 };
}

defineOp({
  name: 'scatter_add',
  kind: 'movement',
  doc: 'target plus updates added at the rows named by ids (repeats accumulate): `%3: f32[1000,64] = scatter_add %0, %1, %2 [axis=0]`',
  arity: 3,
  attrs: axisAttr,
  infer([target, ids, updates], attrs) {
    checkScatter('scatter_add', target, ids, updates, attrs.axis as number);
    return [target];
  },
  grad(b, node, [g]) {
    const [target, ids] = node.inputs;
    if (!g || target.type.dtype !== 'f32') return [null, null, null];
    return [g, null, b.op('gather', [g, ids], { axis: node.attrs.axis })];
  },
  reference([target, ids, updates], attrs) {
    const axis = checkScatter('scatter_add', target.type, ids.type, updates.type, attrs.axis as number);
    const out = makeTensor(target.type, Float64Array.from(target.data));
    const source = gatherSource(target.type.shape, axis, ids.data);
    for (let u = 0; u < updates.data.length; u++) {
      const at = source(u);
      if (at >= 0) out.data[at] += updates.data[u];
    }
    if (target.type.dtype !== 'f32')
      for (let i = 0; i < out.data.length; i++)
        out.data[i] = target.type.dtype === 'i32' ? out.data[i] | 0 : out.data[i] >>> 0;
    return [out];
  },
  kernel(node, ctx) {
    const [target, ids, updates] = node.inputs;
    const axis = checkScatter('scatter_add', target.type, ids.type, updates.type, node.attrs.axis as number);
    return [emitScatterAddKernel(target.type, ids.type, axis, scatterTiling(ctx))];
  },
  // Accumulating into the target's buffer: only the named rows when there are few ids.
  kernelInPlace(node, ctx, input) {
    if (input !== 0) return undefined;
    const [target, ids, updates] = node.inputs;
    const axis = checkScatter('scatter_add', target.type, ids.type, updates.type, node.attrs.axis as number);
    if (numel(ids.type.shape) <= SCATTER_ADD_ROWS_MAX_IDS)
      return [emitScatterAddRowsKernel(target.type, ids.type, axis)];
    return [emitScatterAddKernel(target.type, ids.type, axis, scatterTiling(ctx), true)];
  },
});

/**
 * Which updates survive a scatter, as f32 1/0 shaped to broadcast over the updates:
 * where ids repeat, only the last (highest j) writes. Each j is scattered into a
 * row map and read back; j survives when it reads itself.
 */
function lastWriters(b: GradBuilder, ids: Value, rows: number, axis: number, postRank: number): Value {
  const j = numel(ids.type.shape);
  const flat = b.op('reshape', [ids], { shape: [j] });
  const order = b.op('iota', [], { shape: [j], axis: 0 });
  const none = b.constant(-1, { dtype: 'i32', shape: [rows] });
  const winner = b.op('gather', [b.op('scatter', [none, flat, order], { axis: 0 }), flat], { axis: 0 });
  const kept = b.op('cast', [b.op('eq', [winner, order])], { to: 'f32' });
  const shape = [...Array<number>(axis).fill(1), ...ids.type.shape, ...Array<number>(postRank).fill(1)];
  return b.op('reshape', [kept], { shape });
}

defineOp({
  name: 'scatter',
  kind: 'movement',
  doc: 'target with the rows named by ids replaced by updates (the last of repeated ids wins): `%3: f32[4096,100] = scatter %0, %1, %2 [axis=0]`',
  arity: 3,
  attrs: axisAttr,
  infer([target, ids, updates], attrs) {
    checkScatter('scatter', target, ids, updates, attrs.axis as number);
    return [target];
  },
  // d target: g with the overwritten rows zeroed (scatter of zeros); d updates: g at
  // each update's row, for the updates that were not overwritten by a later repeat.
  grad(b, node, [g]) {
    const [target, ids, updates] = node.inputs;
    if (!g || target.type.dtype !== 'f32') return [null, null, null];
    const axis = checkScatter('scatter', target.type, ids.type, updates.type, node.attrs.axis as number);
    const dTarget = b.op('scatter', [g, ids, b.constant(0, updates.type)], { axis });
    const kept = lastWriters(b, ids, target.type.shape[axis], axis, target.type.shape.length - axis - 1);
    return [dTarget, null, b.op('mul', [b.op('gather', [g, ids], { axis }), kept])];
  },
  reference([target, ids, updates], attrs) {
    const axis = checkScatter('scatter', target.type, ids.type, updates.type, attrs.axis as number);
    const out = makeTensor(target.type, Float64Array.from(target.data));
    const source = gatherSource(target.type.shape, axis, ids.data);
    for (let u = 0; u < updates.data.length; u++) {
      const at = source(u);
      if (at >= 0) out.data[at] = updates.data[u];
    }
    return [out];
  },
  kernel(node) {
    const [target, ids, updates] = node.inputs;
    const axis = checkScatter('scatter', target.type, ids.type, updates.type, node.attrs.axis as number);
    return emitScatterKernels(target.type, ids.type, axis);
  },
  // Over its target, a scatter is its write dispatch alone (sparse optimizer updates).
  kernelInPlace(node, _ctx, input) {
    if (input !== 0) return undefined;
    const [target, ids, updates] = node.inputs;
    const axis = checkScatter('scatter', target.type, ids.type, updates.type, node.attrs.axis as number);
    return [emitScatterWriteKernel(target.type, ids.type, axis, 0)];
  },
});

function checkTake(x: TensorType, idx: TensorType, axisAttr: number): number {
  requireDtypes('take_along_axis', [x, idx], ['i32', 'u32'], [1]);
  const axis = normalizeAxis('take_along_axis', axisAttr, x.shape.length, x);
  const want = x.shape.filter((_, k) => k !== axis);
  const ok = idx.shape.length === want.length && want.every((d, k) => d === idx.shape[k]);
  if (!ok)
    throw new ShapeError(
      `take_along_axis: indices ${typeToString(idx)} must have the shape of ${typeToString(x)} without axis ${axis}`,
      1,
    );
  return axis;
}

defineOp({
  name: 'take_along_axis',
  kind: 'movement',
  doc: 'One element per position along an axis, out[i] = x[i, idx[i]] (Q(s, a)): `%2: f32[32] = take_along_axis %0, %1 [axis=1]`',
  arity: 2,
  attrs: { axis: { type: 'int', default: -1, doc: 'the indexed axis' } },
  infer([x, idx], attrs) {
    checkTake(x, idx, attrs.axis as number);
    return [{ dtype: x.dtype, shape: [...idx.shape] }];
  },
  // dx = one_hot(idx) along `axis`, scaled by g.
  grad(b, node, [g]) {
    const [x, idx] = node.inputs;
    if (!g || x.type.dtype !== 'f32') return [null, null];
    const axis = checkTake(x.type, idx.type, node.attrs.axis as number);
    const rank = x.type.shape.length;
    let hot = b.op('one_hot', [idx], { depth: x.type.shape[axis] });
    if (axis !== rank - 1) {
      const perm = [...Array(axis).keys(), rank - 1, ...Array.from({ length: rank - 1 - axis }, (_, k) => axis + k)];
      hot = b.op('transpose', [hot], { perm });
    }
    const gShape = [...x.type.shape];
    gShape[axis] = 1;
    return [b.op('mul', [hot, b.op('reshape', [g], { shape: gShape })]), null];
  },
  reference([x, idx], attrs) {
    const axis = checkTake(x.type, idx.type, attrs.axis as number);
    const out = makeTensor({ dtype: x.type.dtype, shape: [...idx.type.shape] });
    const k = x.type.shape[axis];
    const post = numel(x.type.shape.slice(axis + 1));
    for (let i = 0; i < out.data.length; i++) {
      const id = idx.data[i];
      out.data[i] = id >= 0 && id < k ? x.data[Math.floor(i / post) * k * post + id * post + (i % post)] : 0;
    }
    return [out];
  },
  kernel(node) {
    const [x, idx] = node.inputs;
    return [emitTakeAlongAxisKernel(x.type, idx.type, checkTake(x.type, idx.type, node.attrs.axis as number))];
  },
});
