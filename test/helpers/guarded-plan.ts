// A plan-level bounds probe: rewrites a plan's layout so every buffer lives alone in
// an arena of its own between two sentinel-filled guard regions, and widens each
// buffer's binding over the guard after it (robust WebGPU clamps stray accesses to
// the binding, so a guard outside the binding would never be hit). The guards are
// extra persistent u32 buffers, so the executor fills and reads them like any
// state. After the entries run, every guard word must still be the sentinel.
import { Executor } from '../../runtime/executor/index';
import type { BufferSlice, Plan, PlanArena, PlanBuffer, Step } from '../../runtime/plan';
import { SLICE_ALIGNMENT } from '../../runtime/plan';
import { SENTINEL } from './kernel';

/** Bytes of guard before and after each buffer (one slice alignment, so offsets stay aligned). */
export const GUARD_BYTES = SLICE_ALIGNMENT;

export interface GuardedPlan {
  readonly plan: Plan;
  /** Guard buffer name → the name of the buffer it guards, and where ('before' / 'after'). */
  readonly guards: ReadonlyMap<string, { readonly buffer: PlanBuffer; readonly side: 'before' | 'after' }>;
}

export function guardedPlan(plan: Plan): GuardedPlan {
  const buffers: PlanBuffer[] = [...plan.buffers];
  const arenas: PlanArena[] = [];
  const layout: BufferSlice[] = [];
  const guards = new Map<string, { buffer: PlanBuffer; side: 'before' | 'after' }>();
  const guardSlices: BufferSlice[] = [];
  // A view's members (params and slots the fused update binds together) stay at their
  // offsets inside the view, which is guarded as one buffer.
  const viewOf = new Map<number, { view: PlanBuffer; offset: number }>();
  for (const b of plan.buffers) for (const m of b.members ?? []) viewOf.set(m.buffer, { view: b, offset: m.offset });
  for (const b of plan.buffers) {
    if (viewOf.has(b.id)) continue;
    const bytes = Math.max(4, Math.ceil(b.bytes / 4) * 4);
    const arena = arenas.length;
    arenas.push({ name: `probe:${b.name}`, bytes: GUARD_BYTES + bytes + GUARD_BYTES });
    layout[b.id] = { arena, offset: GUARD_BYTES, size: bytes + GUARD_BYTES };
    for (const side of ['before', 'after'] as const) {
      const name = `probe.${side}#${b.id}`;
      const id = plan.buffers.length + guardSlices.length;
      buffers.push({ id, name, kind: 'state', dtype: 'u32', shape: [GUARD_BYTES / 4], bytes: GUARD_BYTES });
      guardSlices.push({ arena, offset: side === 'before' ? 0 : GUARD_BYTES + bytes, size: GUARD_BYTES });
      guards.set(name, { buffer: b, side });
    }
  }
  for (const [id, { view, offset }] of viewOf) {
    const bytes = Math.max(4, Math.ceil(plan.buffers[id]!.bytes / 4) * 4);
    layout[id] = { arena: layout[view.id]!.arena, offset: layout[view.id]!.offset + offset, size: bytes };
  }
  layout.push(...guardSlices);
  return { plan: { ...plan, buffers, arenas, layout }, guards };
}

/** Labels of the kernels that write each buffer id, walking loop bodies. */
function writers(plan: Plan): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const walk = (steps: readonly Step[]): void => {
    for (const s of steps) {
      switch (s.kind) {
        case 'dispatch':
          for (const w of s.writes) (out.get(w) ?? out.set(w, new Set()).get(w)!).add(plan.kernels[s.kernel].label);
          break;
        case 'copy':
          (out.get(s.dst) ?? out.set(s.dst, new Set()).get(s.dst)!).add('copy');
          break;
        case 'loop':
          walk(s.body);
          break;
        default: {
          const never: never = s;
          throw new Error(`unknown step ${String(never)}`);
        }
      }
    }
  };
  for (const e of plan.entries) walk(e.steps);
  return out;
}

export interface ProbeRun {
  /** Every output of every call, keyed `<call>:<entry>.<output>`, and at the end `saved <name>` for the original persistent tensors. */
  readonly record: Map<string, Float64Array>;
  /** One line per guard region found written: the buffer, the side, the first changed word and who writes the buffer. */
  readonly violations: string[];
  /** Dispatch steps run at least once (loop bodies counted once). */
  readonly kernelsProbed: number;
}

/**
 * Runs `calls` on the guarded form of `plan` and checks every guard. Outputs and
 * persistent tensors are returned too, so the probe run doubles as a result run.
 */
export async function runGuarded(
  plan: Plan,
  calls: readonly { readonly entry: string; readonly inputs: Readonly<Record<string, unknown>> }[],
  device: GPUDevice,
  seed: number,
): Promise<ProbeRun> {
  const { plan: guarded, guards } = guardedPlan(plan);
  const exec = await Executor.create(guarded, { device, seed });
  const record = new Map<string, Float64Array>();
  const violations: string[] = [];
  try {
    const sentinel = new Uint32Array(GUARD_BYTES / 4).fill(SENTINEL);
    exec.writeTensors(Object.fromEntries([...guards.keys()].map((name) => [name, sentinel])), 'bounds probe');
    for (const [k, call] of calls.entries()) {
      const results = await exec.run(call.entry, call.inputs);
      for (const [name, v] of Object.entries(results))
        record.set(
          `${k}:${call.entry}.${name}`,
          Float64Array.from(typeof v === 'number' ? [v] : (v as ArrayLike<number>)),
        );
    }
    const persistent = plan.buffers
      .filter((b) => b.kind === 'param' || b.kind === 'state' || b.kind === 'slot')
      .map((b) => b.name);
    for (const [name, v] of Object.entries(await exec.readTensors(persistent)))
      record.set(`saved ${name}`, Float64Array.from(v));
    const read = await exec.readTensors([...guards.keys()]);
    const who = writers(plan);
    for (const [name, words] of Object.entries(read)) {
      const bad = words.findIndex((w) => w !== SENTINEL);
      if (bad < 0) continue;
      const { buffer, side } = guards.get(name)!;
      const by = [...(who.get(buffer.id) ?? [])].join(', ') || 'nothing in the plan';
      violations.push(
        `${buffer.name} (${buffer.bytes} bytes): guard ${side} it changed at byte ${bad * 4} (0x${words[bad].toString(16)}); written by ${by}`,
      );
    }
  } finally {
    exec.destroy();
  }
  return { record, violations, kernelsProbed: countDispatches(plan) };
}

/** Dispatch steps of every entry (a loop body's once). */
export function countDispatches(plan: Plan): number {
  const count = (steps: readonly Step[]): number =>
    steps.reduce((n, s) => n + (s.kind === 'dispatch' ? 1 : s.kind === 'loop' ? count(s.body) : 0), 0);
  return plan.entries.reduce((n, e) => n + count(e.steps), 0);
}
