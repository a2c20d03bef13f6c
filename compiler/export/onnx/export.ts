// The ONNX exporter: one infer entry of a lowered program (the forward graph after
// lowering, before any optimizing pass or fusion) → an ONNX ModelProto.
//   1. every graph input becomes an ONNX input (batch axis symbolic when a twin
//      lowering at twice the batch is given, see batch.ts);
//   2. every node a result depends on goes through its rule in ops.ts, in graph
//      order (already topological); refused ops become diagnostics at their .dl span, and the
//      walk goes on so one run reports them all;
//   3. only then every param and state becomes an initializer holding its saved
//      value, so a refused model is reported before any weights are read;
//   4. each named result is an Identity into a graph output of its name.
import type { onnx } from 'onnx-proto';
import { makeDiagnostic } from '../../../dsl/diagnostics';
import { DlcError } from '../../../runtime/errors';
import type { Diagnostic } from '../../../dsl/diagnostics';
import type { SavedTensor } from '../../../runtime/checkpoint/safetensors';
import type { Entry, Program } from '../../ir/program';
import type { DType, Graph, Node, Span, Value } from '../../ir/types';
import { classifyDims, dimParam } from './batch';
import type { BatchDim } from './batch';
import { NOT_EXPORTED, ONNX_OPS } from './ops';
import type { EmitContext } from './ops';
import { encodeModel, int64Tensor, IR_VERSION, nodeProto, OPSET, tensorProto, valueInfo } from './proto';
import type { OnnxAttr, OnnxDim } from './proto';

export interface ExportRequest {
  readonly program: Program;
  readonly entry: Entry;
  /** The same entry lowered at twice the batch; absent: every shape fixed as lowered. */
  readonly twin?: { readonly entry: Entry; readonly batch: number };
  /** The value of a param or state tensor (from the checkpoint). */
  readonly tensor: (name: string) => SavedTensor;
  readonly producerVersion: string;
}

export type ExportResult = { readonly bytes: Uint8Array } | { readonly diagnostics: readonly Diagnostic[] };

class Refused extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** The nodes some result depends on: the lowering can leave dead constants (`x ** 2` becomes `square x`). */
export function liveNodes(graph: Graph): Set<Node> {
  const live = new Set<Node>();
  const stack = graph.results.map((r) => r.value);
  for (let v = stack.pop(); v; v = stack.pop()) {
    if (!v.def || live.has(v.def)) continue;
    live.add(v.def);
    stack.push(...v.def.inputs);
  }
  return live;
}

/** Pairs each value of a graph with the same value in its twin (same ops in the same order, lowered at 2× batch). */
function twinValues(a: Graph, b: Graph): Map<number, Value> | null {
  if (a.args.length !== b.args.length || a.nodes.length !== b.nodes.length) return null;
  const map = new Map<number, Value>();
  a.args.forEach((arg, i) => map.set(arg.value.id, b.args[i]!.value));
  for (let i = 0; i < a.nodes.length; i++) {
    const [na, nb] = [a.nodes[i]!, b.nodes[i]!];
    if (na.op !== nb.op || na.outputs.length !== nb.outputs.length) return null;
    na.outputs.forEach((v, k) => map.set(v.id, nb.outputs[k]!));
  }
  return map;
}

