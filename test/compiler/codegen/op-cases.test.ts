// Every op case of the op tables compiled through the code generator (one node per
// plan) and run by the executor on the device, against the reference executor in
// f32: checks the binding convention, scalars and dtype handling end to end.
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import { acquireDevice } from '../../../runtime/device';
import { Model } from '../../../runtime/model';
import { expectReferenceOutputs, opCaseGraph, plannedOpCases } from '../../helpers/op-case-device';
import { opCaseFeeds, opCaseLabel } from '../../helpers/op-case-inputs';

const SEED = 5;

describe('every op case through plan and executor', () => {
  const planned = plannedOpCases();
  it('covers the op tables', () => expect(planned.length).toBeGreaterThan(100));
  for (const c of planned) {
    it(opCaseLabel(c), async () => {
      const acquired = await acquireDevice();
      const built = opCaseGraph(c);
      const program = { model: 'op', hyper: {}, persistent: [], scalars: [], entries: [{ name: 'f', kind: 'infer' as const, graph: built.graph }] };
      const plan = generatePlan(program, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits });
      const model = await Model.create(plan, { seed: SEED, device: acquired.device });
      const feeds = opCaseFeeds(c);
      const got = await model.run('f', feeds);
      model.destroy();
      expectReferenceOutputs(c, built, feeds, got, { seed: SEED, step: 0 });
    });
  }
});
