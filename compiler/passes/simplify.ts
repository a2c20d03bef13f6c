// Algebraic simplification: a table of rewrites, each exact in IEEE f32 (or exact up
// to what WGSL already allows, see x + 0).
//   1. Walk the scope's nodes in order; for each, try the rules of its op in order on
//      its (already rewritten) inputs.
//   2. A rule answers with a value that the node's output equals (the node is
//      dropped and its readers read that value), or with a cheaper node of the same
//      output (the node is rebuilt), or with nothing.
//   3. Recurse into region bodies. Return the graph unchanged when no rule fired.
// The nodes left without readers are removed by dead-code elimination.
//
// Identities applied, and why they are safe:
//   x * 1 = 1 * x = x, x / 1 = x: exact for every f32, NaN and ±inf included.
//   x - 0 = x: exact, -0 - 0 = -0 included.
//   x + 0 = 0 + x = x: exact except x = -0, where x + 0 is +0; WGSL lets an
//     implementation ignore the sign of a zero, so no program may depend on it.
//   x - x = 0: integer dtypes only (wrapping arithmetic); in f32 NaN - NaN and
//     inf - inf are NaN, so it is not applied there.
//   neg(neg(x)) = x: exact (two sign flips).
//   reshape(reshape(x)) = reshape(x), and reshape/broadcast_to/cast to the type x
//     already has = x: they move or convert no element.
//   reshape(c) = broadcast_to(c) = c at the new shape, for a constant c: a constant
//     is one value filling its shape, so every element of the result is that value.
//     (Fusion then takes the constant in as a literal instead of materialising the
//     broadcast: rbm's backward pass scales by a broadcast 1/batch.)
//   transpose(transpose(x, p), q) = transpose(x, r) with r[k] = p[q[k]] (output axis
//     k takes x's axis p[q[k]]); transpose(x, identity) = x.
//   stop_gradient(x) = x: the pipeline runs after autodiff, where it is the identity.
//   matmul(transpose(x), y) = matmul(x, y) with transpose_a flipped, and likewise
//     for y and transpose_b, when the transpose swaps the last two axes only: the
//     kernel reads the stored operand the other way round, the same products summed
//     in the same order, and no transposed copy is materialised. The transpose stays
//     while something else reads it (dead-code elimination removes it otherwise).
//   Sums of parts that are zero elsewhere (slice and gather gradients): see
//   simplify-partial-sums.ts.
// Not applied: x * 0 = 0 (NaN * 0 and inf * 0 are NaN), x / x = 1 (0/0, inf/inf).
import type { Graph, Node, Value } from '../ir/types';
import { sameType } from '../ir/types';
import type { PassContext } from './context';
import type { NodeChange } from './rewrite';
import { mapRegions, ScopeRewriter } from './rewrite';
import { accumulateScatter, concatPaddedParts } from './simplify-partial-sums';

/** What a rule answers: the value the output equals, a cheaper node, or nothing. */
type Rewrite = { readonly value: Value } | { readonly change: NodeChange } | undefined;
type Rule = (n: Node, inputs: readonly Value[]) => Rewrite;

/** Whether `v` is a constant filled with `c` (in its own dtype's arithmetic). */
function isConstantOf(v: Value, c: number): boolean {
  const def = v.def;
  if (!def || def.op !== 'constant') return false;
  const value = def.attrs.value as number;
  return (v.type.dtype === 'f32' ? Math.fround(value) : Math.trunc(value)) === c;
}

/** `x` when `x` has the node's output type (so no broadcast is lost), else nothing. */
function sameAsOutput(n: Node, x: Value): Rewrite {
  return sameType(x.type, n.outputs[0].type) ? { value: x } : undefined;
}

const isInteger = (v: Value): boolean => v.type.dtype === 'i32' || v.type.dtype === 'u32';

function isIdentityPerm(perm: readonly number[]): boolean {
  return perm.every((p, k) => p === k);
}

/** The operand `v` transposes when it is a transpose swapping only its last two axes. */
function swappedLastTwo(v: Value): Value | undefined {
  const def = v.def;
  if (def?.op !== 'transpose') return undefined;
  const perm = def.attrs.perm as number[];
  const r = perm.length;
  if (r < 2 || perm[r - 2] !== r - 1 || perm[r - 1] !== r - 2) return undefined;
  return perm.slice(0, r - 2).every((p, k) => p === k) ? def.inputs[0] : undefined;
}

/** matmul(transpose(x), transpose(y)) with either transpose folded into the transpose_a/transpose_b flag. */
const foldOperandTransposes: Rule = (n, [a, b]) => {
  const [ta, tb] = [swappedLastTwo(a), swappedLastTwo(b)];
  if (!ta && !tb) return undefined;
  const attrs = {
    ...n.attrs,
    transpose_a: (n.attrs.transpose_a === true) !== (ta !== undefined),
    transpose_b: (n.attrs.transpose_b === true) !== (tb !== undefined),
  };
  return { change: { inputs: [ta ?? a, tb ?? b], attrs } };
};

