// The benchmark rbm's training step (bench/models/rbm.dl) at small sizes, compiled at
// -O2 and run on the device, against the reference executor on the lowered program:
// the cost and every updated parameter and momentum slot agree. At -O2 its `h @ W.T`
// reads W through transpose_b (compiler/passes/simplify.ts) and its `v @ a` products
// (n == 1) run on the matrix-vector kernel (compiler/codegen/kernels/matvec.ts).
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import { lowerFile } from '../../../compiler/lower/index';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import type { Tensor } from '../../../compiler/ops/registry';
import { acquireDevice } from '../../../runtime/device';
import { Executor } from '../../../runtime/executor';

const SEED = 7;

function lcg(n: number, seed: number, scale: number, offset: number): Float32Array {
  let s = seed;
  return Float32Array.from(
    { length: n },
    () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), (s / 2 ** 32) * scale + offset),
  );
}

function expectClose(what: string, got: ArrayLike<number> | number, want: Tensor): void {
  const g = typeof got === 'number' ? [got] : Array.from(got);
  expect(g.length, what).toBe(want.data.length);
  g.forEach((x, i) => {
    const w = want.data[i];
    if (!(Math.abs(x - w) <= 1e-4 * (1 + Math.abs(w)))) throw new Error(`${what}[${i}]: device ${x}, reference ${w}`);
  });
}

describe('bench rbm step at -O2 on the device', () => {
  it('matches the reference executor: cost, W, a, b and their momentum after two steps', async () => {
    const lowered = lowerFile('bench/models/rbm.dl', { defines: { batch: 8, nv: 20, nh: 12 } });
    if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
    const program = lowered.program;
    const optimized = optimizeProgram(program, { level: 2, dump: '' }).program;
    const acquired = await acquireDevice();
    const plan = generatePlan(optimized, {
      family: acquired.software ? 'register' : 'shared',
      limits: acquired.limits,
    });
    const names = plan.kernels.map((k) => k.name);
    expect(names.some((n) => n.startsWith('transpose'))).toBe(false);
    if (acquired.software) expect(names.filter((n) => n.endsWith('_matvec')).length).toBe(4);

    const exec = await Executor.create(JSON.parse(JSON.stringify(plan)), { device: acquired.device, seed: SEED });
    try {
      // Parameters large enough that the hidden and visible probabilities spread over (0, 1).
      exec.writeTensors(
        { W: lcg(20 * 12, 3, 1, -0.5), a: lcg(20, 4, 1, -0.5), b: lcg(12, 5, 1, -0.5) },
        'test parameters',
      );
      const persistent = exec.persistentNames();
      const start = await exec.readTensors(persistent);
      let state: Record<string, Tensor> = {};
      for (const p of program.persistent) state[p.name] = tensor(p.type, start[p.name]);
      const v0 = lcg(8 * 20, 9, 1, 0).map((x) => (x < 0.4 ? 1 : 0));
      const feeds = { v0: tensor({ dtype: 'f32', shape: [8, 20] }, v0) };
      for (let step = 0; step < 2; step++) {
        const out = await exec.run('step', { v0 });
        const ref = executeEntry(program, 'step', feeds, state, { precision: 'f32', seed: SEED, step });
        expectClose(`step ${step} cost`, out.cost as number, ref.results.cost);
        state = { ...state, ...ref.assigns };
      }
      const after = await exec.readTensors(persistent);
      expect(persistent.sort()).toEqual(['W', 'a', 'b', 'step.W.momentum', 'step.a.momentum', 'step.b.momentum']);
      for (const name of persistent) expectClose(name, after[name], state[name]);
    } finally {
      exec.destroy();
    }
  });
});
