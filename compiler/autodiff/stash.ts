// Before the backward pass, each forward loop that gradients flow through is made
// to also emit the carries each of its steps started from, stacked: the values its
// backward loop reads (BPTT stores them rather than recomputing the forward loop).
//   scan [stash=0]  → the same scan, its body also returning its carry args [stash=k]
//   repeat [count=K] → scan [length=K, stash=k] whose body ignores t
// The rewritten node keeps the old output values, so their uses are untouched. The
// rules are looked up by op name in a table, like gradient rules.
import type { GraphBuilder } from '../ir/builder';
import { inlineGraph } from '../ir/inline';
import type { Graph, Node, TensorType, Value } from '../ir/types';
import { isDifferentiable } from './backprop';

const I32_SCALAR: TensorType = { dtype: 'i32', shape: [] };

type StashRule = (b: GraphBuilder, node: Node) => void;

function withCarryEmits(body: Graph, k: number): Graph {
  const carryArgs = body.args.slice(1, 1 + k);
  return { ...body, results: [...body.results, ...carryArgs.map((a, i) => ({ name: `stash${i}`, value: a.value }))] };
}

const STASH_RULES: Readonly<Record<string, StashRule>> = {
  scan(b, node) {
    const k = node.attrs.carries as number;
    if (k === 0 || (node.attrs.stash as number) > 0) return;
    b.replaceWithMoreOutputs(node, 'scan', { ...node.attrs, stash: k }, [withCarryEmits(node.regions![0], k)]);
  },
  repeat(b, node) {
    const k = node.attrs.carries as number;
    if (k === 0) return;
    const body = node.regions![0];
    const rb = b.region(body.name);
    // The step index is unused: a repeat body does not see it.
    rb.arg('region', 'step', I32_SCALAR);
    const args = body.args.map((a) => rb.arg('region', a.name === 'step' ? 'step.arg' : a.name, a.value.type));
    const inl = inlineGraph(rb, body, args);
    const withStep = rb.finish([
      ...inl.results.map((value, i) => ({ name: body.results[i].name, value })),
      ...args.slice(0, k).map((value, i) => ({ name: `stash${i}`, value })),
    ]);
    b.replaceWithMoreOutputs(node, 'scan', { length: node.attrs.count, carries: k, reverse: false, stash: k }, [withStep]);
  },
};

/** Rewrites the loops among `nodes` that read a value depending on `wrt`. */
export function stashLoops(b: GraphBuilder, nodes: readonly Node[], wrt: readonly Value[]): void {
  const active = new Set<Value>(wrt.filter(isDifferentiable));
  for (const n of nodes) {
    if (!n.inputs.some((v) => active.has(v))) continue;
    for (const o of n.outputs) if (isDifferentiable(o)) active.add(o);
    const rule = n.regions ? STASH_RULES[n.op] : undefined;
    if (rule) rule(b, n);
  }
}