/** Identity with the rule that unit `c` on either side of a commutative op leaves the other operand. */
function unitEither(c: number): Rule {
  return (n, [a, b]) => (isConstantOf(b, c) ? sameAsOutput(n, a) : isConstantOf(a, c) ? sameAsOutput(n, b) : undefined);
}

function unitRight(c: number): Rule {
  return (n, [a, b]) => (isConstantOf(b, c) ? sameAsOutput(n, a) : undefined);
}

const asChange = (change: NodeChange | undefined): Rewrite => (change ? { change } : undefined);

/** reshape/broadcast_to/cast to the type x already has = x. */
const unchangedType: Rule = (n, [x]) => sameAsOutput(n, x);

/** reshape(c) = broadcast_to(c) = the constant c filling the output's shape. */
const reshapedConstant: Rule = (n, [x]) =>
  x.def?.op === 'constant' && x.def.inputs.length === 0
    ? { change: { op: 'constant', inputs: [], attrs: { ...x.def.attrs, shape: [...n.outputs[0].type.shape] } } }
    : undefined;

const RULES: Readonly<Record<string, readonly Rule[]>> = {
  // x * 1 = 1 * x = x
  mul: [unitEither(1)],
  // x / 1 = x
  div: [unitRight(1)],
  add: [
    // x + 0 = 0 + x = x (up to the sign of a zero, see above)
    unitEither(0),
    // add(a, scatter_add(0, ids, u)) = scatter_add(a, ids, u) for one index
    (n, inputs) => asChange(accumulateScatter(n, inputs)),
    // add(...add(pad(x1), pad(x2))..., pad(xn)) = concat(x1, ..., xn) when the parts tile one axis
    (n, inputs) => asChange(concatPaddedParts(n, inputs)),
  ],
  sub: [
    // x - 0 = x
    unitRight(0),
    // x - x = 0 for integers
    (n, [a, b]) =>
      a === b && isInteger(a)
        ? {
            change: {
              op: 'constant',
              inputs: [],
              attrs: { dtype: a.type.dtype, shape: [...n.outputs[0].type.shape], value: 0 },
            },
          }
        : undefined,
  ],
  // neg(neg(x)) = x
  neg: [(n, [x]) => (x.def?.op === 'neg' ? sameAsOutput(n, x.def.inputs[0]) : undefined)],
  reshape: [
    unchangedType,
    reshapedConstant,
    // reshape(reshape(x)) = reshape(x), and = x when that gives x's own shape
    (n, [x]) => {
      if (x.def?.op !== 'reshape') return undefined;
      const inner = x.def.inputs[0];
      return sameAsOutput(n, inner) ?? { change: { inputs: [inner] } };
    },
  ],
  broadcast_to: [unchangedType, reshapedConstant],
  cast: [unchangedType],
  transpose: [
    // transpose(x, identity) = x
    (n, [x]) => (isIdentityPerm(n.attrs.perm as number[]) ? { value: x } : undefined),
    // transpose(transpose(x, p), q) = transpose(x, p∘q), or x when that is the identity
    (n, [x]) => {
      if (x.def?.op !== 'transpose') return undefined;
      const p = x.def.attrs.perm as number[];
      const r = (n.attrs.perm as number[]).map((q) => p[q]);
      const inner = x.def.inputs[0];
      return isIdentityPerm(r) ? { value: inner } : { change: { inputs: [inner], attrs: { perm: r } } };
    },
  ],
  // matmul(transpose(x), y) = matmul(x, y) [transpose_a flipped]; likewise for y and transpose_b
  matmul: [foldOperandTransposes],
  // stop_gradient(x) = x after autodiff
  stop_gradient: [(_n, [x]) => ({ value: x })],
};

function rewrite(n: Node, inputs: readonly Value[]): Rewrite {
  for (const rule of RULES[n.op] ?? []) {
    const r = rule(n, inputs);
    if (r) return r;
  }
  return undefined;
}

export function algebraicSimplificationPass(graph: Graph, ctx: PassContext): Graph {
  const rw = new ScopeRewriter(graph);
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((v) => rw.get(v));
    // Chains (neg(neg(neg x)), reshape of reshape of reshape) collapse in one walk:
    // rules see the already simplified producers.
    const r = n.outputs.length === 1 ? rewrite(n, inputs) : undefined;
    if (r === undefined)
      rw.keep(n, { inputs, regions: mapRegions(n, (body) => algebraicSimplificationPass(body, ctx)) });
    else if ('value' in r) rw.dropFor(n, [r.value]);
    else rw.keep(n, { inputs, ...r.change });
  }
  return rw.finish();
}