export function exportOnnx(req: ExportRequest): ExportResult {
  const graph = req.entry.graph;
  const fallbackSpan: Span = req.entry.span ?? { file: '<model>', line: 1, col: 1, endLine: 1, endCol: 1 };
  const spanOf = (node?: Node): Span => node?.span ?? fallbackSpan;
  const twinMap = req.twin ? twinValues(graph, req.twin.entry.graph) : undefined;
  if (twinMap === null) {
    throw new DlcError(
      `${req.program.model}.${req.entry.name} lowers to a different graph at twice the batch, ` +
        'so its batch axis cannot be made dynamic; export with --fixed-batch',
      2,
    );
  }
  const twinNodes = new Map<Node, Node>();
  if (req.twin) graph.nodes.forEach((n, i) => twinNodes.set(n, req.twin!.entry.graph.nodes[i]!));
  const batch = req.twin?.batch ?? 0;

  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const inputs: onnx.IValueInfoProto[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  const diagnostics: Diagnostic[] = [];
  const names = new Map<number, string>();
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;

  const batchError = (what: string, first: readonly number[], second: readonly number[], node?: Node): never => {
    const args = { what, first: `[${first.join(',')}]`, second: `[${second.join(',')}]`, b1: batch, b2: 2 * batch };
    throw new Refused(makeDiagnostic('export-batch-shape', spanOf(node), args));
  };

  /** The value's dims for a value_info: numbers, with "N" where it follows the batch. */
  function dimsOf(v: Value, what: string, node?: Node): OnnxDim[] {
    const twin = twinMap?.get(v.id);
    if (!twin) return [...v.type.shape];
    const dims = classifyDims(v.type.shape, twin.type.shape, batch);
    if (!dims) return batchError(what, v.type.shape, twin.type.shape, node);
    return dims.map((d) => ('fixed' in d ? d.fixed : dimParam(d.perBatch)));
  }

  // N, the batch fed at run time, as a 1-D INT64 of one element: read off the first
  // input with a batch-sized axis (Shape, then Gather), divided by k for a k·N axis.
  let batchTensor: string | undefined;
  function batchSize(node: Node): string {
    if (batchTensor) return batchTensor;
    for (const arg of graph.args) {
      if (arg.kind !== 'input') continue;
      const dims = dimsOf(arg.value, `input '${arg.name}'`);
      const axis = dims.findIndex((d) => typeof d === 'string');
      if (axis < 0) continue;
      const k = classifyDims(arg.value.type.shape, twinMap!.get(arg.value.id)!.type.shape, batch)![axis] as {
        perBatch: number;
      };
      const shape = ctx.add('Shape', [arg.name])[0]!;
      const n = ctx.add('Gather', [shape, ctx.ints([axis])], { axis: 0 })[0]!;
      batchTensor = k.perBatch === 1 ? n : ctx.add('Div', [n, ctx.ints([k.perBatch])])[0]!;
      return batchTensor;
    }
    return ctx.refuse(node, 'its shape follows the batch, but no input has a batch axis to read it from');
  }

  const ctx: EmitContext = {
    add(opType, ins, attrs: Readonly<Record<string, OnnxAttr>> = {}, count = 1) {
      const outs = Array.from({ length: count }, () => fresh('t'));
      nodes.push(nodeProto(opType, ins, outs, attrs));
      return outs;
    },
    ints(values) {
      const name = fresh('c');
      initializers.push(int64Tensor(name, values));
      return name;
    },
    scalar(value, dtype: DType) {
      const name = fresh('c');
      initializers.push(tensorProto(name, dtype, [], [value]));
      return name;
    },
    literal(node) {
      const twin = twinNodes.get(node);
      if (twin && JSON.stringify(twin.attrs) !== JSON.stringify(node.attrs)) {
        return batchError('this tensor literal', node.attrs.shape as number[], twin.attrs.shape as number[], node);
      }
      const name = fresh('c');
      const { data, dtype, shape } = node.attrs as { data: number[]; dtype: DType; shape: number[] };
      initializers.push(tensorProto(name, dtype, shape, data));
      return name;
    },
    shapeAttr(node, attr) {
      const a = node.attrs[attr] as readonly number[];
      const twin = twinNodes.get(node);
      if (!twin) return ctx.ints(a);
      const b = twin.attrs[attr] as readonly number[];
      const dims = classifyDims(a, b, batch);
      if (!dims) return batchError(`this '${node.op}'`, a, b, node);
      if (dims.every((d) => 'fixed' in d)) return ctx.ints(a);
      // Runs of fixed dims as constants, batch-sized dims as k·N, joined by Concat.
      const parts = dims.map((d: BatchDim) =>
        'fixed' in d
          ? ctx.ints([d.fixed])
          : d.perBatch === 1
            ? batchSize(node)
            : ctx.add('Mul', [batchSize(node), ctx.ints([d.perBatch])])[0]!,
      );
      return ctx.add('Concat', parts, { axis: 0 })[0]!;
    },
    refuse(node, reason) {
      throw new Refused(makeDiagnostic('export-unsupported-attrs', spanOf(node), { op: node.op, reason }));
    },
  };

  // Inputs first; the weights are read only once every op is known to export.
  try {
    for (const arg of graph.args) {
      names.set(arg.value.id, arg.name);
      if (arg.kind === 'input')
        inputs.push(valueInfo(arg.name, arg.value.type.dtype, dimsOf(arg.value, `input '${arg.name}'`)));
    }
  } catch (e) {
    if (e instanceof Refused) return { diagnostics: [e.diagnostic] };
    throw e;
  }

  const live = liveNodes(graph);
  for (const node of graph.nodes) {
    if (!live.has(node)) continue;
    try {
      const rule = ONNX_OPS[node.op];
      if (!rule) {
        const reason = NOT_EXPORTED[node.op] ?? 'has no ONNX mapping';
        throw new Refused(makeDiagnostic('export-unsupported-op', spanOf(node), { op: node.op, reason }));
      }
      for (const v of node.outputs) dimsOf(v, `this '${node.op}'`, node);
      const outs = rule(
        ctx,
        node,
        node.inputs.map((v) => names.get(v.id) ?? '?'),
      );
      node.outputs.forEach((v, k) => names.set(v.id, outs[k]!));
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      diagnostics.push(e.diagnostic);
    }
  }
  if (diagnostics.length > 0) return { diagnostics };

  for (const arg of graph.args) {
    const t = arg.value.type;
    if (arg.kind === 'param' || arg.kind === 'state')
      initializers.push(tensorProto(arg.name, t.dtype, t.shape, req.tensor(arg.name).data));
    else if (arg.kind === 'scalar') {
      // A runtime scalar (a learning rate, a temperature) is fixed at its default.
      const s = req.program.scalars.find((x) => x.name === arg.name);
      initializers.push(tensorProto(arg.name, t.dtype, t.shape, [s?.value ?? 0]));
    } else if (arg.kind !== 'input') throw new Error(`an infer entry has a ${arg.kind} argument '${arg.name}'`);
  }

  for (const r of graph.results) {
    nodes.push(nodeProto('Identity', [names.get(r.value.id)!], [r.name]));
    outputs.push(valueInfo(r.name, r.value.type.dtype, dimsOf(r.value, `result '${r.name}'`)));
  }
  const where = req.entry.span ? ` (${req.entry.span.file}:${req.entry.span.line})` : '';
  const bytes = encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'dlc',
    producerVersion: req.producerVersion,
    docString: `${req.program.model}.${req.entry.name}${where}, exported by dlc`,
    graph: {
      name: `${req.program.model}_${req.entry.name}`,
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: outputs,
    },
  });
  return { bytes };
}
