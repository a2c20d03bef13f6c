// Planned plans run on the device (llvmpipe here): the same kernels bound through the
// packed layout give bit-identical outputs and persistent tensors to the unplanned
// plan over several calls; and the -O1 pipeline plus planning agrees with -O0
// within f32 tolerance.
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import type { Program } from '../../../compiler/ir/program';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { checkMemoryPlan } from '../../../compiler/memory/check';
import { isPerCall, planMemory } from '../../../compiler/memory/memory';
import { acquireDevice } from '../../../runtime/device';
import type { AcquiredDevice } from '../../../runtime/device';
import { Model } from '../../../runtime/model';
import type { Plan } from '../../../runtime/plan';
import { SAMPLE_PROGRAMS, sampleFeeds } from '../passes/sample-programs';
import { wideProgram, wideScanProgram } from './wide-program';

let device: Promise<AcquiredDevice> | undefined;

async function compile(program: Program, acquired: AcquiredDevice): Promise<Plan> {
  return generatePlan(program, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits });
}

type Snapshot = Record<string, number[]>;

/** Runs every entry `calls` times on fixed feeds; returns every output and, at the end, every persistent tensor. */
async function runAll(plan: Plan, program: Program, acquired: AcquiredDevice, calls = 2): Promise<Snapshot> {
  const model = await Model.create(JSON.parse(JSON.stringify(plan)) as Plan, { device: acquired.device, seed: 11 });
  const out: Snapshot = {};
  try {
    for (let call = 0; call < calls; call++) {
      for (const entry of program.entries) {
        const results = await model.run(entry.name, sampleFeeds(program, entry.name, 3 + call));
        for (const [name, v] of Object.entries(results))
          out[`${call}:${entry.name}.${name}`] = typeof v === 'number' ? [v] : Array.from(v);
      }
    }
    for (const [name, v] of Object.entries(await model.save())) out[`saved ${name}`] = Array.from(v);
  } finally {
    model.destroy();
  }
  return out;
}

const PROGRAMS = [
  ...SAMPLE_PROGRAMS,
  { name: 'wide (packs every entry)', make: wideProgram },
  { name: 'wide bptt (packs loop bodies)', make: wideScanProgram },
];

describe('memory-planned plans on the device', () => {
  for (const sample of PROGRAMS) {
    it(`${sample.name}: planned layout (packing forced) gives bit-identical results to one buffer per tensor`, async () => {
      const acquired = await (device ??= acquireDevice());
      const program = sample.make();
      const unplanned = await compile(program, acquired);
      // Forced, so the small sample programs (loops, swaps, generation) are packed too.
      const planned = planMemory(unplanned, acquired.limits, { pack: 'always' });
      expect(checkMemoryPlan(planned, Math.max(256, acquired.limits.minStorageBufferOffsetAlignment ?? 0))).toEqual([]);
      const want = await runAll(unplanned, program, acquired);
      const got = await runAll(planned, program, acquired);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const key of Object.keys(want)) expect(got[key], key).toEqual(want[key]);
    }, 120_000);
  }

  for (const make of [wideProgram, wideScanProgram]) {
    it(`${make.name}: placed in order of first use (as large entries are), results stay bit-identical`, async () => {
      const acquired = await (device ??= acquireDevice());
      const program = make();
      const unplanned = await compile(program, acquired);
      const planned = planMemory(unplanned, acquired.limits, { order: 'first-use' });
      expect(checkMemoryPlan(planned)).toEqual([]);
      expect(await runAll(planned, program, acquired)).toEqual(await runAll(unplanned, program, acquired));
    }, 120_000);

    it(`${make.name}: every entry packs its temporaries into at most 2/3 of their naive sum`, async () => {
      const acquired = await (device ??= acquireDevice());
      const planned = planMemory(await compile(make(), acquired), acquired.limits);
      const resident = planned.buffers.filter((b) => !isPerCall(b.kind)).reduce((sum, b) => sum + b.bytes, 0);
      for (const e of planned.entries) {
        expect(e.stats.peakBytes - resident).toBeLessThan((2 / 3) * (e.stats.naiveBytes - resident));
      }
    });
  }

  it('wide: -O1 and planned agrees with -O0 unplanned within f32 tolerance', async () => {
    const acquired = await (device ??= acquireDevice());
    const program = wideProgram();
    const { program: optimized } = optimizeProgram(program, { level: 1, dump: '' });
    const want = await runAll(await compile(program, acquired), program, acquired);
    const got = await runAll(planMemory(await compile(optimized, acquired), acquired.limits), optimized, acquired);
    for (const key of Object.keys(want)) {
      want[key].forEach((w, i) => {
        if (!(Math.abs(got[key][i] - w) <= 1e-4 * (1 + Math.abs(w))))
          throw new Error(`${key}[${i}]: ${got[key][i]} vs ${w}`);
      });
    }
  }, 120_000);
});
