import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, generatePlan } from '../../../compiler/codegen/generate-plan';
import { checkMemoryPlan } from '../../../compiler/memory/check';
import { entryLiveness } from '../../../compiler/memory/lifetimes';
import { memoryTotals, planMemory } from '../../../compiler/memory/memory';
import type { Plan } from '../../../runtime/plan';
import { SLICE_ALIGNMENT } from '../../../runtime/plan';
import { SAMPLE_PROGRAMS } from '../passes/sample-programs';
import { randomPlan } from './random-plans';

function expectSound(plan: Plan, align = SLICE_ALIGNMENT): void {
  expect(checkMemoryPlan(plan, align)).toEqual([]);
  for (const e of plan.entries) expect(e.stats.peakBytes).toBeLessThanOrEqual(e.stats.naiveBytes);
  const totals = memoryTotals(plan);
  expect(totals.plannedBytes).toBeLessThanOrEqual(totals.naiveBytes);
}

describe('entryLiveness', () => {
  it('numbers steps in recording order; loop-local buffers live within an iteration, others across the outermost loop', () => {
    const plan = randomPlan(1);
    const d = (bindings: number[], write: number) => ({
      kind: 'dispatch' as const,
      kernel: 0,
      bindings,
      writes: [write],
    });
    const entry = {
      ...plan.entries[0],
      inputs: [{ name: 'x', dtype: 'f32' as const, shape: [1], buffer: 10 }],
      outputs: [{ name: 'y', dtype: 'f32' as const, shape: [1], buffer: 14 }],
      steps: [
        d([10, 11], 11), // 0
        {
          kind: 'loop' as const, // 1: span 1..7
          count: 3,
          reverse: false,
          label: 'outer',
          body: [
            d([11, 12], 12), // 2
            {
              kind: 'loop' as const, // 3: span 3..6
              count: 2,
              reverse: false,
              label: 'inner',
              body: [
                d([12, 15], 15), // 4
                d([15, 16], 16), // 5
                { kind: 'copy' as const, src: 16, dst: 13, srcOffset: 0, dstOffset: 0, bytes: 4 }, // 6
              ],
            },
            { kind: 'copy' as const, src: 13, dst: 17, srcOffset: 0, dstOffset: 0, dstOffsetPerIter: 4, bytes: 4 }, // 7
          ],
        },
        { kind: 'dispatch' as const, kernel: 0, bindings: [13, 17, 14], writes: [14] }, // 8
      ],
    };
    const live = entryLiveness(
      entry,
      Array.from({ length: 18 }, () => ({ bytes: 4 })),
    );
    expect(live.steps).toBe(9);
    expect(Object.fromEntries(live.lifetimes)).toEqual({
      10: { first: -1, last: 0 }, // uploaded before the pass
      11: { first: 0, last: 7 }, // read in the loop: lives through the outer loop
      12: { first: 2, last: 6 }, // written first in each outer iteration, read in the inner loop
      15: { first: 4, last: 5 }, // local to an inner iteration
      16: { first: 5, last: 6 },
      13: { first: 1, last: 8 }, // read after the loop: the outer loop's span and on
      17: { first: 1, last: 8 }, // written in part per iteration (stacked)
      14: { first: 8, last: 9 }, // read back after the pass
    });
    expect(live.conflicts).toEqual([
      [10, 11],
      [11, 12],
      [12, 15],
      [15, 16],
      [13, 16],
      [13, 17],
      [13, 14],
      [14, 17],
    ]);
  });
});

describe('planMemory', () => {
  for (const order of ['size', 'first-use'] as const) {
    it(`200 random plans placed by ${order}: no live overlap, aligned, no dispatch reads and writes one arena, peak <= naive`, () => {
      let packed = 0;
      for (let seed = 1; seed <= 200; seed++) {
        const plan = planMemory(randomPlan(seed), {}, { order });
        expectSound(plan);
        if (plan.arenas.some((a) => a.name.startsWith('temp.'))) packed++;
      }
      // Most random plans have enough large temporaries for packing to pay.
      expect(packed).toBeGreaterThan(150);
    });
  }

  it('honours a larger device offset alignment and the maximum buffer and binding sizes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const plan = planMemory(randomPlan(seed), { minStorageBufferOffsetAlignment: 1024, maxBufferSize: 40000 });
      expectSound(plan, 1024);
      for (const a of plan.arenas) expect(a.bytes).toBeLessThanOrEqual(40000);
      const bound = planMemory(randomPlan(seed), { maxStorageBufferBindingSize: 30000 });
      expectSound(bound);
      for (const a of bound.arenas) expect(a.bytes).toBeLessThanOrEqual(30000);
    }
  });

  it('rejects a tensor larger than the maximum binding size', () => {
    expect(() => planMemory(randomPlan(3), { maxStorageBufferBindingSize: 64 })).toThrow(
      /needs \d+ bytes, more than maxStorageBufferBindingSize = 64 \(the limit planned for\)/,
    );
  });

  it('checkMemoryPlan reports overlaps, misalignment and an arena read and written by one dispatch', () => {
    const plan = planMemory(randomPlan(7));
    expect(checkMemoryPlan(plan)).toEqual([]);
    const entry = plan.entries[0];
    const d = entry.steps.find((s) => s.kind === 'dispatch')!;
    if (d.kind !== 'dispatch') throw new Error('unreachable');
    const [w] = d.writes;
    const r = d.bindings.find((b) => !d.writes.includes(b))!;
    const together = plan.layout.map((s, id) => (id === r ? { ...plan.layout[w] } : s));
    const problems = checkMemoryPlan({ ...plan, layout: together });
    expect(problems.some((p) => p.includes('live together in overlapping bytes'))).toBe(true);
    expect(problems.some((p) => p.includes('which it writes'))).toBe(true);
    const shared = plan.layout.findIndex((s, id) => plan.layout.some((t, j) => j !== id && t.arena === s.arena));
    const misaligned = plan.layout.map((s, id) => (id === shared ? { ...s, offset: s.offset + 4 } : s));
    expect(checkMemoryPlan({ ...plan, layout: misaligned }).some((p) => p.includes('is not a multiple of 256'))).toBe(
      true,
    );
  });

  for (const sample of SAMPLE_PROGRAMS) {
    it(`${sample.name}: the generated plan packs soundly`, () => {
      const unplanned = generatePlan(sample.make(), { family: 'register', limits: DEFAULT_LIMITS });
      const plan = planMemory(unplanned);
      expectSound(plan);
      expect(plan.buffers).toBe(unplanned.buffers);
      expect(plan.entries.map((e) => e.steps)).toEqual(unplanned.entries.map((e) => e.steps));
    });
  }
});
