// Derivatives as values: the gradient, the Jacobian–vector product (R-op), the
// Hessian–vector and Gauss–Newton–vector products, all built from reverse mode.
//   grad:  ∇_w f
//   vjp:   Jᵀu                      (reverse mode seeded with u)
//   jvp:   Jv = ∇_u ⟨Jᵀu, v⟩        (Jᵀu is linear in u, so its gradient in u is Jv
//                                    whatever u is; u is a zero constant)
//   hvp:   Hv = ∇_w ⟨∇_w f, v⟩      (reverse over reverse, v held fixed)
//   gnvp:  Gv = Jᵀ H_z J v           (Martens 2010: f's curvature in the model's
//                                    outputs z only; J = ∂z/∂w)
// Each pass differentiates the nodes the tape has so far (the forward and the
// earlier passes), so a product is ordinary IR that can itself be differentiated.
// A null part is structurally zero: no path from that value to the result.
import type { GraphBuilder } from '../ir/builder';
import { addOp, sumOp } from '../ir/prims';
import type { Node, Value } from '../ir/types';
import { backprop, isDifferentiable } from './backprop';

/** Where products are built: the builder, the nodes to differentiate, and whether loops may stash. */
export interface Tape {
  readonly b: GraphBuilder;
  /** The nodes a pass walks: the forward graph and every node emitted into `b` since. */
  nodes(): Node[];
  /** Whether forward loops may be rewritten to stash (only when they are in `b`). */
  readonly stash: boolean;
}

/** A tape over `b`'s own nodes. */
export function builderTape(b: GraphBuilder): Tape {
  return { b, nodes: () => [...b.nodeList], stash: true };
}

/** A tape whose forward nodes are `forward` (another frame's), with new nodes in `b`. */
export function scratchTape(b: GraphBuilder, forward: readonly Node[]): Tape {
  return { b, nodes: () => [...forward, ...b.nodeList], stash: false };
}

export function vjp(t: Tape, y: Value, u: Value, wrt: readonly Value[]): (Value | null)[] {
  return backprop(t.b, t.nodes(), new Map([[y, u]]), wrt, { stash: t.stash });
}

export function grad(t: Tape, f: Value, wrt: readonly Value[]): (Value | null)[] {
  const seed = t.b.withSpan(f.def?.span, () => t.b.constant(1, f.type));
  return vjp(t, f, seed, wrt);
}

/** Σᵢ sum(aᵢ · bᵢ) over the parts that are not null; null when none is. */
function dot(b: GraphBuilder, as: readonly (Value | null)[], bs: readonly Value[]): Value | null {
  let acc: Value | null = null;
  as.forEach((a, i) => {
    if (!a) return;
    const prod = b.op('mul', [a, bs[i]]);
    const s = prod.type.shape.length
      ? b.op(sumOp, [prod], { axes: prod.type.shape.map((_, k) => k), keepdims: false })
      : prod;
    acc = acc ? b.op(addOp, [acc, s]) : s;
  });
  return acc;
}

export function jvp(t: Tape, y: Value, wrt: readonly Value[], vs: readonly Value[]): Value | null {
  const u = t.b.constant(0, y.type);
  const inner = dot(t.b, vjp(t, y, u, wrt), vs);
  return inner ? grad(t, inner, [u])[0] : null;
}

export function hvp(t: Tape, f: Value, wrt: readonly Value[], vs: readonly Value[]): (Value | null)[] {
  // v is held fixed: where it was computed from wrt (a product of a product), its own derivative is no part of Hv.
  const fixed = vs.map((v) => t.b.op('stop_gradient', [v]));
  const inner = dot(t.b, grad(t, f, wrt), fixed);
  return inner ? grad(t, inner, wrt) : wrt.map(() => null);
}

export function gnvp(t: Tape, f: Value, z: Value, wrt: readonly Value[], vs: readonly Value[]): (Value | null)[] {
  const jv = jvp(t, z, wrt, vs);
  if (!jv) return wrt.map(() => null);
  const [hjv] = hvp(t, f, [z], [jv]);
  return hjv ? vjp(t, z, hjv, wrt) : wrt.map(() => null);
}

/**
 * Whether `to` depends on any of `from` through `nodes` (a forward walk of the
 * float values made from them), not counting paths through `cut` or stop_gradient.
 */
export function reaches(nodes: readonly Node[], from: readonly Value[], to: Value, cut?: Value): boolean {
  const active = new Set<Value>(from.filter(isDifferentiable));
  for (const n of nodes) {
    if (n.op === 'stop_gradient' || !n.inputs.some((v) => active.has(v))) continue;
    for (const o of n.outputs) if (o !== cut && isDifferentiable(o)) active.add(o);
  }
  return active.has(to);
}
