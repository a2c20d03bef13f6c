// Liveness over an entry's schedule: the plan's steps are numbered in the order they
// are recorded (a loop step, then its body's steps once each: the loop's span).
//   1. Every touch of a buffer is recorded with its step number, the loops around it
//      and whether it reads, wholly writes or partly writes the buffer (a copy into
//      a per-iteration offset, or into part of the buffer, writes part of it).
//   2. Let C be the innermost loop around all of a buffer's touches. Each touch
//      inside a loop nested in C stands for every iteration of that loop, so it
//      covers that loop's span.
//   3. Loop-local buffers: when C exists and the buffer's earliest touch is a whole
//      write directly in C's body, every iteration of C defines the buffer before
//      using it, so nothing crosses iterations and the lifetime is the covered range
//      within the body (a loop body's temporaries can then share memory).
//   4. Otherwise a touch inside any loop covers the whole span of the outermost loop
//      around it: a value written late in iteration t may be read early in t+1
//      (carried values), and a value read by the body must survive every iteration.
//      The lifetime runs from the first covered step to the last.
//   5. Entry inputs are live from before the first step (they are uploaded before the
//      pass), outputs until after the last (they are read back after it).
// Also collected: the pairs of buffers one step both reads and writes, or writes
// together (a dispatch's inputs and outputs, a copy's source and destination), which
// must lie in different arenas.
import type { PlanBuffer, PlanEntry, Step } from '../../runtime/plan';

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

type Access = 'read' | 'write' | 'partial';

interface Touch {
  readonly at: number;
  /** Spans of the loops around the touch, outermost first. */
  readonly loops: readonly Lifetime[];
  readonly access: Access;
}

function countSteps(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) n += s.kind === 'loop' ? 1 + countSteps(s.body) : 1;
  return n;
}

/** How many loops (outermost first) every touch shares. */
function commonDepth(touches: readonly Touch[]): number {
  let depth = Infinity;
  for (const t of touches) depth = Math.min(depth, t.loops.length);
  for (const t of touches) {
    let d = 0;
    while (d < depth && t.loops[d] === touches[0].loops[d]) d++;
    depth = d;
  }
  return depth;
}

function lifetimeOf(touches: readonly Touch[]): Lifetime {
  const depth = commonDepth(touches);
  // Step 2: touches in loops nested in C cover those loops' spans.
  const covered = touches.map((t) => ({
    t,
    range: t.loops.length > depth ? t.loops[depth] : { first: t.at, last: t.at },
  }));
  let earliest = covered[0];
  for (const c of covered) if (c.range.first < earliest.range.first) earliest = c;
  const local =
    depth > 0 &&
    earliest.t.access === 'write' &&
    earliest.t.loops.length === depth &&
    !covered.some((c) => c.range.first === earliest.range.first && c.t.access === 'read');
  // Step 4: otherwise every touch inside a loop covers the outermost loop.
  const ranges = local
    ? covered.map((c) => c.range)
    : touches.map((t) => (t.loops.length > 0 ? t.loops[0] : { first: t.at, last: t.at }));
  let first = Infinity;
  let last = -Infinity;
  for (const r of ranges) {
    first = Math.min(first, r.first);
    last = Math.max(last, r.last);
  }
  return { first, last };
}

/** Liveness of `entry`'s buffers; `buffers` are the plan's (indexed by id), for their sizes. */
export function entryLiveness(entry: PlanEntry, buffers: readonly Pick<PlanBuffer, 'bytes'>[]): EntryLiveness {
  const touches = new Map<number, Touch[]>();
  const touch = (buffer: number, t: Touch): void => {
    const list = touches.get(buffer);
    if (list) list.push(t);
    else touches.set(buffer, [t]);
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
  const walk = (steps: readonly Step[], loops: readonly Lifetime[]): void => {
    for (const step of steps) {
      const at = pos;
      pos += 1;
      switch (step.kind) {
        case 'dispatch': {
          const written = new Set(step.writes);
          for (const b of step.bindings) touch(b, { at, loops, access: written.has(b) ? 'write' : 'read' });
          for (const w of step.writes) for (const b of step.bindings) conflict(w, b);
          break;
        }
        case 'copy': {
          touch(step.src, { at, loops, access: 'read' });
          const whole = step.dstOffset === 0 && !step.dstOffsetPerIter && step.bytes >= buffers[step.dst].bytes;
          touch(step.dst, { at, loops, access: whole ? 'write' : 'partial' });
          conflict(step.src, step.dst);
          break;
        }
        case 'loop':
          walk(step.body, [...loops, { first: at, last: at + countSteps(step.body) }]);
          break;
        default: {
          const never: never = step;
          throw new Error(`unknown plan step ${JSON.stringify(never)}`);
        }
      }
    }
  };
  walk(entry.steps, []);
  for (const input of entry.inputs) touch(input.buffer, { at: -1, loops: [], access: 'write' });
  for (const output of entry.outputs) touch(output.buffer, { at: pos, loops: [], access: 'read' });
  const lifetimes = new Map<number, Lifetime>();
  for (const [buffer, list] of touches) lifetimes.set(buffer, lifetimeOf(list));
  return { steps: pos, lifetimes, conflicts };
}

export function overlaps(a: Lifetime, b: Lifetime): boolean {
  return a.first <= b.last && b.first <= a.last;
}
