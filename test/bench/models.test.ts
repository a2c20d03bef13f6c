// The benchmark's dlc column compiles bench/models/*.dl; check here that each
// still loads, lowers and plans, with the `step` entry the benchmark runs and the
// input names it feeds, so a language change breaks a test rather than the table.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadProgram } from '../../dsl/index';
import { lowerModelProgram } from '../../compiler/lower/model';
import { DEFAULT_LIMITS, generatePlan } from '../../compiler/codegen/generate-plan';
import '../../compiler/ops/index';
import { MODELS } from '../../bench/models';

const INPUTS: Record<string, string[]> = { mlp: ['x', 'y'], adam_mlp: ['x', 'y'], lenet: ['x', 'y'], rbm: ['v0'] };

describe('benchmark models', () => {
  it.each(MODELS.map((m) => [m]))('%s compiles with a train entry `step`', (name) => {
    const loaded = loadProgram(join(__dirname, '../../bench/models', `${name}.dl`));
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const lowered = lowerModelProgram(loaded.program!);
    expect(lowered.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const entry = lowered.program!.entries.find((e) => e.name === 'step');
    expect(entry?.kind).toBe('train');
    const inputs = entry!.graph.args.filter((a) => a.kind === 'input').map((a) => a.name);
    expect(inputs.sort()).toEqual([...INPUTS[name]].sort());
    const batch = entry!.graph.args.find((a) => a.kind === 'input')!.value.type.shape[0];
    expect(batch).toBe(128);
    const plan = generatePlan(lowered.program!, { family: 'register', limits: DEFAULT_LIMITS });
    expect(plan.entries.map((e) => e.name)).toContain('step');
  });
});
