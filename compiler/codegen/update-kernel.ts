// A `fused [pattern="update"]` body (compiler/passes/fuse-updates.ts) as one flat
// kernel over the elements of every tensor it updates, one after another, in vec4s:
//   prologue  — one-element inputs and nodes, once per invocation; one-element
//               outputs stored by invocation 0 alone;
//   segment s — the tensor's elements in quads q of 4 (the last one partial where
//               its size is no multiple of 4): unit u in [start_s, start_s + quads_s),
//               q = u - start_s; its nodes lane by lane on elements 4q..4q+3.
// Each invocation takes UNITS_PER_INVOCATION units, strided by the invocation count
// (so neighbouring invocations touch neighbouring quads), and computes the prologue
// once for all of them. On llvmpipe a storage load whose address differs across SIMD
// lanes is a per-lane scalar loop, so a vec4 load in place of four scalar ones, and
// fewer invocations repeating the prologue, are most of the kernel's cost.
// Loads and stores, per input or output:
//   arena   — params and slots written in place, laid out in one view
//             (update-arena.ts), bound once as `arena: array<vec4<f32>>`: vec4 loads
//             and stores at constant offsets; a partial last quad stores back the
//             old lanes past the tensor's end (padding no other tensor uses);
//   vec4    — an f32 binding whose size is a multiple of 4, read at its segment's
//             shape: one vec4 load or store per quad;
//   lanes   — any other binding: one load per lane (index clamped to the last element
//             in a partial quad, broadcast as numpy does), one guarded store per lane.
// Runtime scalars (lr, beta1...) are read from their words of the packed scalars
// buffer, one binding for all of them, bit for bit what their own buffers hold.
// The segments come from compiler/ir/update-segments.ts. Each op's WGSL expression is
// the one an unfused kernel uses, lane by lane, so each element is computed by the
// same arithmetic.
import type { Graph, Node, Value } from '../ir/types';
import { numel, sameShape } from '../ir/types';
import { updateSegments } from '../ir/update-segments';
import type { UpdateSegment } from '../ir/update-segments';
import { getOp } from '../ops/registry';
import { broadcastIndex } from './elementwise';
import type { InPlaceOutputs } from './elementwise';
import type { FusedKernel } from './fused-kernel';
import type { UpdateArena } from './update-arena';
import { bindingDecl, FLAT_WORKGROUP, flatWorkgroups, loadExpr, storageDecl, storeExpr } from './wgsl/buffers';

/** Quads each invocation updates (strided); the prologue is computed once for them all. */
export const UNITS_PER_INVOCATION = 4;
const LANES = ['x', 'y', 'z', 'w'] as const;

type Lanes = readonly [string, string, string, string];

/** `let v<id><lane> = <expr>;` for each node and lane, its operands named by `names`. */
function nodeLines(nodes: readonly Node[], names: Map<Value, Lanes>, indent: string): string[] {
  return nodes.flatMap((node) => {
    const def = getOp(node.op);
    if (!def.wgsl) throw new Error(`op '${node.op}' has no wgsl expression`);
    const operands = node.inputs.map((v) => {
      const name = names.get(v);
      if (name === undefined) throw new Error(`update kernel reads %${v.id}, which it neither loads nor computes`);
      return name;
    });
    const out = node.outputs[0];
    const types = node.inputs.map((v) => v.type);
    const lines = LANES.map((l, lane) => {
      const expr = def.wgsl!(
        operands.map((o) => o[lane]),
        node.attrs,
        types,
      );
      return `${indent}let v${out.id}${l} = ${expr};`;
    });
    names.set(out, [`v${out.id}x`, `v${out.id}y`, `v${out.id}z`, `v${out.id}w`]);
    return lines;
  });
}

/** Whether a binding holds whole vec4s: f32, more than one element, a size that is a multiple of 4. */
function vec4Binding(v: Value): boolean {
  const n = numel(v.type.shape);
  return v.type.dtype === 'f32' && n > 1 && n % 4 === 0;
}

const quadsOf = (s: UpdateSegment): number => Math.ceil(numel(s.shape) / 4);

