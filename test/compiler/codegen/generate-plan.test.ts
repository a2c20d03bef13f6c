// The plan's structure: labels naming IR node and span, loop steps with their
// per-iteration copies, persistent buffers with initializers, JSON round trip.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, generatePlan } from '../../../compiler/codegen/generate-plan';
import { printPlanWgsl } from '../../../compiler/codegen/print';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Step } from '../../../runtime/plan';
import { mlpProgram, scanProgram } from './programs';

const options = { family: 'register' as const, limits: DEFAULT_LIMITS };

describe('generatePlan', () => {
  it('labels every kernel with its entry, IR node and .dl span', () => {
    const program = mlpProgram();
    const b = new GraphBuilder('predict');
    const x = b.arg('input', 'x', { dtype: 'f32', shape: [2] });
    const y = b.withSpan({ file: 'm.dl', line: 3, col: 7, endLine: 3, endCol: 12 }, () => b.op('exp', [x]));
    const plan = generatePlan(
      { ...program, entries: [{ name: 'predict', kind: 'infer', graph: b.finish({ y }) }] },
      options,
    );
    expect(plan.kernels.map((k) => k.label)).toEqual([`predict/%${y.def!.id} exp_2 @ m.dl:3:7`]);
    expect(plan.kernels[0].origin).toEqual({
      nodes: [{ id: y.def!.id, op: 'exp' }],
      span: { file: 'm.dl', line: 3, col: 7, endLine: 3, endCol: 12 },
    });
    expect(plan.kernels[0].wgsl).toContain('if (i >= 2u) { return; }');
  });

  it('lays out persistent tensors, scalars and entry buffers, and survives JSON', () => {
    const plan = generatePlan(mlpProgram(), options);
    expect(plan.buffers.filter((b) => b.kind === 'param').map((b) => [b.name, b.bytes, b.init?.name])).toEqual([
      ['W1', 140, 'glorot_uniform'],
      ['b1', 28, 'constant'],
      ['W2', 84, 'normal'],
      ['b2', 12, 'zeros'],
    ]);
    expect(plan.scalars).toEqual([
      { name: 'lr', value: 0.5, buffer: plan.buffers.find((b) => b.kind === 'scalar')!.id, word: 2 },
    ]);
    // Seed, step, then lr's word.
    expect(plan.buffers[plan.scalarsBuffer]).toMatchObject({ kind: 'scalars', dtype: 'u32', shape: [3] });
    expect(plan.layout.every((slice, id) => slice.size === plan.buffers[id].bytes)).toBe(true);
    const step = plan.entries.find((e) => e.name === 'step')!;
    expect(step.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ['x', 'f32', [8, 5]],
      ['y', 'f32', [8, 3]],
    ]);
    // The four SGD assigns are the last steps: copies into the params.
    const tail = step.steps.slice(-4);
    expect(tail.every((s) => s.kind === 'copy')).toBe(true);
    expect(tail.map((s) => plan.buffers[(s as Extract<Step, { kind: 'copy' }>).dst].name)).toEqual([
      'W1',
      'b1',
      'W2',
      'b2',
    ]);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('turns a scan into one loop step: index copy, body dispatches, emit writes, carry copy', () => {
    const plan = generatePlan(scanProgram(true), options);
    const [entry] = plan.entries;
    const loop = entry.steps.find((s) => s.kind === 'loop') as Extract<Step, { kind: 'loop' }>;
    expect(loop).toMatchObject({ count: 4, reverse: true });
    const [first] = loop.body;
    expect(first).toMatchObject({ kind: 'copy', srcOffsetPerIter: 4, bytes: 4 });
    expect(plan.buffers[(first as Extract<Step, { kind: 'copy' }>).src]).toMatchObject({
      kind: 'const',
      data: [0, 1, 2, 3],
    });
    // The scalar emit `totals` is stacked on axis 0: a copy at 4 bytes per step.
    expect(loop.body.some((s) => s.kind === 'copy' && s.dstOffsetPerIter === 4 && s.bytes === 4)).toBe(true);
    // hs [2,3] stacks on axis 1 ([2,4,3]): the stack kernel.
    expect(plan.kernels.some((k) => k.name === 'stack_2x3_axis1_of4')).toBe(true);
    expect(printPlanWgsl(plan, 'run')).toMatch(
      /^\/\/ ===== scanner\.run: 8 kernels, 32 dispatches\n\/\/ --- run\/%\d+ stack_get_2x4x3_axis1 \[workgroups 1x1x1\]\n/,
    );
  });
});
