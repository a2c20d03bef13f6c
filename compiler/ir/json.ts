// JSON form of the IR: plain data with values referred to by number, for tools
// (`dlc ir --format json`). graphFromJson reads it back.
import type { Span } from '../../runtime/errors';
import type { Program } from './program';
import type { Arg, ArgKind, Attrs, Graph, Initializer, Node, TensorType, Value } from './types';

export interface GraphJson {
  name: string;
  args: { kind: ArgKind; name: string; id: number; type: TensorType; init?: Initializer }[];
  nodes: NodeJson[];
  results: { name: string; id: number }[];
}

export interface NodeJson {
  id: number;
  op: string;
  inputs: number[];
  outputs: { id: number; type: TensorType; name?: string }[];
  attrs: Attrs;
  span?: Span;
  regions?: GraphJson[];
}

export function graphToJson(graph: Graph): GraphJson {
  return {
    name: graph.name,
    args: graph.args.map((a) => ({
      kind: a.kind,
      name: a.name,
      id: a.value.id,
      type: copyType(a.value.type),
      ...(a.init ? { init: a.init } : {}),
    })),
    nodes: graph.nodes.map(nodeToJson),
    results: graph.results.map((r) => ({ name: r.name, id: r.value.id })),
  };
}

function nodeToJson(n: Node): NodeJson {
  const out: NodeJson = {
    id: n.id,
    op: n.op,
    inputs: n.inputs.map((v) => v.id),
    outputs: n.outputs.map((o) => ({
      id: o.id,
      type: copyType(o.type),
      ...(o.name !== undefined ? { name: o.name } : {}),
    })),
    attrs: sortAttrs(n.attrs),
  };
  if (n.span) out.span = n.span;
  if (n.regions) out.regions = n.regions.map(graphToJson);
  return out;
}

export function programToJson(program: Program): unknown {
  return {
    model: program.model,
    hyper: program.hyper,
    persistent: program.persistent,
    scalars: program.scalars,
    entries: program.entries.map((e) => ({ name: e.name, kind: e.kind, span: e.span, graph: graphToJson(e.graph) })),
  };
}

type MutableNode = { -readonly [K in keyof Node]: Node[K] };

export function graphFromJson(json: GraphJson): Graph {
  const scope = new Map<number, Value>();
  const get = (id: number): Value => {
    const v = scope.get(id);
    if (!v) throw new Error(`graph '${json.name}': value ${id} is not defined`);
    return v;
  };
  const args: Arg[] = json.args.map((a) => {
    const value: Value = { id: a.id, type: a.type, def: null, name: a.name };
    scope.set(a.id, value);
    return a.init ? { kind: a.kind, name: a.name, value, init: a.init } : { kind: a.kind, name: a.name, value };
  });
  const nodes: Node[] = json.nodes.map((nj) => {
    const node: MutableNode = { id: nj.id, op: nj.op, inputs: nj.inputs.map(get), outputs: [], attrs: nj.attrs };
    if (nj.span) node.span = nj.span;
    if (nj.regions) node.regions = nj.regions.map(graphFromJson);
    node.outputs = nj.outputs.map((o) => {
      const v: Value =
        o.name !== undefined
          ? { id: o.id, type: o.type, def: node, name: o.name }
          : { id: o.id, type: o.type, def: node };
      scope.set(o.id, v);
      return v;
    });
    return node;
  });
  return { name: json.name, args, nodes, results: json.results.map((r) => ({ name: r.name, value: get(r.id) })) };
}

function copyType(t: TensorType): TensorType {
  return { dtype: t.dtype, shape: [...t.shape] };
}

function sortAttrs(attrs: Attrs): Attrs {
  const out: Record<string, Attrs[string]> = {};
  for (const k of Object.keys(attrs).sort()) out[k] = attrs[k];
  return out;
}
