// One shard of the random-graph differential test: `models` random models of
// `graphs` graphs each, every entry called once at -O0 and at -O2 (memory-planned),
// and once more at -O2 through the bounds probe (every buffer between sentinel
// guards). The shards run as separate test files so vitest spreads them over forks.
import { expect, it } from 'vitest';
import { PRELUDE_SOURCE } from '../../../dsl/prelude';
import { acquireDevice } from '../../../runtime/device';
import { runGuarded } from '../../helpers/guarded-plan';
import { lowerSource } from '../lower/helpers';
import { compareRecords, compileAt, runCalls, type Call } from './compile-run';
import { randomModel } from './random-models';

const SEED = 3;

export function randomShard(shard: number, models: number, graphs: number): void {
  it(`shard ${shard}: ${models * graphs} random graphs agree at -O0 and -O2, and no kernel writes outside its bindings`, async () => {
    const acquired = await acquireDevice();
    let checked = 0;
    let looped = 0;
    let kernels = 0;
    const failures: string[] = [];
    for (let m = 0; m < models; m++) {
      const seed = 1000 * shard + m;
      const model = randomModel(seed, graphs);
      const lowered = lowerSource(model.source, {}, PRELUDE_SOURCE);
      const errors = lowered.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.span.line}:${d.span.col} ${d.message}`);
      expect(errors, `random model ${seed}`).toEqual([]);
      const calls: Call[] = [];
      for (const g of model.graphs) {
        calls.push({ entry: g.train, inputs: g.inputs });
        if (g.infer)
          calls.push({
            entry: g.infer,
            inputs: Object.fromEntries(Object.entries(g.inputs).filter(([k]) => !/_[yt]$/.test(k))),
          });
      }
      const o0 = await runCalls(compileAt(lowered.program!, 0, acquired), calls, acquired, SEED);
      const plan2 = compileAt(lowered.program!, 2, acquired);
      const o2 = await runCalls(plan2, calls, acquired, SEED);
      const probe = await runGuarded(plan2, calls, acquired.device, SEED);
      kernels += probe.kernelsProbed;
      failures.push(...compareRecords(o0, o2).map((p) => `model ${seed}: ${p}`));
      failures.push(...compareRecords(o0, probe.record).map((p) => `model ${seed} (guarded -O2 run): ${p}`));
      failures.push(...probe.violations.map((v) => `model ${seed}: ${v}`));
      checked += model.graphs.length;
      looped += model.graphs.filter((g) => g.loop).length;
    }
    console.log(
      `differential shard ${shard}: ${checked} random graphs (${looped} with loops) agree at -O0 and -O2; ${kernels} -O2 dispatches bounds-probed`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(checked).toBe(models * graphs);
  }, 900_000);
}
