// A `fused [pattern="update"]` body (compiler/passes/fuse-updates.ts) as one flat
// kernel over the elements of every tensor it updates, one after another:
//   gi in [0, total):  prologue  — one-element inputs and nodes, in every invocation;
//                                  one-element outputs stored by invocation 0 alone;
//                      segment s — gi in [start_s, start_s + numel_s): its nodes at
//                                  element i = gi - start_s, its inputs read with
//                                  broadcasting, its outputs stored at i.
// Inputs that are runtime scalars (lr, beta1...) are read from their words of the packed
// scalars buffer, one binding for all of them, bit for bit what their own buffers hold.
// The segments come from compiler/ir/update-segments.ts. Each op's WGSL expression is
// the one an unfused kernel uses, so each element is computed by the same arithmetic.
import type { Graph, Node, Value } from '../ir/types';
import { numel } from '../ir/types';
import { updateSegments } from '../ir/update-segments';
import { getOp } from '../ops/registry';
import { broadcastIndex } from './elementwise';
import type { InPlaceOutputs } from './elementwise';
import type { FusedKernel } from './fused-kernel';
import { bindingDecl, FLAT_WORKGROUP, flatWorkgroups, loadExpr, storeExpr } from './wgsl/buffers';

/** `let v<id> = <expr>;` for each node, its operands named by `names`. */
function nodeLines(nodes: readonly Node[], names: Map<Value, string>, indent: string): string[] {
  return nodes.map((node) => {
    const def = getOp(node.op);
    if (!def.wgsl) throw new Error(`op '${node.op}' has no wgsl expression`);
    const args = node.inputs.map((v) => {
      const name = names.get(v);
      if (name === undefined) throw new Error(`update kernel reads %${v.id}, which it neither loads nor computes`);
      return name;
    });
    const out = node.outputs[0];
    names.set(out, `v${out.id}`);
    const expr = def.wgsl(
      args,
      node.attrs,
      node.inputs.map((v) => v.type),
    );
    return `${indent}let v${out.id} = ${expr};`;
  });
}

/**
 * `words` maps the index of each input that is a runtime scalar to its word in the
 * packed scalars buffer (PlanScalar.word); such inputs take no binding of their own.
 */
export function emitUpdateKernel(
  body: Graph,
  name: string,
  inPlace: InPlaceOutputs = new Map(),
  words: ReadonlyMap<number, number> = new Map(),
): FusedKernel {
  const inputs = body.args.map((a) => a.value);
  const outputs = body.results.map((r) => r.value);
  const { prologue, segments, total } = updateSegments(body.nodes);
  const over = new Map([...inPlace].map(([j, k]) => [k, j]));
  const bound = inputs.map((_, k) => k).filter((k) => !over.has(k) && !words.has(k));
  const decls = bound.map((k, b) => bindingDecl(b, `in${k}`, inputs[k].type.dtype, 'read'));
  outputs.forEach((v, j) => decls.push(bindingDecl(bound.length + j, `out${j}`, v.type.dtype, 'read_write')));
  const usesScalars = words.size > 0;
  if (usesScalars) decls.push(bindingDecl(bound.length + outputs.length, 'scalars', 'u32', 'read'));

  const names = new Map<Value, string>();
  const lines: string[] = [];
  inputs.forEach((v, k) => {
    if (numel(v.type.shape) !== 1) return;
    if (over.has(k)) throw new Error(`update kernel: one-element input ${k} cannot be overwritten in place`);
    names.set(v, `a${k}`);
    const word = words.get(k);
    const load = word === undefined ? loadExpr(`in${k}`, '0u', v.type.dtype) : `bitcast<f32>(scalars[${word}u])`;
    lines.push(`  let a${k} = ${load};`);
  });
  lines.push(...nodeLines(prologue, names, '  '));
  const firstStores = outputs.flatMap((v, j) =>
    numel(v.type.shape) === 1 ? [`    out${j}[0] = ${storeExpr(names.get(v)!, v.type.dtype)};`] : [],
  );
  if (firstStores.length > 0) lines.push('  if (gi == 0u) {', ...firstStores, '  }');

  segments.forEach((s, index) => {
    const end = s.start + numel(s.shape);
    lines.push(`  ${index === 0 ? '' : 'else '}if (gi < ${end}u) {`, `    let i = gi - ${s.start}u;`);
    const local = new Map(names);
    const own = new Set(s.nodes);
    inputs.forEach((v, k) => {
      if (numel(v.type.shape) === 1 || !s.nodes.some((n) => n.inputs.includes(v))) return;
      local.set(v, `a${k}`);
      const source = over.has(k) ? `out${over.get(k)}` : `in${k}`;
      const index = over.has(k) ? 'i' : broadcastIndex(v.type.shape, s.shape);
      lines.push(`    let a${k} = ${loadExpr(source, index, v.type.dtype)};`);
    });
    lines.push(...nodeLines(s.nodes, local, '    '));
    outputs.forEach((v, j) => {
      if (v.def && own.has(v.def)) lines.push(`    out${j}[i] = ${storeExpr(local.get(v)!, v.type.dtype)};`);
    });
    lines.push('  }');
  });

  const main = [
    `@compute @workgroup_size(${FLAT_WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {',
    `  let gi = gid.x + gid.y * nwg.x * ${FLAT_WORKGROUP}u;`,
    `  if (gi >= ${Math.max(total, 1)}u) { return; }`,
    ...lines,
    '}',
  ].join('\n');
  return {
    spec: {
      name: `${name}_${total}`,
      wgsl: `${decls.join('\n')}\n\n${main}\n`,
      workgroups: flatWorkgroups(total),
      ...(usesScalars ? { usesScalars } : {}),
    },
    inputs: bound,
    outputs: outputs.map((_, j) => j),
  };
}
