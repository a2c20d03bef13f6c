// The bounds probe (test/helpers/guarded-plan.ts) over every generated kernel of
// every example at -O0 and -O2: each buffer sits between sentinel-filled guards,
// its binding widened over the guard after it, and after two rounds of every
// entry no guard word has changed. First, the probe itself: a hand-written kernel
// that writes one element past its output is caught, and its in-bounds twin is not.
import { describe, expect, it } from 'vitest';
import { acquireDevice } from '../../runtime/device';
import type { Plan } from '../../runtime/plan';
import { runGuarded } from '../helpers/guarded-plan';
import { compileAt } from './differential/compile-run';
import { EXAMPLE_CASES, exampleCalls, lowerCase } from './differential/example-cases';

/** One entry, y = x over 4 elements, by a kernel that runs `limit` invocations. */
function copyPlan(limit: number): Plan {
  const wgsl = `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < ${limit}u) { Y[i] = X[min(i, 3u)]; }
}`;
  const f32x4 = { dtype: 'f32' as const, shape: [4] };
  return {
    version: 1,
    model: 'probe',
    buffers: [
      { id: 0, name: 'run.x', kind: 'input', ...f32x4, bytes: 16, entry: 'run' },
      { id: 1, name: 'run.y', kind: 'temp', ...f32x4, bytes: 16, entry: 'run' },
      { id: 2, name: 'scalars', kind: 'scalars', dtype: 'u32', shape: [2], bytes: 8 },
    ],
    arenas: [0, 1, 2].map((k) => ({ name: `a${k}`, bytes: 16 })),
    layout: [0, 1, 2].map((k) => ({ arena: k, offset: 0, size: k === 2 ? 8 : 16 })),
    kernels: [
      {
        id: 0,
        label: 'run/copy',
        name: 'copy',
        wgsl,
        workgroups: [1, 1, 1],
        usesScalars: false,
        origin: { nodes: [] },
      },
    ],
    scalarsBuffer: 2,
    scalars: [],
    entries: [
      {
        name: 'run',
        kind: 'infer',
        inputs: [{ name: 'x', ...f32x4, buffer: 0 }],
        outputs: [{ name: 'y', ...f32x4, buffer: 1 }],
        steps: [{ kind: 'dispatch', kernel: 0, bindings: [0, 1], writes: [1] }],
        stats: { kernels: 1, kernelsUnfused: 1, dispatches: 1, peakBytes: 32, naiveBytes: 32 },
      },
    ],
    requiredLimits: {},
  };
}

describe('bounds probe', () => {
  it('catches a kernel writing one element past its output, and passes its in-bounds twin', async () => {
    const { device } = await acquireDevice();
    const x = Float32Array.from([1, 2, 3, 4]);
    const good = await runGuarded(copyPlan(4), [{ entry: 'run', inputs: { x } }], device, 1);
    expect(good.violations).toEqual([]);
    expect(Array.from(good.record.get('0:run.y')!)).toEqual([1, 2, 3, 4]);
    const bad = await runGuarded(copyPlan(5), [{ entry: 'run', inputs: { x } }], device, 1);
    expect(bad.violations).toHaveLength(1);
    expect(bad.violations[0]).toMatch(/^run\.y \(16 bytes\): guard after it changed at byte 0 .*written by run\/copy$/);
  });

  for (const c of EXAMPLE_CASES) {
    it(`${c.name}: no kernel at -O0 or -O2 writes outside its bindings`, async () => {
      const acquired = await acquireDevice();
      const program = lowerCase(c);
      const calls = exampleCalls(program);
      const probed: string[] = [];
      for (const level of [0, 2] as const) {
        const run = await runGuarded(compileAt(program, level, acquired), calls, acquired.device, 5);
        expect(run.violations, `-O${level}`).toEqual([]);
        expect(run.kernelsProbed).toBeGreaterThan(0);
        probed.push(`${run.kernelsProbed} dispatches at -O${level}`);
      }
      console.log(`bounds probe ${c.name}: ${probed.join(', ')} left every guard untouched`);
    });
  }
});
