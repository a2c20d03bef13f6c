// Reverse-mode accumulation over a list of nodes. Algorithm:
//  1. Mark the float values that depend on `wrt` (the active set), walking forward.
//  2. Start from the seed gradients; walk the nodes backwards. A node with a gradient
//     on some output and an active input asks its op's `grad` rule (a table lookup in
//     the registry) for its input gradients, built as ordinary IR in the builder.
//  3. Where a value is used several times its gradients are summed (`add`).
//  4. An op without a gradient rule is an error only when a gradient must actually
//     flow through it to `wrt`: such nodes are passed over, then probed one by one by
//     seeding their active inputs in a scratch builder (a stop_gradient further up
//     makes the probe come back empty, so no error).
// Integer and bool values are never active, so they get no gradient.
import { DlcError, formatSpan } from '../../runtime/errors';
import { GraphBuilder } from '../ir/builder';
import { addOp } from '../ir/prims';
import type { Node, Value } from '../ir/types';
import { sameType, typeToString } from '../ir/types';
import { getOp } from '../ops/registry';
import { stashLoop } from './stash';

export const isDifferentiable = (v: Value): boolean => v.type.dtype === 'f32';

export interface BackpropOptions {
  /**
   * Make forward loops store the per-step values their backward loops need (see
   * stash.ts; default true). Needs the nodes to be in `b`. False: backward loops
   * re-run the forward loop instead.
   */
  readonly stash?: boolean;
}

export function backprop(
  b: GraphBuilder,
  nodes: readonly Node[],
  seeds: ReadonlyMap<Value, Value>,
  wrt: readonly Value[],
  opts: BackpropOptions = {},
): (Value | null)[] {
  const blocked: number[] = [];
  const grads = accumulateBackwards(b, nodes, seeds, wrt, blocked, opts.stash ?? true);
  for (const k of blocked) {
    const n = nodes[k];
    const probe = new GraphBuilder('probe');
    const probeSeeds = new Map(n.inputs.filter(isDifferentiable).map((v) => [v, probe.constant(0, v.type)] as const));
    const reached = accumulateBackwards(probe, nodes.slice(0, k), probeSeeds, wrt, [], false);
    if (reached.some((g) => g !== null)) {
      const at = n.span ? `${formatSpan(n.span)}: ` : '';
      throw new DlcError(
        `${at}cannot differentiate through '${n.op}': it has no gradient (use stop_gradient on its input if none should flow)`,
        1,
        n.span,
      );
    }
  }
  return grads;
}

function accumulateBackwards(
  b: GraphBuilder,
  nodes: readonly Node[],
  seeds: ReadonlyMap<Value, Value>,
  wrt: readonly Value[],
  blocked: number[],
  stash: boolean,
): (Value | null)[] {
  const active = new Set<Value>(wrt.filter(isDifferentiable));
  for (const n of nodes) {
    if (n.inputs.some((v) => active.has(v))) for (const o of n.outputs) if (isDifferentiable(o)) active.add(o);
  }
  const grads = new Map<Value, Value>();
  const accumulate = (v: Value, g: Value): void => {
    const prev = grads.get(v);
    grads.set(v, prev ? b.op(addOp, [prev, g]) : g);
  };
  for (const [v, g] of seeds) if (active.has(v)) accumulate(v, g);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const outGrads = nodes[i].outputs.map((o) => grads.get(o) ?? null);
    if (outGrads.every((g) => g === null) || !nodes[i].inputs.some((v) => active.has(v))) continue;
    const n = stash ? stashLoop(b, nodes[i]) : nodes[i];
    const rule = getOp(n.op).grad;
    if (!rule) {
      blocked.push(i);
      continue;
    }
    // A stashing loop has more outputs than the loop it replaced; those get no gradient.
    const allGrads = n.outputs.map((_, j) => outGrads[j] ?? null);
    b.withSpan(n.span, () => {
      const inGrads = rule(b, n, allGrads);
      if (inGrads.length !== n.inputs.length) {
        throw new Error(
          `gradient rule of '${n.op}' returned ${inGrads.length} gradients for ${n.inputs.length} inputs`,
        );
      }
      n.inputs.forEach((v, j) => {
        const g = inGrads[j];
        if (!g || !active.has(v)) return;
        if (!sameType(g.type, v.type)) {
          throw new Error(
            `gradient rule of '${n.op}' gives input ${j} a ${typeToString(g.type)} gradient for a ${typeToString(v.type)} value`,
          );
        }
        accumulate(v, g);
      });
    });
  }
  return wrt.map((w) => grads.get(w) ?? null);
}
