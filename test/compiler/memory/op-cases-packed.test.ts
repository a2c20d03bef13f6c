// Every op case of the op tables run with its buffers packed over bytes that held
// other tensors: an entry `poison` first fills the two temp arenas with ±777, then
// entry `f` runs the op with its inputs and outputs placed in those arenas by the
// planner (packing forced). A kernel that leaves part of an output unwritten, or
// reads its output before writing it, returns poison instead of the reference
// values — the assumption memory planning rests on. (Ops with several outputs may
// put some in a third, clean arena.)
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Program } from '../../../compiler/ir/program';
import type { TensorType } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import { checkMemoryPlan } from '../../../compiler/memory/check';
import { planMemory } from '../../../compiler/memory/memory';
import { acquireDevice } from '../../../runtime/device';
import { Model } from '../../../runtime/model';
import type { OutputValue } from '../../../runtime/model';
import { expectReferenceOutputs, opCaseGraph, plannedOpCases } from '../../helpers/op-case-device';
import { opCaseFeeds, opCaseLabel } from '../../helpers/op-case-inputs';

const SEED = 5;

/** `poison`: a chain c1 = 777, c_{k+1} = -c_k of 4 tensors, all results, alternating between two arenas. */
function poisonGraph(elements: number) {
  const b = new GraphBuilder('poison');
  const t: TensorType = { dtype: 'f32', shape: [elements] };
  const chain = [b.constant(777, t)];
  for (let k = 1; k < 4; k++) chain.push(b.op('neg', [chain[k - 1]]));
  return b.finish(chain.map((value, k) => ({ name: `c${k}`, value })));
}

describe('every op case with its buffers packed over poisoned bytes', () => {
  for (const c of plannedOpCases()) {
    it(opCaseLabel(c), async () => {
      const acquired = await acquireDevice();
      const built = opCaseGraph(c);
      const elements = [...c.inputs, ...built.outs.map((o) => o.type)].reduce((sum, t) => sum + numel(t.shape) + 64, 0);
      const program: Program = {
        model: 'op',
        hyper: {},
        persistent: [],
        scalars: [],
        entries: [
          { name: 'poison', kind: 'infer', graph: poisonGraph(elements) },
          { name: 'f', kind: 'infer', graph: built.graph },
        ],
      };
      const plan = planMemory(
        generatePlan(program, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits }),
        acquired.limits,
        { pack: 'always' },
      );
      expect(checkMemoryPlan(plan)).toEqual([]);
      // The single output really lies over poisoned bytes: in an arena the poison entry filled.
      const poisoned = new Set(plan.buffers.filter((x) => x.entry === 'poison').map((x) => plan.layout[x.id].arena));
      const f = plan.entries.find((e) => e.name === 'f')!;
      if (f.outputs.length === 1) expect(poisoned.has(plan.layout[f.outputs[0].buffer].arena)).toBe(true);
      const model = await Model.create(plan, { seed: SEED, device: acquired.device });
      const feeds = opCaseFeeds(c);
      let got: Record<string, OutputValue>;
      try {
        await model.run('poison', {}, { outputs: [] });
        got = await model.run('f', feeds);
      } finally {
        model.destroy();
      }
      expectReferenceOutputs(c, built, feeds, got, { seed: SEED, step: 1 });
    });
  }
});
