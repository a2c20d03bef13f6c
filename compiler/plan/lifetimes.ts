// Liveness over an entry's schedule: the plan's steps are numbered in the order they
// are recorded (a loop's body steps once each, inside the loop's span of numbers).
//   1. A buffer's lifetime runs from the first step that touches it to the last.
//   2. A touch inside a loop stands for every iteration, so it covers the whole span
//      of the outermost enclosing loop: a value the body writes late in iteration t
//      may be read early in iteration t+1 (carried values), and a value read by the
//      body must survive until the last iteration.
//   3. Entry inputs are live from before the first step (they are uploaded before the
//      pass), outputs until after the last (they are read back after it).
// Also collected: the pairs of buffers one step both reads and writes, or writes
// together (a dispatch's inputs and outputs, a copy's source and destination), which
// must lie in different arenas.
import type { PlanEntry, Step } from '../../runtime/plan';

export interface Lifetime {
  /** First and last step number (inclusive); -1 is "before the pass", `steps` is "after it". */
  readonly first: number;
  readonly last: number;
}

export interface EntryLiveness {
  /** Step numbers used: 0..steps-1. */
  readonly steps: number;
  readonly lifetimes: ReadonlyMap<number, Lifetime>;
  /** Buffer pairs that may not share an arena, each once as [lower id, higher id]. */
  readonly conflicts: readonly (readonly [number, number])[];
}

function countSteps(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) n += s.kind === 'loop' ? 1 + countSteps(s.body) : 1;
  return n;
}

export function entryLiveness(entry: PlanEntry): EntryLiveness {
  const ranges = new Map<number, { first: number; last: number }>();
  const touch = (buffer: number, first: number, last: number): void => {
    const r = ranges.get(buffer);
    if (!r) ranges.set(buffer, { first, last });
    else {
      r.first = Math.min(r.first, first);
      r.last = Math.max(r.last, last);
    }
  };
  const pairs = new Set<string>();
  const conflicts: [number, number][] = [];
  const conflict = (a: number, b: number): void => {
    if (a === b) return;
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const key = `${lo},${hi}`;
    if (pairs.has(key)) return;
    pairs.add(key);
    conflicts.push([lo, hi]);
  };

  let pos = 0;
  // `span` is the outermost enclosing loop's step numbers, or undefined at top level.
  const walk = (steps: readonly Step[], span: Lifetime | undefined): void => {
    for (const step of steps) {
      const at = pos;
      switch (step.kind) {
        case 'dispatch': {
          pos += 1;
          const range = span ?? { first: at, last: at };
          for (const b of step.bindings) touch(b, range.first, range.last);
          for (const w of step.writes) for (const b of step.bindings) conflict(w, b);
          break;
        }
        case 'copy': {
          pos += 1;
          const range = span ?? { first: at, last: at };
          touch(step.src, range.first, range.last);
          touch(step.dst, range.first, range.last);
          conflict(step.src, step.dst);
          break;
        }
        case 'loop': {
          pos += 1;
          walk(step.body, span ?? { first: at, last: at + countSteps(step.body) });
          break;
        }
        default: {
          const never: never = step;
          throw new Error(`unknown plan step ${JSON.stringify(never)}`);
        }
      }
    }
  };
  walk(entry.steps, undefined);
  for (const input of entry.inputs) touch(input.buffer, -1, -1);
  for (const output of entry.outputs) touch(output.buffer, pos, pos);
  return { steps: pos, lifetimes: ranges, conflicts };
}

export function overlaps(a: Lifetime, b: Lifetime): boolean {
  return a.first <= b.last && b.first <= a.last;
}
