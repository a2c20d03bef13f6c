// Multi-tensor update fusion (compiler/passes/fuse-updates.ts) on the device: a small
// MLP trained by every optimizer and modifier, compiled at -O2 with and without the
// fused update kernels (for the portable binding limit, which splits them into
// chunks, and for the adapter's), run from the same seed on the same feeds, ends
// with bit-identical outputs, params and slots; the pass keeps its kernels only where
// they take fewer dispatches (with the adapter's limits: every case but SGD with max_norm).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dispatchSteps } from '../../../compiler/codegen/stats';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import type { Program } from '../../../compiler/ir/program';
import { lowerFile } from '../../../compiler/lower/index';
import { planMemory } from '../../../compiler/memory/memory';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import type { AcquiredDevice } from '../../../runtime/device';
import { acquireDevice } from '../../../runtime/device';
import type { Plan } from '../../../runtime/plan';
import { compareRecords, runCalls } from './compile-run';
import { exampleCalls } from './example-cases';

const ROOT = '/fuse-updates.dl';

function lowerWith(optimizer: string): Program {
  const source = `model m(batch = 4) {
  input x: f32[batch, 6]
  input y: i32[batch]
  layer fc1 = dense(6, 5)
  layer fc2 = dense(5, 3)
  fn logits(x) = x |> fc1 |> relu |> fc2
  train step(x, y) -> loss {
    loss = mean(cross_entropy(logits(x), y))
    minimize loss with ${optimizer}
  }
}
`;
  const lowered = lowerFile(ROOT, {}, (p) => (p === ROOT ? new TextEncoder().encode(source) : readFileSync(p)));
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('\n'));
  return lowered.program;
}

function compile(program: Program, acquired: AcquiredDevice, fuseUpdates: boolean, adapterLimits: boolean): Plan {
  const limits = adapterLimits ? acquired.limits : undefined;
  const optimized = optimizeProgram(program, { level: 2, fuseUpdates, ...(limits ? { limits } : {}) }).program;
  const plan = generatePlan(optimized, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits });
  return JSON.parse(JSON.stringify(planMemory(plan, acquired.limits, { pack: true }))) as Plan;
}

const updateKernels = (plan: Plan): number => plan.kernels.filter((k) => k.name.startsWith('fused_update_')).length;
const dispatches = (plan: Plan): number => dispatchSteps(plan.entries[0].steps).length;

const OPTIMIZERS = [
  'sgd(lr = 0.1)',
  'sgd(lr = 0.1, momentum = 0.9)',
  'sgd(lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 0.001, max_norm = 1.5)',
  'adagrad(lr = 0.1, l1 = 0.001)',
  'rmsprop(lr = 0.01)',
  'rmsprop(lr = 0.01, momentum = 0.5, clip_norm = 1)',
  'adam(lr = 0.01)',
  'adam(lr = 0.01, weight_decay = 0.01) {\n      [fc1.b, fc2.b]: weight_decay = 0\n      [fc1.W]: lr = 0.001\n    }',
  'adam(lr = 0.01, max_norm = 2) over [fc2]',
  // vSGD's gradient matmul stores g over the W.gprev slot whose old value its epilogue reads.
  'vsgd()',
];

describe('fused optimizer updates against per-param kernels on the device', () => {
  for (const optimizer of OPTIMIZERS) {
    it(`${optimizer.split('\n')[0]}: bit-identical outputs, params and slots`, async () => {
      const acquired = await acquireDevice();
      const program = lowerWith(optimizer);
      const calls = exampleCalls(program);
      for (const adapterLimits of [false, true]) {
        const unfused = compile(program, acquired, false, adapterLimits);
        const fused = compile(program, acquired, true, adapterLimits);
        expect(updateKernels(unfused)).toBe(0);
        // The pass keeps its kernels only where they save dispatches (plain SGD's updates cost none in matmul epilogues).
        expect(updateKernels(fused) > 0).toBe(dispatches(fused) < dispatches(unfused));
        expect(dispatches(fused)).toBeLessThanOrEqual(dispatches(unfused));
        if (adapterLimits && !optimizer.includes('max_norm = 1.5')) expect(updateKernels(fused)).toBeGreaterThan(0);
        const want = await runCalls(unfused, calls, acquired, 5);
        const got = await runCalls(fused, calls, acquired, 5);
        expect(compareRecords(want, got, { abs: 0, rel: 0 })).toEqual([]);
      }
    }, 600_000);
  }
});
