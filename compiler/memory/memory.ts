// Memory planning: where every buffer of a generated plan lives (plan.layout, arena
// slices), computed from the schedule's liveness (lifetimes.ts).
//   1. Resident buffers — params, state, optimizer slots, runtime scalars, the packed
//      scalars buffer and constant tables — live across calls, so they can share no
//      memory: each keeps a GPUBuffer of its own, apart from the per-call buffers;
//      but the members of a view (the params and slots one fused optimizer update
//      binds whole) share its GPUBuffer at the offsets the code generator gave them.
//   2. Per-call buffers (an entry's inputs and temporaries) are packed into shared
//      temporary arenas. Entry calls run one at a time (one command buffer each,
//      outputs read back inside it), so every entry packs from offset 0 and an
//      arena is as large as the largest entry's use of it.
//   3. Within an entry, buffers are placed largest first (ties: earliest first use,
//      then id) — or, in entries of more than SIZE_ORDER_LIMIT buffers, in order of
//      first use, so that the slices a new buffer must avoid are just those still
//      live at its first use. For each, every arena holding none of its conflicts
//      (a dispatch may not read and write slices of one arena, nor a copy stay
//      within one) is tried: the gaps between the placed slices whose lifetimes
//      overlap its own are scanned at SLICE_ALIGNMENT (or the device's larger offset
//      alignment); the smallest gap that fits wins (best fit), else the end of those
//      slices. Across
//      arenas the choice growing the arena least wins, then the tightest gap. An
//      arena never exceeds maxBufferSize nor maxStorageBufferBindingSize; when no
//      arena can take a buffer a new one is opened.
//   4. If packing an entry would not beat giving each of its buffers its own
//      GPUBuffer (tiny tensors lose to alignment padding), that entry keeps one
//      arena per buffer, so planned bytes never exceed the naive sum.
//   5. Per entry, stats.peakBytes is the resident bytes plus the entry's extent in
//      each arena it uses; stats.naiveBytes is the resident bytes plus the sum of its
//      own buffers — every tensor the entry's call holds, each in memory of its own;
//      stats.textureBytes the operand textures its dispatches upload into
//      (compiler/codegen/wgsl/texture.ts: not buffers, so in neither of the two).
// In-place reuse (an elementwise kernel writing over an input that dies with it) is
// not done: the input and output would be slices of one arena in one dispatch,
// which WebGPU's binding rule forbids.
import type {
  BufferKind,
  BufferSlice,
  Plan,
  PlanArena,
  PlanBuffer,
  PlanEntry,
  PlanTexture,
  Step,
} from '../../runtime/plan';
import { SLICE_ALIGNMENT } from '../../runtime/plan';
import { DlcError } from '../../runtime/errors';
import type { Lifetime } from './lifetimes';
import { entryLiveness, overlaps } from './lifetimes';

/** The device limits memory planning honours (WebGPU's names); absent ones take WebGPU's defaults. */
export interface MemoryLimits {
  readonly minStorageBufferOffsetAlignment?: number;
  readonly maxStorageBufferBindingSize?: number;
  readonly maxBufferSize?: number;
}

const DEFAULT_MAX_BINDING = 134217728;
const DEFAULT_MAX_BUFFER = 268435456;

/** Buffers that are made afresh by each call of their entry, and so may share memory. */
export function isPerCall(kind: BufferKind): boolean {
  switch (kind) {
    case 'input':
    case 'temp':
      return true;
    case 'param':
    case 'state':
    case 'slot':
    case 'scalar':
    case 'scalars':
    case 'const':
    case 'view':
      return false;
    default: {
      const never: never = kind;
      throw new Error(`unknown buffer kind ${String(never)}`);
    }
  }
}

