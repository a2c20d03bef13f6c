// Multi-tensor update fusion (compiler/passes/fuse-updates.ts) on the device: a small
// MLP trained by every optimizer and modifier, compiled at -O2 with and without the
// fused update kernels (for the portable binding limit, which splits them into
// chunks, and for the adapter's), run from the same seed on the same feeds, ends
// with bit-identical outputs, params and slots; the pass keeps its kernels only where
// they take fewer dispatches (with the adapter's limits: every case but SGD with max_norm).
// Its tensors have sizes that are multiples of 4 (fc2: 20 and 4 elements, whole vec4s)
// and sizes that are not (fc1: 30 and 5, a partial last quad), and the params and
// slots written in place lie in a view (compiler/codegen/update-arena.ts) whose memory
// layout passes checkMemoryPlan; a model of the fused plan saves and loads
// safetensors interchangeably with one of the per-param plan.
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
import { checkMemoryPlan } from '../../../compiler/memory/check';
import { Model } from '../../../runtime/model';
import { compareRecords, runCalls } from './compile-run';
import { exampleCalls } from './example-cases';

const ROOT = '/fuse-updates.dl';

function lowerWith(optimizer: string): Program {
  return lowerSource(`model m(batch = 4) {
  input x: f32[batch, 6]
  input y: i32[batch]
  layer fc1 = dense(6, 5)
  layer fc2 = dense(5, 4)
  fn logits(x) = x |> fc1 |> relu |> fc2
  train step(x, y) -> loss {
    loss = mean(cross_entropy(logits(x), y))
    minimize loss with ${optimizer}
  }
}
`);
}

function lowerSource(source: string): Program {
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
        expect(checkMemoryPlan(fused)).toEqual([]);
        const want = await runCalls(unfused, calls, acquired, 5);
        const got = await runCalls(fused, calls, acquired, 5);
        expect(compareRecords(want, got, { abs: 0, rel: 0 })).toEqual([]);
      }
    }, 600_000);
  }

  it('adam: one update kernel binding a view of every param and slot; safetensors move between the plans', async () => {
    const acquired = await acquireDevice();
    const program = lowerWith('adam(lr = 0.01)');
    const calls = exampleCalls(program).filter((c) => c.entry === 'step');
    const fused = compile(program, acquired, true, true);
    const unfused = compile(program, acquired, false, true);
    expect(updateKernels(fused)).toBe(1);
    const views = fused.buffers.filter((b) => b.kind === 'view');
    expect(views.map((v) => (v.members ?? []).map((m) => fused.buffers[m.buffer].name).sort())).toEqual([
      ['fc1.W', 'fc1.b', 'fc2.W', 'fc2.b'].flatMap((p) => [p, `step.${p}.m`, `step.${p}.v`]).sort(),
    ]);
    const update = dispatchSteps(fused.entries[0].steps).find((d) =>
      fused.kernels[d.kernel].name.startsWith('fused_update_'),
    );
    expect(update?.writes).toContain(views[0].id);

    // Train the fused model, move its weights and slots into a per-param model and back; both go on alike.
    const a = await Model.create(fused, { device: acquired.device, seed: 3 });
    const b = await Model.create(unfused, { device: acquired.device, seed: 3 });
    try {
      for (const call of calls) await a.run(call.entry, call.inputs);
      b.loadSafetensors(await a.saveSafetensors(), 'fused.safetensors');
      expect(await b.save()).toEqual(await a.save());
      for (const call of calls) {
        expect(await b.run(call.entry, call.inputs)).toEqual(await a.run(call.entry, call.inputs));
      }
      a.loadSafetensors(await b.saveSafetensors(), 'unfused.safetensors');
      expect(await a.params()).toEqual(await b.params());
    } finally {
      a.destroy();
      b.destroy();
    }
  }, 600_000);

  it('two entries training the same params: only the slots of each entry lie in a view, bit-identical', async () => {
    const acquired = await acquireDevice();
    const program = lowerSource(`model m(batch = 4) {
  input x: f32[batch, 6]
  input y: i32[batch]
  layer fc1 = dense(6, 4)
  train first(x, y) -> loss {
    loss = mean(cross_entropy(fc1(x), y))
    minimize loss with adam(lr = 0.01)
  }
  train second(x, y) -> loss {
    loss = mean(cross_entropy(relu(fc1(x)), y))
    minimize loss with adam(lr = 0.02)
  }
}
`);
    const calls = exampleCalls(program);
    const unfused = compile(program, acquired, false, true);
    const fused = compile(program, acquired, true, true);
    expect(updateKernels(fused)).toBe(2);
    const members = fused.buffers
      .filter((b) => b.kind === 'view')
      .map((v) => (v.members ?? []).map((m) => fused.buffers[m.buffer].name).sort());
    expect(members).toEqual(
      ['first', 'second'].map((e) => ['fc1.W', 'fc1.b'].flatMap((p) => [`${e}.${p}.m`, `${e}.${p}.v`]).sort()),
    );
    expect(checkMemoryPlan(fused)).toEqual([]);
    const want = await runCalls(unfused, calls, acquired, 5);
    const got = await runCalls(fused, calls, acquired, 5);
    expect(compareRecords(want, got, { abs: 0, rel: 0 })).toEqual([]);
  }, 600_000);
});
