// The fuse-updates pass (compiler/passes/fuse-updates.ts) on the bench's Adam MLP:
// the graph verifies after every pass; the update becomes fused nodes of pattern
// 'update' whose kernels stay within the binding limit (the params and slots in one
// view binding: one kernel for all six params at 16 bindings, two at the portable 8;
// each param, slot and the step count assigned from them; a third of the dispatches);
// the reference interpreter gives the same values as the unfused graph; the option
// turns it on or off (default: by kernel family, and for the register family only
// where it saves a kernel per param); `dlc compile --json` reports the dispatches saved.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { compileProgram } from '../../../compiler/driver';
import type { Program } from '../../../compiler/ir/program';
import type { Graph, Node } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import { lowerFile } from '../../../compiler/lower/index';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { planReport } from '../../../compiler/codegen/report';
import { parseCompileArgs } from '../../../compiler/cli/commands/compile';
import { execute } from '../../../compiler/reference/execute';
import type { Tensor } from '../../../compiler/ops/registry';

function lowerAdamMlp(): Program {
  const lowered = lowerFile('bench/models/adam_mlp.dl', { defines: { batch: 4 } });
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  return lowered.program;
}

const updates = (g: Graph): Node[] => g.nodes.filter((n) => n.op === 'fused' && n.attrs.pattern === 'update');
const LIMITS = { maxStorageBuffersPerShaderStage: 16 };

describe('fuse-updates', () => {
  const program = lowerAdamMlp();

  it('fuses the Adam update of six params into one kernel within 16 bindings, two within 8; the graph verifies', () => {
    const portable = optimizeProgram(program, { level: 2, onStage: (s) => verifyGraph(s.graph) }).program;
    expect(updates(portable.entries[0].graph).map((n) => n.attrs.name)).toEqual(['fused_update_4', 'fused_update_2']);
    const { program: optimized } = optimizeProgram(program, {
      level: 2,
      limits: LIMITS,
      onStage: (s) => verifyGraph(s.graph),
    });
    const graph = optimized.entries[0].graph;
    const fused = updates(graph);
    expect(fused.map((n) => n.attrs.name)).toEqual(['fused_update_6']);
    // Every param and slot is assigned a value one of the update nodes makes.
    const assigned = graph.nodes.filter((n) => n.op === 'assign' && fused.includes(n.inputs[0].def!));
    expect(assigned.map((n) => String(n.attrs.target)).sort()).toEqual(
      ['fc1.W', 'fc1.b', 'fc2.W', 'fc2.b', 'out.W', 'out.b']
        .flatMap((p) => [p, `step.${p}.m`, `step.${p}.v`])
        .concat(['step.adam.step'])
        .sort(),
    );
  });

  it('computes what the unfused graph computes (reference interpreter)', () => {
    const entry = program.entries[0];
    const fusedGraph = optimizeProgram(program, { level: 2, limits: LIMITS }).program.entries[0].graph;
    const plainGraph = optimizeProgram(program, { level: 2, limits: LIMITS, fuseUpdates: false }).program.entries[0]
      .graph;
    expect(updates(plainGraph)).toEqual([]);
    let s = 7;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const feeds: Record<string, Tensor> = {};
    for (const a of entry.graph.args) {
      const n = a.value.type.shape.reduce((x, y) => x * y, 1);
      const data =
        a.kind === 'input' && a.value.type.dtype === 'i32'
          ? Float64Array.from({ length: n }, (_, i) => i % 10)
          : Float64Array.from({ length: n }, next);
      feeds[a.name] = { type: a.value.type, data };
    }
    const want = execute(plainGraph, feeds);
    const got = execute(fusedGraph, feeds);
    expect(Object.keys(got.assigns).sort()).toEqual(Object.keys(want.assigns).sort());
    for (const [name, t] of Object.entries(want.assigns)) expect([...got.assigns[name]!.data]).toEqual([...t.data]);
  });

  it('reports the dispatches without it, and --fuse-updates on/off chooses, by family by default', () => {
    const on = planReport(compileProgram(program, { family: 'register', limits: LIMITS, fuseUpdates: true }).plan)
      .entries[0];
    const off = planReport(compileProgram(program, { family: 'register', limits: LIMITS, fuseUpdates: false }).plan)
      .entries[0];
    expect(on.dispatches_unfused_updates).toBe(off.dispatches);
    expect(off.dispatches_unfused_updates).toBeUndefined();
    // Issue 21: 53 dispatches a step when it was filed (each update op a kernel); 17
    // with the pass. Elementwise fusion alone now merges each param's chain: 30.
    expect(on.dispatches * 3).toBeLessThanOrEqual(53);
    expect(on.dispatches).toBeLessThan(off.dispatches);
    expect(parseCompileArgs(['m.dl', '-o', 'out']).fuseUpdates).toBeUndefined();
    expect(parseCompileArgs(['m.dl', '-o', 'out', '--fuse-updates', 'off']).fuseUpdates).toBe(false);
    expect(parseCompileArgs(['m.dl', '-o', 'out', '--fuse-updates=on']).fuseUpdates).toBe(true);
    expect(() => parseCompileArgs(['m.dl', '-o', 'out', '--fuse-updates', 'yes'])).toThrow(
      /^--fuse-updates must be on or off, got 'yes'$/,
    );
    // On by default for GPUs (the shared family); for CPU adapters (register) only where it
    // saves a kernel per param: Adam's updates, not SGD momentum's (free in the matmul epilogues).
    const byFamily = (p: Program, family: 'register' | 'shared') =>
      planReport(compileProgram(p, { family, limits: LIMITS }).plan).entries[0].dispatches_unfused_updates;
    expect(byFamily(program, 'shared')).toBe(off.dispatches);
    expect(byFamily(program, 'register')).toBe(off.dispatches);
    const sgd = lowerFile('bench/models/mlp.dl', { defines: { batch: 4 } }).program!;
    expect(byFamily(sgd, 'register')).toBeUndefined();
    const sgdOn = planReport(compileProgram(sgd, { family: 'register', limits: LIMITS, fuseUpdates: true }).plan);
    expect(sgdOn.entries[0].dispatches_unfused_updates).toBeGreaterThan(sgdOn.entries[0].dispatches);
  });
});
