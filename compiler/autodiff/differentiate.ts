// The entry points of autodiff. `gradients` appends the backward pass to a graph
// being built (what the lowering of `minimize` uses, before the optimizer update);
// `differentiate` does the same to a finished graph. The backward pass is ordinary
// IR, so its result can be differentiated again (Hessian-vector products).
import { GraphBuilder } from '../ir/builder';
import type { Graph, Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { graphFromJson, graphToJson } from '../ir/json';
import { backprop, isDifferentiable } from './backprop';

/** d(sum of loss)/d(each of wrt), appended to `b`; zeros where loss does not depend on it. */
export function gradients(b: GraphBuilder, loss: Value, wrt: readonly Value[]): Value[] {
  return reachingGradients(b, loss, wrt).map((g, i) => g ?? b.constant(0, wrt[i].type));
}

/**
 * Like `gradients`, but null where the gradient is structurally zero: no path
 * from that value to the loss except through stop_gradient (or none at all). The
 * optimizer leaves such params alone.
 */
export function reachingGradients(b: GraphBuilder, loss: Value, wrt: readonly Value[]): (Value | null)[] {
  if (!isDifferentiable(loss)) throw new Error(`cannot differentiate a ${typeToString(loss.type)} loss`);
  for (const w of wrt) {
    if (!isDifferentiable(w)) throw new Error(`cannot differentiate with respect to a ${typeToString(w.type)} value`);
  }
  const seed = b.withSpan(loss.def?.span, () => b.constant(1, loss.type));
  return backprop(b, [...b.nodeList], new Map([[loss, seed]]), wrt);
}

export interface Differentiated {
  readonly graph: Graph;
  /** Gradient value per name in `wrt`, also added to the graph's results as `grad.NAME`. */
  readonly grads: Readonly<Record<string, Value>>;
}

/**
 * Differentiates result `loss` of `graph` with respect to the named args (default:
 * every param). The new graph keeps the old results and adds `grad.NAME` ones.
 */
export function differentiate(graph: Graph, loss: string, wrt?: readonly string[]): Differentiated {
  // A private copy: stashing rewrites loop nodes, and the caller's graph stays as it was.
  const copy = graphFromJson(graphToJson(graph));
  const result = copy.results.find((r) => r.name === loss);
  if (!result) throw new Error(`graph '${graph.name}' has no result '${loss}'`);
  const names = wrt ?? copy.args.filter((a) => a.kind === 'param').map((a) => a.name);
  const b = GraphBuilder.extend(copy);
  const values = names.map((n) => {
    const arg = b.findArg(n);
    if (!arg) throw new Error(`graph '${graph.name}' has no argument '${n}'`);
    return arg.value;
  });
  const grads = gradients(b, result.value, values);
  const byName: Record<string, Value> = {};
  names.forEach((n, i) => (byName[n] = grads[i]));
  const out = b.finish([...copy.results, ...names.map((n, i) => ({ name: `grad.${n}`, value: grads[i] }))]);
  return { graph: out, grads: byName };
}
