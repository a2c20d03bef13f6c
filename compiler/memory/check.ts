// Checks a plan's memory layout against the rules the executor and WebGPU rely on;
// returns one line per violation (none: the layout is sound). Used by the tests and
// by anyone changing the planner:
//   1. every slice lies inside its arena, has its buffer's size, and (in an arena
//      shared by several buffers) starts at a multiple of the alignment;
//   2. during an entry's call, no two buffers live at the same time share bytes of
//      one arena (resident buffers are live throughout every call; a view spans its
//      members' bytes by design and is left out);
//   3. no dispatch binds an arena it writes through another binding, and no copy
//      stays within one arena.
import type { Plan, Step } from '../../runtime/plan';
import { SLICE_ALIGNMENT } from '../../runtime/plan';
import type { Lifetime } from './lifetimes';
import { entryLiveness, overlaps } from './lifetimes';
import { isPerCall } from './memory';

export function checkMemoryPlan(plan: Plan, align = SLICE_ALIGNMENT): string[] {
  const problems: string[] = [];
  const perArena = new Map<number, number>();
  for (const slice of plan.layout) perArena.set(slice.arena, (perArena.get(slice.arena) ?? 0) + 1);
  plan.buffers.forEach((b) => {
    const s = plan.layout[b.id];
    const arena = plan.arenas[s?.arena ?? -1];
    if (!s || !arena) return void problems.push(`${b.name}: no arena`);
    if (s.size !== b.bytes) problems.push(`${b.name}: slice of ${s.size} bytes for a ${b.bytes}-byte tensor`);
    if (s.offset < 0 || s.offset + s.size > arena.bytes)
      problems.push(
        `${b.name}: [${s.offset}, ${s.offset + s.size}) is outside arena ${s.arena} of ${arena.bytes} bytes`,
      );
    if (perArena.get(s.arena)! > 1 && s.offset % align !== 0)
      problems.push(`${b.name}: offset ${s.offset} is not a multiple of ${align}`);
  });

  for (const entry of plan.entries) {
    const liveness = entryLiveness(entry, plan.buffers);
    const always: Lifetime = { first: -1, last: liveness.steps };
    const live = plan.buffers
      .filter((b) => b.kind !== 'view' && (!isPerCall(b.kind) || b.entry === entry.name))
      .map((b) => ({
        b,
        s: plan.layout[b.id],
        life: isPerCall(b.kind) ? (liveness.lifetimes.get(b.id) ?? always) : always,
      }));
    const byArena = new Map<number, typeof live>();
    for (const x of live) byArena.set(x.s.arena, [...(byArena.get(x.s.arena) ?? []), x]);
    for (const group of byArena.values()) {
      group.sort((p, q) => p.s.offset - q.s.offset);
      for (let i = 0; i < group.length; i++) {
        for (let j = i + 1; j < group.length && group[j].s.offset < group[i].s.offset + group[i].s.size; j++) {
          if (overlaps(group[i].life, group[j].life)) {
            problems.push(
              `${entry.name}: ${group[i].b.name} and ${group[j].b.name} are live together in overlapping bytes of arena ${group[i].s.arena}`,
            );
          }
        }
      }
    }
    const arenaOf = (b: number): number => plan.layout[b].arena;
    const visit = (steps: readonly Step[]): void => {
      for (const step of steps) {
        switch (step.kind) {
          case 'dispatch':
            for (const w of step.writes) {
              for (const b of step.bindings) {
                if (b !== w && arenaOf(b) === arenaOf(w))
                  problems.push(
                    `${entry.name}: kernel ${plan.kernels[step.kernel].label} ` +
                      `binds ${plan.buffers[b].name} in arena ${arenaOf(w)}, which it writes (${plan.buffers[w].name})`,
                  );
              }
            }
            break;
          case 'copy':
            if (arenaOf(step.src) === arenaOf(step.dst))
              problems.push(
                `${entry.name}: copy ${plan.buffers[step.src].name} → ${plan.buffers[step.dst].name} within arena ${arenaOf(step.src)}`,
              );
            break;
          case 'loop':
            visit(step.body);
            break;
          default: {
            const never: never = step;
            throw new Error(`unknown plan step ${JSON.stringify(never)}`);
          }
        }
      }
    };
    visit(entry.steps);
  }
  return problems;
}