interface Placed {
  readonly buffer: number;
  readonly arena: number;
  readonly offset: number;
  readonly end: number;
  readonly life: Lifetime;
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** Where an arena's slices are looked up while one entry is packed. */
interface SliceIndex {
  /** The slices already placed whose lifetimes overlap `life`, by offset. */
  liveDuring(life: Lifetime): readonly Placed[];
  add(p: Placed): void;
}

/** Best-fit offset for `bytes` among `live` slices (by offset): the smallest gap that fits, else after the last. */
function bestFit(live: readonly Placed[], bytes: number, align: number): { offset: number; waste: number } {
  let cursor = 0;
  let best: { offset: number; waste: number } | undefined;
  for (const p of live) {
    const gap = p.offset - cursor;
    if (gap >= bytes && (!best || gap - bytes < best.waste)) best = { offset: cursor, waste: gap - bytes };
    cursor = Math.max(cursor, alignUp(p.end, align));
  }
  return best ?? { offset: cursor, waste: Infinity };
}

/**
 * One arena's slices during one entry, indexed by time: each slice is listed in
 * every bucket of BUCKET_STEPS step numbers its lifetime touches, so finding the
 * slices live during a lifetime costs about the number of slices live then, not the
 * number placed.
 */
class ArenaSlices implements SliceIndex {
  private static readonly BUCKET_STEPS = 32;
  private readonly buckets = new Map<number, Placed[]>();

  private static bucket(step: number): number {
    return Math.floor((step + 1) / ArenaSlices.BUCKET_STEPS);
  }

  add(p: Placed): void {
    for (let k = ArenaSlices.bucket(p.life.first); k <= ArenaSlices.bucket(p.life.last); k++) {
      const list = this.buckets.get(k);
      if (list) list.push(p);
      else this.buckets.set(k, [p]);
    }
  }

  /** The slices whose lifetimes overlap `life`, by offset. */
  liveDuring(life: Lifetime): readonly Placed[] {
    const found = new Set<Placed>();
    for (let k = ArenaSlices.bucket(life.first); k <= ArenaSlices.bucket(life.last); k++) {
      for (const p of this.buckets.get(k) ?? []) if (overlaps(p.life, life)) found.add(p);
    }
    return [...found].sort((a, b) => a.offset - b.offset);
  }
}

/**
 * The slices of one arena still live at the current step of a walk in order of
 * first use, sorted by offset. Slices whose lifetime ended are dropped as the walk
 * passes them, so each placement looks only at the buffers live at its start.
 */
class ActiveSlices implements SliceIndex {
  private slices: Placed[] = [];
  private soonestEnd = Infinity;

  /** The live slices at `life.first` (the walk's current step): exactly those overlapping `life`. */
  liveDuring(life: Lifetime): readonly Placed[] {
    this.expire(life.first);
    return this.slices;
  }

  /** Drops the slices whose lifetime ends before `step`. */
  private expire(step: number): void {
    if (step <= this.soonestEnd) return;
    this.slices = this.slices.filter((p) => p.life.last >= step);
    this.soonestEnd = this.slices.reduce((m, p) => Math.min(m, p.life.last), Infinity);
  }

  add(p: Placed): void {
    let lo = 0;
    let hi = this.slices.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.slices[mid].offset < p.offset) lo = mid + 1;
      else hi = mid;
    }
    this.slices.splice(lo, 0, p);
    this.soonestEnd = Math.min(this.soonestEnd, p.life.last);
  }
}

/**
 * Entries with at most this many per-call buffers are packed largest first (close
 * to the lower bound, but each placement looks at every slice overlapping it);
 * larger ones in order of first use, where each placement looks only at the slices
 * live at that step, so planning stays near-linear as models grow.
 */
const SIZE_ORDER_LIMIT = 2000;

interface EntryPacking {
  readonly placed: Placed[];
  readonly sizes: number[];
  /** Bytes of the entry's extent summed over the arenas it uses. */
  readonly extent: number;
}

