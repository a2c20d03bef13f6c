// Every op case of the op tables compiled through the code generator (one node per
// plan) and run by the executor on the device, against the reference executor in
// f32: checks the binding convention, scalars and dtype handling end to end. Boundary
// rows also have their gradient graph run on the device against the stated subgradient.
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import { acquireDevice } from '../../../runtime/device';
import { Model } from '../../../runtime/model';
import { expectReferenceOutputs, opCaseGraph, plannedOpCases } from '../../helpers/op-case-device';
import { opCaseFeeds, opCaseLabel } from '../../helpers/op-case-inputs';
import { expectSubgradient, subgradientGraph } from '../../helpers/op-case-subgradient';
import core from '../op-cases/core';
import matmul from '../op-cases/matmul';
import vision from '../op-cases/vision';

const SEED = 5;

describe('every op case through plan and executor', () => {
  const planned = plannedOpCases();
  it('covers the op tables', () => expect(planned.length).toBeGreaterThan(100));
  for (const c of planned) {
    it(opCaseLabel(c), async () => {
      const acquired = await acquireDevice();
      const built = opCaseGraph(c);
      const program = {
        model: 'op',
        hyper: {},
        persistent: [],
        scalars: [],
        entries: [{ name: 'f', kind: 'infer' as const, graph: built.graph }],
      };
      const plan = generatePlan(program, {
        family: acquired.software ? 'register' : 'shared',
        limits: acquired.limits,
      });
      const model = await Model.create(plan, { seed: SEED, device: acquired.device });
      const feeds = opCaseFeeds(c);
      const got = await model.run('f', feeds);
      model.destroy();
      expectReferenceOutputs(c, built, feeds, got, { seed: SEED, step: 0 });
    });
  }
});

describe('boundary gradients (OpCase.subgradient) on the device', () => {
  const rows = [...core, ...matmul, ...vision].filter((c) => c.subgradient);
  it('has boundary rows', () => expect(rows.length).toBeGreaterThan(3));
  it('lcn of an all-zero plane is 0 on its kernel and the reference, not 0/0', async () => {
    const c = rows.find((r) => r.op === 'lcn')!;
    const acquired = await acquireDevice();
    const built = opCaseGraph(c);
    const program = {
      model: 'op',
      hyper: {},
      persistent: [],
      scalars: [],
      entries: [{ name: 'f', kind: 'infer' as const, graph: built.graph }],
    };
    const plan = generatePlan(program, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits });
    expect(JSON.stringify(plan)).toContain('lcn_1x2x3x3');
    const model = await Model.create(plan, { seed: SEED, device: acquired.device });
    const got = await model.run('f', opCaseFeeds(c));
    model.destroy();
    expect(Array.from(got.y0 as Float32Array)).toEqual(new Array(18).fill(0));
    expectReferenceOutputs(c, built, opCaseFeeds(c), got, { seed: SEED, step: 0 });
  });
  for (const c of rows) {
    it(opCaseLabel(c), async () => {
      const acquired = await acquireDevice();
      const graph = subgradientGraph(c);
      const program = {
        model: 'op',
        hyper: {},
        persistent: [],
        scalars: [],
        entries: [{ name: 'f', kind: 'infer' as const, graph }],
      };
      const plan = generatePlan(program, {
        family: acquired.software ? 'register' : 'shared',
        limits: acquired.limits,
      });
      const model = await Model.create(plan, { seed: SEED, device: acquired.device });
      const feeds = opCaseFeeds(c);
      const got = await model.run('f', feeds);
      model.destroy();
      const grads = Object.fromEntries(Object.entries(got).map(([n, v]) => [n, typeof v === 'number' ? [v] : v]));
      expectSubgradient(
        c,
        c.inputs.map((_, k) => feeds[`x${k}`]!),
        grads,
        1e-4,
      );
    });
  }
});
