// Every example's entry points compiled at -O0 and at -O2 (memory-planned), run on
// the device from the same seed on the same feeds: every output of every call and
// every persistent tensor at the end agree within float32 tolerance.
import { describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../runtime/device';
import { compareRecords, compileAt, runCalls } from './compile-run';
import { EXAMPLE_CASES, exampleCalls, lowerCase } from './example-cases';

const SEED = 5;

describe('examples at -O0 and -O2 on the device', () => {
  for (const c of EXAMPLE_CASES) {
    it(`${c.name}: every entry's outputs and the trained tensors agree`, async () => {
      const acquired = await acquireDevice();
      const program = lowerCase(c);
      const calls = exampleCalls(program);
      const plan0 = compileAt(program, 0, acquired);
      const plan2 = compileAt(program, 2, acquired);
      const o0 = await runCalls(plan0, calls, acquired, SEED);
      const o2 = await runCalls(plan2, calls, acquired, SEED);
      expect(compareRecords(o0, o2)).toEqual([]);
      expect(o0.size).toBeGreaterThan(program.entries.length);
      console.log(
        `${c.name}: ${program.entries.map((e) => e.name).join(', ')} ×2 agree; kernels ${plan0.kernels.length} at -O0, ${plan2.kernels.length} at -O2`,
      );
    });
  }
});
