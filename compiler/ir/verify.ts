// The IR verifier, run after every pass in tests. For each graph scope (an entry
// graph, each region body; bodies are closed and see only their own args):
//  1. args have unique names, region bodies have only 'region' args, entry graphs none;
//  2. SSA: every value is defined once, before its uses, in this scope;
//  3. every node names a registered op with the right arity and valid attributes,
//     and re-running its shape rule (or region rule) gives its output types;
//  4. region bodies are attached exactly to region ops and are verified in turn;
//  5. effects (assign) sit only in entry graphs and write a persistent tensor.
import { normalizeAttrs } from './attrs';
import { getRegionRule, hasRegionRule } from './regions';
import type { Graph, Node, TensorType } from './types';
import { sameType, typeToString } from './types';
import { getOp, hasOp } from '../ops/registry';

export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}

export interface VerifyOptions {
  /** Names assign may target besides the graph's param/state/slot args (a program's persistent tensors). */
  readonly persistent?: readonly string[];
}

export function verifyGraph(graph: Graph, opts: VerifyOptions = {}): void {
  const targets = new Set([
    ...(opts.persistent ?? []),
    ...graph.args.filter((a) => a.kind === 'param' || a.kind === 'state' || a.kind === 'slot').map((a) => a.name),
  ]);
  verifyScope(graph, graph.name, false, targets);
}

function verifyScope(graph: Graph, path: string, isRegion: boolean, targets: ReadonlySet<string>): void {
  const fail = (msg: string): never => {
    throw new VerifyError(`verify '${path}': ${msg}`);
  };
  const defined = new Set<number>();
  const define = (id: number, what: string): void => {
    if (defined.has(id)) fail(`%${id} is defined twice (${what})`);
    defined.add(id);
  };
  const names = new Set<string>();
  for (const a of graph.args) {
    if (names.has(a.name)) fail(`two args are named '${a.name}'`);
    names.add(a.name);
    if (isRegion !== (a.kind === 'region'))
      fail(`arg '${a.name}' has kind '${a.kind}' in ${isRegion ? 'a region body' : 'an entry graph'}`);
    if (a.value.def !== null) fail(`arg '${a.name}' has a defining node`);
    define(a.value.id, `arg '${a.name}'`);
  }
  const nodeIds = new Set<number>();
  for (const n of graph.nodes) {
    const at = `node ${n.id} (${n.op})`;
    if (nodeIds.has(n.id)) fail(`${at}: node id ${n.id} is used twice`);
    nodeIds.add(n.id);
    n.inputs.forEach((v, i) => {
      if (!defined.has(v.id)) fail(`${at}: input ${i} %${v.id} is not defined before this node`);
    });
    n.outputs.forEach((o) => {
      if (o.def !== n) fail(`${at}: output %${o.id} does not point back to its node`);
      define(o.id, at);
    });
    verifyNode(n, at, fail);
    const def = getOp(n.op);
    if (def.kind === 'effect') {
      if (isRegion) fail(`${at}: effects are not allowed in a region body`);
      const target = n.attrs.target;
      if (typeof target !== 'string' || !targets.has(target))
        fail(`${at}: assigns to '${String(target)}', which is not a persistent tensor`);
    }
    (n.regions ?? []).forEach((r, i) => verifyScope(r, `${path}/${n.op}%${n.id}.${i}`, true, targets));
  }
  const resultNames = new Set<string>();
  for (const r of graph.results) {
    if (!defined.has(r.value.id)) fail(`result '${r.name}' (%${r.value.id}) is not defined`);
    if (!isRegion && resultNames.has(r.name)) fail(`two results are named '${r.name}'`);
    resultNames.add(r.name);
  }
}

function verifyNode(n: Node, at: string, fail: (msg: string) => never): void {
  if (!hasOp(n.op)) fail(`${at}: unknown op`);
  const def = getOp(n.op);
  const [min, max] = typeof def.arity === 'number' ? [def.arity, def.arity] : def.arity;
  if (n.inputs.length < min || n.inputs.length > max)
    fail(`${at}: ${n.inputs.length} inputs, the op takes ${min}..${max}`);
  try {
    normalizeAttrs(def, n.attrs);
  } catch (e) {
    fail(`${at}: ${(e as Error).message}`);
  }
  if (n.regions && !hasRegionRule(n.op)) fail(`${at}: has region bodies but the op takes none`);
  if (!n.regions && hasRegionRule(n.op)) fail(`${at}: is a region op without a body`);
  let types: TensorType[] = [];
  try {
    const inputs = n.inputs.map((v) => v.type);
    types = n.regions ? getRegionRule(n.op).infer(inputs, n.attrs, n.regions) : def.infer(inputs, n.attrs);
  } catch (e) {
    fail(`${at}: shape rule fails: ${(e as Error).message}`);
  }
  if (types.length !== n.outputs.length)
    fail(`${at}: ${n.outputs.length} outputs, the shape rule gives ${types.length}`);
  n.outputs.forEach((o, i) => {
    if (!sameType(o.type, types[i]))
      fail(`${at}: output %${o.id} is ${typeToString(o.type)}, the shape rule gives ${typeToString(types[i])}`);
  });
}
