// The reference executor: runs a Graph (or a Program entry point) on the CPU with
// each op's float64 reference semantics. It is the oracle for the GPU backend and
// `--backend reference`. In 'f32' precision every f32 value (feeds and each op's
// outputs) is rounded to float32, as the GPU stores it.
import { DlcError } from '../../runtime/errors';
import { getRegionRule } from '../ir/regions';
import type { Graph, Node, TensorType, Value } from '../ir/types';
import { numel, sameType, typeToString } from '../ir/types';
import type { Program } from '../ir/program';
import type { RefContext, Tensor } from '../ops/registry';
import { getOp } from '../ops/registry';

export type Precision = 'f64' | 'f32';

export interface ExecuteOptions {
  readonly seed?: number;
  readonly step?: number;
  readonly precision?: Precision;
}

export interface Execution {
  /** The graph's results by name. */
  readonly results: Record<string, Tensor>;
  /** What the `assign` nodes wrote, by target name. */
  readonly assigns: Record<string, Tensor>;
}

export function tensor(type: TensorType, data: ArrayLike<number>): Tensor {
  if (data.length !== numel(type.shape)) {
    throw new Error(`tensor ${typeToString(type)} needs ${numel(type.shape)} values, got ${data.length}`);
  }
  return { type, data: Float64Array.from(data) };
}

/**
 * Runs `graph`. Each arg is taken from `feeds` by name; an arg missing from feeds
 * that has a constant initializer (zeros, ones, constant(value)) starts from it.
 */
export function execute(graph: Graph, feeds: Readonly<Record<string, Tensor>>, opts: ExecuteOptions = {}): Execution {
  const run = new Runner({ seed: opts.seed ?? 0, step: opts.step ?? 0 }, opts.precision ?? 'f64');
  const args = graph.args.map((a) => {
    const fed = feeds[a.name] ?? initialValue(a.value.type, a.init);
    if (!fed) throw new DlcError(`no value given for '${a.name}' (${a.kind} ${typeToString(a.value.type)})`, 2);
    if (!sameType(fed.type, a.value.type)) {
      throw new DlcError(`'${a.name}' must be ${typeToString(a.value.type)}, got ${typeToString(fed.type)}`, 2);
    }
    return run.round(fed);
  });
  const assigns: Record<string, Tensor> = {};
  const results = run.graph(graph, args, assigns);
  const named: Record<string, Tensor> = {};
  graph.results.forEach((r, i) => (named[r.name] = results[i]));
  return { results: named, assigns };
}

/**
 * Runs entry `entryName` of a program: persistent tensors come from `state`,
 * runtime scalars from `scalars` or their defaults, inputs from `feeds`.
 */
export function executeEntry(
  program: Program,
  entryName: string,
  feeds: Readonly<Record<string, Tensor>>,
  state: Readonly<Record<string, Tensor>>,
  opts: ExecuteOptions & { readonly scalars?: Readonly<Record<string, number>> } = {},
): Execution {
  const entry = program.entries.find((e) => e.name === entryName);
  if (!entry) throw new DlcError(`model '${program.model}' has no entry point '${entryName}'`, 2);
  const scalars: Record<string, Tensor> = {};
  for (const s of program.scalars) {
    const arg = entry.graph.args.find((a) => a.name === s.name);
    if (arg) scalars[s.name] = tensor(arg.value.type, [opts.scalars?.[s.name] ?? s.value]);
  }
  return execute(entry.graph, { ...state, ...scalars, ...feeds }, opts);
}

function initialValue(
  type: TensorType,
  init: { name: string; args: Readonly<Record<string, number>> } | undefined,
): Tensor | undefined {
  if (!init) return undefined;
  const fill =
    init.name === 'zeros' ? 0 : init.name === 'ones' ? 1 : init.name === 'constant' ? init.args.value : undefined;
  if (fill === undefined) return undefined;
  return { type, data: new Float64Array(numel(type.shape)).fill(fill) };
}

class Runner {
  constructor(
    private readonly ctx: RefContext,
    private readonly precision: Precision,
  ) {}

  round(t: Tensor): Tensor {
    if (this.precision === 'f64' || t.type.dtype !== 'f32') return t;
    return { type: t.type, data: t.data.map(Math.fround) };
  }

  graph(graph: Graph, args: readonly Tensor[], assigns: Record<string, Tensor> | null): Tensor[] {
    const env = new Map<Value, Tensor>();
    graph.args.forEach((a, i) => env.set(a.value, args[i]));
    const get = (v: Value): Tensor => {
      const t = env.get(v);
      if (!t) throw new Error(`graph '${graph.name}': value %${v.id} is used before it is defined`);
      return t;
    };
    for (const node of graph.nodes) {
      const inputs = node.inputs.map(get);
      const outputs = this.node(node, inputs, assigns);
      node.outputs.forEach((o, i) => env.set(o, outputs[i]));
    }
    return graph.results.map((r) => get(r.value));
  }

  private node(node: Node, inputs: Tensor[], assigns: Record<string, Tensor> | null): Tensor[] {
    const def = getOp(node.op);
    if (def.kind === 'effect') {
      if (!assigns) throw new Error(`'${node.op}' inside a loop body: effects belong at the end of an entry point`);
      assigns[node.attrs.target as string] = inputs[0];
    }
    const outputs = node.regions
      ? getRegionRule(node.op).reference(
          inputs,
          node.attrs,
          node.regions,
          (body, args) => this.graph(body, args, null),
          this.ctx,
        )
      : def.reference(inputs, node.attrs, this.ctx);
    if (outputs.length !== node.outputs.length) {
      throw new Error(`reference of '${node.op}' returned ${outputs.length} outputs, expected ${node.outputs.length}`);
    }
    return outputs.map((t, i) => {
      const want = node.outputs[i].type;
      if (!sameType(t.type, want) || t.data.length !== numel(want.shape)) {
        throw new Error(
          `reference of '${node.op}' returned ${typeToString(t.type)} for output ${i}, expected ${typeToString(want)}`,
        );
      }
      return this.round(t);
    });
  }
}