/**
 * `inPlace` maps an output to the input it overwrites; `words` maps the index of each
 * input that is a runtime scalar to its word in the packed scalars buffer
 * (PlanScalar.word); `arena` places some in-place inputs in a view bound once. None of
 * those inputs takes a binding of its own.
 */
export function emitUpdateKernel(
  body: Graph,
  name: string,
  inPlace: InPlaceOutputs = new Map(),
  words: ReadonlyMap<number, number> = new Map(),
  arena?: UpdateArena,
): FusedKernel {
  const inputs = body.args.map((a) => a.value);
  const outputs = body.results.map((r) => r.value);
  const { prologue, segments, total } = updateSegments(body.nodes);
  const over = new Map([...inPlace].map(([j, k]) => [k, j]));
  const arenaAt = arena?.offsets ?? new Map<number, number>();
  for (const k of arenaAt.keys())
    if (!over.has(k) || inputs[k].type.dtype !== 'f32' || numel(inputs[k].type.shape) === 1)
      throw new Error(`update kernel: input ${k} cannot lie in the arena`);
  const inArena = new Set([...arenaAt.keys()].map((k) => over.get(k)!));
  const segmentOf = (v: Value): UpdateSegment | undefined => segments.find((s) => v.def && s.nodes.includes(v.def));
  const readers = (v: Value): UpdateSegment[] => segments.filter((s) => s.nodes.some((n) => n.inputs.includes(v)));
  // An input is read as vec4s only where every segment reading it reads it at its own shape.
  const vecInput = (v: Value): boolean => vec4Binding(v) && readers(v).every((s) => sameShape(s.shape, v.type.shape));

  const bound = inputs.map((_, k) => k).filter((k) => !over.has(k) && !words.has(k));
  const boundOutputs = outputs.map((_, j) => j).filter((j) => !inArena.has(j));
  const decls: string[] = [];
  bound.forEach((k, b) => {
    const v = inputs[k];
    decls.push(
      vecInput(v) ? storageDecl(b, `in${k}`, 'vec4<f32>', 'read') : bindingDecl(b, `in${k}`, v.type.dtype, 'read'),
    );
  });
  let next = bound.length;
  if (arena) decls.push(storageDecl(next++, 'arena', 'vec4<f32>', 'read_write'));
  for (const j of boundOutputs) {
    const v = outputs[j];
    decls.push(
      vec4Binding(v)
        ? storageDecl(next++, `out${j}`, 'vec4<f32>', 'read_write')
        : bindingDecl(next++, `out${j}`, v.type.dtype, 'read_write'),
    );
  }
  const usesScalars = words.size > 0;
  if (usesScalars) decls.push(bindingDecl(next, 'scalars', 'u32', 'read'));

  const names = new Map<Value, Lanes>();
  const lines: string[] = [];
  inputs.forEach((v, k) => {
    if (numel(v.type.shape) !== 1) return;
    if (over.has(k)) throw new Error(`update kernel: one-element input ${k} cannot be overwritten in place`);
    const word = words.get(k);
    const load = word === undefined ? loadExpr(`in${k}`, '0u', v.type.dtype) : `bitcast<f32>(scalars[${word}u])`;
    lines.push(`  let a${k} = ${load};`);
    names.set(v, [`a${k}`, `a${k}`, `a${k}`, `a${k}`]);
  });
  for (const node of prologue) {
    const def = getOp(node.op);
    if (!def.wgsl) throw new Error(`op '${node.op}' has no wgsl expression`);
    const args = node.inputs.map((v) => {
      const n = names.get(v);
      if (n === undefined) throw new Error(`update kernel reads %${v.id}, which it neither loads nor computes`);
      return n[0];
    });
    const out = node.outputs[0];
    const types = node.inputs.map((v) => v.type);
    lines.push(`  let v${out.id} = ${def.wgsl(args, node.attrs, types)};`);
    names.set(out, [`v${out.id}`, `v${out.id}`, `v${out.id}`, `v${out.id}`]);
  }
  const firstStores = outputs.flatMap((v, j) =>
    numel(v.type.shape) === 1 ? [`    out${j}[0] = ${storeExpr(names.get(v)![0], v.type.dtype)};`] : [],
  );
  if (firstStores.length > 0) lines.push('  if (gi == 0u) {', ...firstStores, '  }');

  let start = 0;
  const units: string[] = [];
  segments.forEach((s, index) => {
    const n = numel(s.shape);
    const full = n % 4 === 0;
    const end = start + quadsOf(s);
    units.push(
      `    ${index === 0 ? '' : 'else '}if (u < ${end}u) {`,
      `      let q = u - ${start}u;`,
      `      let e = q * 4u;`,
    );
    start = end;
    // Lane l's element: clamped to the last one in a partial quad (its result is not stored).
    const lane = (l: number): string => (full ? `(e + ${l}u)` : `min(e + ${l}u, ${n - 1}u)`);
    const local = new Map(names);
    inputs.forEach((v, k) => {
      if (numel(v.type.shape) === 1 || !s.nodes.some((node) => node.inputs.includes(v))) return;
      const j = over.get(k);
      const source = j === undefined ? `in${k}` : `out${j}`;
      const asVec = arenaAt.has(k)
        ? `arena[${arenaAt.get(k)! / 4}u + q]`
        : (j === undefined ? vecInput(v) : vec4Binding(v))
          ? `${source}[q]`
          : undefined;
      if (asVec !== undefined) {
        units.push(`      let a${k} = ${asVec};`);
        local.set(v, [`a${k}.x`, `a${k}.y`, `a${k}.z`, `a${k}.w`]);
        return;
      }
      const lanes = LANES.map((l, i) => {
        const index = j === undefined ? broadcastIndex(v.type.shape, s.shape, lane(i)) : lane(i);
        units.push(`      let a${k}${l} = ${loadExpr(source, index, v.type.dtype)};`);
        return `a${k}${l}`;
      });
      local.set(v, lanes as unknown as Lanes);
    });
    units.push(...nodeLines(s.nodes, local, '      '));
    outputs.forEach((v, j) => {
      if (segmentOf(v) !== s) return;
      const lanes = local.get(v)!;
      const k = inPlace.get(j);
      if (inArena.has(j)) {
        const at = `arena[${arenaAt.get(k!)! / 4}u + q]`;
        const value = `vec4<f32>(${lanes.join(', ')})`;
        units.push(
          full
            ? `      ${at} = ${value};`
            : `      ${at} = select(${at}, ${value}, vec4<u32>(e, e + 1u, e + 2u, e + 3u) < vec4<u32>(${n}u));`,
        );
      } else if (vec4Binding(v)) {
        units.push(`      out${j}[q] = vec4<f32>(${lanes.join(', ')});`);
      } else {
        LANES.forEach((_, i) => {
          const store = `out${j}[e + ${i}u] = ${storeExpr(lanes[i], v.type.dtype)};`;
          units.push(full || i === 0 ? `      ${store}` : `      if (e + ${i}u < ${n}u) { ${store} }`);
        });
      }
    });
    units.push('    }');
  });
  const totalUnits = start;
  const invocations = Math.max(1, Math.ceil(totalUnits / UNITS_PER_INVOCATION));
  if (units.length > 0)
    lines.push(
      `  for (var r = 0u; r < ${UNITS_PER_INVOCATION}u; r = r + 1u) {`,
      `    let u = gi + r * ${invocations}u;`,
      `    if (u >= ${totalUnits}u) { break; }`,
      ...units,
      '  }',
    );

  const main = [
    `@compute @workgroup_size(${FLAT_WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
    `  let gi = gid.x + gid.y * nwg.x * ${FLAT_WORKGROUP}u;`,
    `  if (gi >= ${invocations}u) { return; }`,
    ...lines,
    '}',
  ].join('\n');
  return {
    spec: {
      name: `${name}_${total}`,
      wgsl: `${decls.join('\n')}\n\n${main}\n`,
      workgroups: flatWorkgroups(invocations),
      ...(usesScalars ? { usesScalars } : {}),
    },
    inputs: bound,
    outputs: boundOutputs,
    ...(arena ? { view: { buffer: arena.view, outputs: [...inArena] } } : {}),
  };
}
