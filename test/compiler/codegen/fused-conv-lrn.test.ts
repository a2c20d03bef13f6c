// LRN fused into the conv kernel (compiler/passes/fuse-conv.ts, emitConv2dNorm): the
// pass fuses conv → bias → relu → lrn when one invocation can hold every channel,
// and leaves it unfused otherwise; the fused kernel (and the value before the lrn it
// writes for the backward pass) agrees with the unfused plan on the device and with
// the float64 reference. alpha = 0.5 makes every neighbour count; 6 channels with a
// window of 5 clip it at both ends, and relu feeds zeros.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { lowerFile } from '../../../compiler/lower/index';
import type { Program } from '../../../compiler/ir/program';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { planReport } from '../../../compiler/codegen/report';
import { createReferenceRunner } from '../../../compiler/reference/runner';
import { acquireDevice } from '../../../runtime/device';
import { compareRecords, compileAt, runCalls } from '../differential/compile-run';
import type { Call, RunRecord } from '../differential/compile-run';
import { rng } from '../../helpers/rng';

const SOURCE = `
model lrn_conv(c_out = 6, groups = 1) {
  input x: f32[2, 2, 7, 7]
  input t: f32[2, c_out, 5, 5]
  layer c = conv(2, c_out, 3, groups = groups)
  fn f(x) = local_response_norm(relu(c(x)), 5, alpha = 0.5, beta = 0.75, k = 1)
  infer predict(x) -> y { y = f(x) }
  train step(x, t) -> loss {
    loss = mean((f(x) - t) ** 2)
    minimize loss with sgd(lr = 0.1)
  }
}
`;

function lower(defines: Record<string, number> = {}): Program {
  const lowered = lowerFile('lrn_conv.dl', { defines }, () => Buffer.from(SOURCE));
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  return lowered.program;
}

/** The op names of each top-level node of an entry after -O2 (fused nodes by their name). */
function kernelsOf(program: Program, entry: string): string[] {
  const graph = optimizeProgram(program, { level: 2 }).program.entries.find((e) => e.name === entry)!.graph;
  return graph.nodes.map((n) => (n.op === 'fused' ? String(n.attrs.name) : n.op));
}

const uniform = (n: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
};

const CALLS: readonly Call[] = [
  { entry: 'predict', inputs: { x: uniform(2 * 2 * 49, 1) } },
  { entry: 'step', inputs: { x: uniform(2 * 2 * 49, 2), t: uniform(2 * 6 * 25, 3) } },
  { entry: 'step', inputs: { x: uniform(2 * 2 * 49, 4), t: uniform(2 * 6 * 25, 5) } },
  { entry: 'predict', inputs: { x: uniform(2 * 2 * 49, 1) } },
];

describe('lrn fused into the conv kernel', () => {
  it('fuses conv → bias → relu → lrn, writing the value before the lrn where the backward pass reads it', () => {
    const program = lower();
    expect(kernelsOf(program, 'predict')).toEqual(['fused_conv2d_add_relu_lrn']);
    const step = optimizeProgram(program, { level: 2 }).program.entries.find((e) => e.name === 'step')!.graph;
    const fused = step.nodes.filter((n) => n.op === 'fused' && n.attrs.name === 'fused_conv2d_add_relu_lrn');
    expect(fused).toHaveLength(1);
    expect(fused[0].outputs).toHaveLength(2);
    expect(step.nodes.some((n) => n.op === 'lrn')).toBe(false);
  });

  it('leaves the lrn unfused when its channels do not fit one tile or the conv has groups', () => {
    expect(kernelsOf(lower({ c_out: 70 }), 'predict')).toEqual(['fused_conv2d_add_relu', 'lrn']);
    expect(kernelsOf(lower({ groups: 2 }), 'predict')).toEqual(['fused_conv2d_add_relu', 'lrn']);
  });

  it('agrees with the unfused plan on the device and with the float64 reference', async () => {
    const program = lower();
    const acquired = await acquireDevice();
    const unfused = await runCalls(compileAt(program, 0, acquired), CALLS, acquired);
    const plan = compileAt(program, 2, acquired);
    // What `dlc compile` reports: the lrn inside the conv kernel, in both entries.
    expect(planReport(plan).entries.map((e) => [e.name, e.lrn_fused, e.lrn_unfused])).toEqual([
      ['predict', 1, 0],
      ['step', 1, 0],
    ]);
    const fused = await runCalls(plan, CALLS, acquired);
    expect(compareRecords(unfused, fused)).toEqual([]);

    // The reference starts from the device's initial params (its own draws differ).
    const initial = await runCalls(compileAt(program, 2, acquired), [], acquired);
    const ref = createReferenceRunner(program, 3);
    ref.load(Object.fromEntries([...initial].map(([k, v]) => [k.slice('saved '.length), Float32Array.from(v)])));
    const reference: RunRecord = new Map();
    const flat = (v: unknown): Float64Array =>
      Float64Array.from(typeof v === 'number' ? [v] : (v as ArrayLike<number>));
    for (const [k, call] of CALLS.entries())
      for (const [name, v] of Object.entries(await ref.run(call.entry, call.inputs)))
        reference.set(`${k}:${call.entry}.${name}`, flat(v));
    for (const [name, v] of Object.entries(await ref.save())) reference.set(`saved ${name}`, flat(v));
    expect(compareRecords(reference, fused)).toEqual([]);
  }, 60_000);
});
