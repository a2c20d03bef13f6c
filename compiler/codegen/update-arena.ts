// The arena of a fused optimizer update (compiler/passes/fuse-updates.ts): the params
// and slots its kernel writes in place are laid out in one view (PlanBuilder.addView),
// bound once, so a kernel binds one buffer for all of them, plus one per gradient,
// instead of one per param and slot — what lets every param of the bench's Adam MLP
// update in one kernel within 8 or 16 bindings. The kernel reads and writes them at
// constant offsets (update-kernel.ts).
// A member may be bound by no other binding of a dispatch that writes the view, and
// no copy may run within the view's arena (memory/check.ts rule 3). Both hold for a
// buffer this node writes in place when no other entry assigns it: in this entry the
// planner's in-place write means no other node writes it and no copy touches it
// (EntryBuilder.planInPlace), and the other dispatches binding it only read it.
import { assignedElsewhere } from '../ir/assigned';
import type { Node } from '../ir/types';
import { numel } from '../ir/types';
import { isPersistentKind } from '../../runtime/plan';
import type { InPlaceOutputs } from './elementwise';
import type { EntryBuilder } from './generate-plan';

export interface UpdateArena {
  /** The view buffer bound in place of its members. */
  readonly view: number;
  /** Fused node input index → offset of its buffer in the view, in elements (a multiple of 4). */
  readonly offsets: ReadonlyMap<number, number>;
}

/**
 * The view of update node `node`, whose outputs `inPlace` writes over its inputs
 * (output index → input index): those inputs that are resident f32 tensors of more
 * than one element, assigned by no other entry and in no view yet. Undefined where
 * fewer than two qualify (the kernel then binds each as before).
 */
export function updateArena(eb: EntryBuilder, node: Node, inPlace: InPlaceOutputs): UpdateArena | undefined {
  const elsewhere = assignedElsewhere(eb.plan.program, eb.entry.name);
  const members: { input: number; buffer: number }[] = [];
  for (const k of [...inPlace.values()].sort((a, b) => a - b)) {
    const v = node.inputs[k];
    const buffer = eb.bufferOf(v);
    const b = eb.plan.buffers[buffer];
    if (!isPersistentKind(b.kind) || b.dtype !== 'f32' || numel(v.type.shape) === 1) continue;
    if (elsewhere.has(b.name) || eb.plan.viewOf.has(buffer)) continue;
    members.push({ input: k, buffer });
  }
  if (members.length < 2) return undefined;
  const name = `${eb.entry.name}.update_view.%${node.id}`;
  const { view, offsets } = eb.plan.addView(
    name,
    members.map((m) => m.buffer),
  );
  return { view, offsets: new Map(members.map((m, i) => [m.input, offsets[i]])) };
}