/** Packs an entry's own per-call buffers into the temp arenas (of the given sizes so far). */
function packEntry(
  buffers: readonly PlanBuffer[],
  own: readonly PlanBuffer[],
  entry: PlanEntry,
  arenaSizes: readonly number[],
  align: number,
  maxArena: number,
  order: PlanMemoryOptions['order'],
): EntryPacking {
  const liveness = entryLiveness(entry, buffers);
  const everything: Lifetime = { first: -1, last: liveness.steps };
  const lifeOf = (b: PlanBuffer): Lifetime => liveness.lifetimes.get(b.id) ?? everything;
  const neighbours = new Map<number, number[]>();
  const link = (from: number, to: number): void => {
    const list = neighbours.get(from);
    if (list) list.push(to);
    else neighbours.set(from, [to]);
  };
  for (const [a, b] of liveness.conflicts) {
    link(a, b);
    link(b, a);
  }
  const bySize = order === 'size' || (order === undefined && own.length <= SIZE_ORDER_LIMIT);
  const placing = [...own].sort(
    bySize
      ? (a, b) => b.bytes - a.bytes || lifeOf(a).first - lifeOf(b).first || a.id - b.id
      : (a, b) => lifeOf(a).first - lifeOf(b).first || b.bytes - a.bytes || a.id - b.id,
  );
  const newIndex = (): SliceIndex => (bySize ? new ArenaSlices() : new ActiveSlices());
  const sizes = [...arenaSizes];
  const byArena: SliceIndex[] = sizes.map(newIndex);
  const arenaOf = new Map<number, number>();
  const placed: Placed[] = [];
  for (const b of placing) {
    const life = lifeOf(b);
    const forbidden = new Set((neighbours.get(b.id) ?? []).map((n) => arenaOf.get(n)).filter((a) => a !== undefined));
    let choice: { arena: number; offset: number; growth: number; waste: number } | undefined;
    for (let a = 0; a < sizes.length; a++) {
      if (forbidden.has(a)) continue;
      const fit = bestFit(byArena[a].liveDuring(life), b.bytes, align);
      if (fit.offset + b.bytes > maxArena) continue;
      const growth = Math.max(0, fit.offset + b.bytes - sizes[a]);
      const better = !choice || growth < choice.growth || (growth === choice.growth && fit.waste < choice.waste);
      if (better) choice = { arena: a, offset: fit.offset, growth, waste: fit.waste };
    }
    if (!choice) {
      sizes.push(0);
      byArena.push(newIndex());
      choice = { arena: sizes.length - 1, offset: 0, growth: b.bytes, waste: Infinity };
    }
    const p: Placed = { buffer: b.id, arena: choice.arena, offset: choice.offset, end: choice.offset + b.bytes, life };
    byArena[choice.arena].add(p);
    placed.push(p);
    arenaOf.set(b.id, choice.arena);
    sizes[choice.arena] = Math.max(sizes[choice.arena], p.end);
  }
  const ends = new Map<number, number>();
  for (const p of placed) ends.set(p.arena, Math.max(ends.get(p.arena) ?? 0, p.end));
  const extent = [...ends.values()].reduce((sum, e) => sum + e, 0);
  return { placed, sizes, extent };
}

export interface PlanMemoryOptions {
  /**
   * Pack per-call buffers into shared arenas (-O1 and above). Without packing (-O0)
   * every buffer keeps a GPUBuffer of its own and the stats are filled in the same
   * way, so reports at every level compare like with like. 'always' packs even
   * where padding makes it cost more (tests use it to put every kernel's outputs
   * over bytes that held other tensors).
   */
  readonly pack?: boolean | 'always';
  /** Placement order; default 'size' up to SIZE_ORDER_LIMIT buffers per entry, else 'first-use'. */
  readonly order?: 'size' | 'first-use';
}

