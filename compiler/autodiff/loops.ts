// Gradients of loops (backpropagation through time). For a loop of T steps with
// body f(t, carries, captures) → (next carries, emits):
//  1. Stash: the carries each step started from, stacked over the steps (the values
//     the backward body needs). backprop has normally made the forward loop emit
//     them already (stash.ts); otherwise a scan here re-runs the body to make them.
//  2. Backward: a scan over the same steps in the opposite order carries the
//     gradients of the carries and the running sum of the captures' gradients. Its
//     body reads step t's carries from the stash (stack_get), re-emits the forward
//     body on them and backpropagates the step's output gradients through it.
//  3. Its final carries are the gradients of the initial carries and captures.
// Everything is ordinary IR (scan, stack_get, the body's own ops), so the backward
// loop can itself be differentiated.
import { GraphBuilder } from '../ir/builder';
import { inlineGraph } from '../ir/inline';
import { addOp } from '../ir/prims';
import { stackAxis } from '../ir/stack';
import type { Graph, Node, TensorType, Value } from '../ir/types';
import type { GradBuilder } from '../ops/registry';
import { backprop, isDifferentiable } from './backprop';

export interface LoopShape {
  readonly length: number;
  readonly reverse: boolean;
  /** Whether the body's first arg is the step index (scan) or not (repeat). */
  readonly hasStep: boolean;
  readonly carries: number;
  readonly body: Graph;
  /** Whether the loop's last `carries` outputs already hold the stash (see stash.ts). */
  readonly stashed: boolean;
}

const I32_SCALAR: TensorType = { dtype: 'i32', shape: [] };

export function loopGrad(
  gb: GradBuilder,
  node: Node,
  outGrads: readonly (Value | null)[],
  loop: LoopShape,
): (Value | null)[] {
  if (!(gb instanceof GraphBuilder)) throw new Error('loop gradients need a GraphBuilder (they build region bodies)');
  const b = gb;
  const { length: T, reverse, hasStep, carries: k, body } = loop;
  const c0 = node.inputs.slice(0, k);
  const z = node.inputs.slice(k);
  const emitTypes = body.results.slice(k).map((r) => r.value.type);

  // 1. The stash: carries at the start of every step, stacked.
  let stashes: Value[] = [];
  if (k > 0 && loop.stashed) {
    stashes = node.outputs.slice(node.outputs.length - k);
  } else if (k > 0) {
    const sb = b.region(`${body.name}.stash`);
    const t = sb.arg('region', 't', I32_SCALAR);
    const cs = c0.map((c, i) => sb.arg('region', `carry${i}`, c.type));
    const zs = z.map((v, j) => sb.arg('region', `capture${j}`, v.type));
    const inl = inlineGraph(sb, body, [...(hasStep ? [t] : []), ...cs, ...zs]);
    const stashBody = sb.finish([
      ...inl.results.slice(0, k).map((value, i) => ({ name: `carry${i}`, value })),
      ...cs.map((value, i) => ({ name: `stash${i}`, value })),
    ]);
    const outs = b.emit(
      'scan',
      [...c0, ...z],
      { length: T, carries: k, reverse, stash: k },
      { regions: [stashBody] },
    ).outputs;
    stashes = outs.slice(k);
  }

  // 2. The backward scan.
  const gc = c0.map((_, i) => i).filter((i) => isDifferentiable(c0[i]));
  const gz = z.map((_, j) => j).filter((j) => isDifferentiable(z[j]));
  const ge = emitTypes.map((_, j) => j).filter((j) => outGrads[k + j] != null);

  const bb = b.region(`${body.name}.grad`);
  const t = bb.arg('region', 't', I32_SCALAR);
  const gcArgs = gc.map((i) => bb.arg('region', `gcarry${i}`, c0[i].type));
  const gzArgs = gz.map((j) => bb.arg('region', `gcapture${j}`, z[j].type));
  const stashArgs = stashes.map((s, i) => bb.arg('region', `stash${i}`, s.type));
  const geArgs = ge.map((j) => bb.arg('region', `gemit${j}`, outGrads[k + j]!.type));
  const zArgs = z.map((v, j) => bb.arg('region', `capture${j}`, v.type));

  const ct = stashArgs.map((s, i) => bb.op('stack_get', [s, t], { axis: stackAxis(c0[i].type) }));
  const inl = inlineGraph(bb, body, [...(hasStep ? [t] : []), ...ct, ...zArgs]);
  const seeds = new Map<Value, Value>();
  const seed = (v: Value, g: Value): void => {
    const prev = seeds.get(v);
    seeds.set(v, prev ? bb.op(addOp, [prev, g]) : g);
  };
  gc.forEach((i, n) => seed(inl.results[i], gcArgs[n]));
  ge.forEach((j, n) => seed(inl.results[k + j], bb.op('stack_get', [geArgs[n], t], { axis: stackAxis(emitTypes[j]) })));
  const wrt = [...gc.map((i) => ct[i]), ...gz.map((j) => zArgs[j])];
  const grads = backprop(bb, inl.nodes, seeds, wrt);
  const gradBody = bb.finish([
    ...gc.map((i, n) => ({ name: `gcarry${i}`, value: grads[n] ?? bb.constant(0, c0[i].type) })),
    ...gz.map((j, n) => {
      const g = grads[gc.length + n];
      return { name: `gcapture${j}`, value: g ? bb.op(addOp, [gzArgs[n], g]) : gzArgs[n] };
    }),
  ]);

  const init = [...gc.map((i) => outGrads[i] ?? b.constant(0, c0[i].type)), ...gz.map((j) => b.constant(0, z[j].type))];
  const outs = b.emit(
    'scan',
    [...init, ...stashes, ...ge.map((j) => outGrads[k + j]!), ...z],
    { length: T, carries: gc.length + gz.length, reverse: !reverse },
    { regions: [gradBody] },
  ).outputs;

  // 3. Gradients of the loop's inputs.
  const result: (Value | null)[] = node.inputs.map(() => null);
  gc.forEach((i, n) => (result[i] = outs[n]));
  gz.forEach((j, n) => (result[k + j] = outs[gc.length + n]));
  return result;
}
