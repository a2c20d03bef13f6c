// When the backward pass reaches a forward loop that gradients flow out of, the loop
// is first made to also emit the carries each of its steps started from, stacked:
// the values its backward loop reads (BPTT stores them rather than recomputing the
// forward loop). Loops no gradient reaches (behind stop_gradient) stay as they are.
//   scan [stash=0]  → the same scan, its body also returning its carry args [stash=k]
//   repeat [count=K] → scan [length=K, stash=k] whose body ignores t
// The rewritten node keeps the old output values, so their uses are untouched. The
// rules are looked up by op name in a table, like gradient rules.
import type { GraphBuilder } from '../ir/builder';
import { inlineGraph } from '../ir/inline';
import type { Graph, Node, TensorType } from '../ir/types';

const I32_SCALAR: TensorType = { dtype: 'i32', shape: [] };

type StashRule = (b: GraphBuilder, node: Node) => Node;

function withCarryEmits(body: Graph, k: number): Graph {
  const carryArgs = body.args.slice(1, 1 + k);
  return { ...body, results: [...body.results, ...carryArgs.map((a, i) => ({ name: `stash${i}`, value: a.value }))] };
}

const STASH_RULES: Readonly<Record<string, StashRule>> = {
  scan(b, node) {
    const k = node.attrs.carries as number;
    if (k === 0 || (node.attrs.stash as number) > 0) return node;
    return b.replaceWithMoreOutputs(node, 'scan', { ...node.attrs, stash: k }, [withCarryEmits(node.regions![0], k)]);
  },
  repeat(b, node) {
    const k = node.attrs.carries as number;
    if (k === 0) return node;
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
    return b.replaceWithMoreOutputs(node, 'scan', { length: node.attrs.count, carries: k, reverse: false, stash: k }, [
      withStep,
    ]);
  },
};

/** The node to differentiate in place of `node`: a stashing loop where a rule says how. */
export function stashLoop(b: GraphBuilder, node: Node): Node {
  const rule = node.regions ? STASH_RULES[node.op] : undefined;
  return rule ? rule(b, node) : node;
}