/** Assigns every buffer of `plan` a slice of an arena (see the steps above) and fills in each entry's peak and naive bytes. */
export function planMemory(plan: Plan, limits: MemoryLimits = {}, options: PlanMemoryOptions = {}): Plan {
  const align = Math.max(SLICE_ALIGNMENT, limits.minStorageBufferOffsetAlignment ?? 0);
  const maxBinding = limits.maxStorageBufferBindingSize ?? DEFAULT_MAX_BINDING;
  // An arena stays within one binding's reach as well as one buffer's, so a kernel
  // could bind a whole arena (one tensor never needs more than maxBinding anyway).
  const maxArena = Math.min(limits.maxBufferSize ?? DEFAULT_MAX_BUFFER, maxBinding);
  plan.buffers.forEach((b, index) => {
    if (b.id !== index)
      throw new Error(
        `${plan.model}: buffer '${b.name}' has id ${b.id} at index ${index}; plan.layout is indexed by id`,
      );
  });
  // The lowering refuses, located in the user's file, any tensor over WebGPU's default
  // binding size (compiler/lower/limits.ts); this catches plans built some other way.
  const limitSource = limits.maxStorageBufferBindingSize === undefined ? "WebGPU's default" : 'the limit planned for';
  for (const b of plan.buffers) {
    if (b.bytes > maxBinding) {
      throw new DlcError(
        `${plan.model}: buffer '${b.name}' (${b.dtype}[${b.shape.join(',')}]) needs ${b.bytes} bytes, ` +
          `more than maxStorageBufferBindingSize = ${maxBinding} (${limitSource})`,
      );
    }
  }

  const entryNames = new Set(plan.entries.map((e) => e.name));
  const packable = (b: PlanBuffer): boolean => isPerCall(b.kind) && b.entry !== undefined && entryNames.has(b.entry);
  const layout: (BufferSlice | undefined)[] = plan.buffers.map(() => undefined);
  let tempSizes: number[] = [];
  const ownArenas: { buffer: PlanBuffer }[] = [];
  const residentBytes = plan.buffers
    .filter((b) => !packable(b) && b.kind !== 'view')
    .reduce((sum, b) => sum + b.bytes, 0);
  const stats = new Map<string, { peakBytes: number; naiveBytes: number }>();

  for (const entry of plan.entries) {
    const own = plan.buffers.filter((b) => b.entry === entry.name && isPerCall(b.kind));
    const naive = own.reduce((sum, b) => sum + b.bytes, 0);
    const packing =
      options.pack === false
        ? undefined
        : packEntry(plan.buffers, own, entry, tempSizes, align, maxArena, options.order);
    if (packing && (options.pack === 'always' || packing.extent < naive)) {
      tempSizes = packing.sizes;
      for (const p of packing.placed)
        layout[p.buffer] = { arena: p.arena, offset: p.offset, size: plan.buffers[p.buffer].bytes };
      stats.set(entry.name, { peakBytes: residentBytes + packing.extent, naiveBytes: residentBytes + naive });
    } else {
      for (const b of own) ownArenas.push({ buffer: b });
      stats.set(entry.name, { peakBytes: residentBytes + naive, naiveBytes: residentBytes + naive });
    }
  }

  const arenas: PlanArena[] = tempSizes.map((bytes, k) => ({ name: `temp.${k}`, bytes }));
  const giveOwnArena = (b: PlanBuffer): void => {
    layout[b.id] = { arena: arenas.length, offset: 0, size: b.bytes };
    arenas.push({ name: b.name, bytes: b.bytes });
  };
  const inView = new Set(plan.buffers.flatMap((b) => (b.members ?? []).map((m) => m.buffer)));
  for (const b of plan.buffers) {
    if (packable(b) || inView.has(b.id)) continue;
    const arena = arenas.length;
    giveOwnArena(b);
    for (const m of b.members ?? []) layout[m.buffer] = { arena, offset: m.offset, size: plan.buffers[m.buffer].bytes };
  }
  for (const { buffer } of ownArenas) giveOwnArena(buffer);

  return {
    ...plan,
    arenas,
    layout: layout as BufferSlice[],
    entries: plan.entries.map((e) => {
      const textures = entryTextureBytes(plan, e);
      return {
        ...e,
        stats: { ...e.stats, ...stats.get(e.name)!, ...(textures > 0 ? { textureBytes: textures } : {}) },
      };
    }),
  };
}

/** Bytes of an operand texture (rgba32float: 16 a texel). */
export function textureBytes(t: PlanTexture): number {
  return t.width * t.height * 16;
}

/** The operand textures an entry's dispatches (loop bodies included) upload into. */
export function entryTextures(plan: Plan, entry: PlanEntry): PlanTexture[] {
  const ids = new Set<number>();
  const visit = (steps: readonly Step[]): void => {
    for (const s of steps) {
      if (s.kind === 'dispatch') for (const t of s.textures ?? []) ids.add(t.texture);
      else if (s.kind === 'loop') visit(s.body);
    }
  };
  visit(entry.steps);
  return (plan.textures ?? []).filter((t) => ids.has(t.id));
}

function entryTextureBytes(plan: Plan, entry: PlanEntry): number {
  return entryTextures(plan, entry).reduce((sum, t) => sum + textureBytes(t), 0);
}

/** Bytes a plan allocates (all arenas and operand textures) against the sum of all its tensors. */
export function memoryTotals(plan: Plan): { plannedBytes: number; naiveBytes: number } {
  return {
    plannedBytes:
      plan.arenas.reduce((sum, a) => sum + a.bytes, 0) +
      (plan.textures ?? []).reduce((sum, t) => sum + textureBytes(t), 0),
    naiveBytes: plan.buffers.filter((b) => b.kind !== 'view').reduce((sum, b) => sum + b.bytes, 0),
  };
}
