// Every op case of the op tables run with its buffers packed over bytes that held
// other tensors: an entry `poison` first fills the two temp arenas with ±777, then
// entry `f` runs the op with its inputs and outputs placed in those arenas by the
// planner (packing forced). A kernel that leaves part of an output unwritten, or
// reads its output before writing it, returns poison instead of the reference
// values — the assumption memory planning rests on. (Ops with several outputs may
// put some in a third, clean arena.)
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Program } from '../../../compiler/ir/program';
import type { TensorType } from '../../../compiler/ir/types';
import { numel, typeToString } from '../../../compiler/ir/types';
import { getOp } from '../../../compiler/ops/registry';
import { generatePlan } from '../../../compiler/codegen/plan';
import { checkMemoryPlan } from '../../../compiler/plan/check';
import { planMemory } from '../../../compiler/plan/memory';
import { execute, tensor } from '../../../compiler/reference/execute';
import { acquireDevice } from '../../../runtime/device';
import { Model } from '../../../runtime/model';
import type { OpCase } from '../../helpers/op-case';
import core from '../op-cases/core';
import matmul from '../op-cases/matmul';
import vision from '../op-cases/vision';

const SEED = 5;

function feed(c: OpCase, k: number, t: TensorType): Float32Array | Int32Array | Uint32Array | Uint8Array {
  let s = (k + 1) * 7919;
  const values = Array.from({ length: numel(t.shape) }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    return c.data ? c.data(k, i, u) : 2 * u - 1;
  });
  switch (t.dtype) {
    case 'f32':
      return Float32Array.from(values);
    case 'i32':
      return Int32Array.from(values.map((v) => Math.trunc(v)));
    case 'u32':
      return Uint32Array.from(values.map((v) => Math.trunc(v) >>> 0));
    case 'bool':
      return Uint8Array.from(values.map((v) => (v > 0 ? 1 : 0)));
  }
}

/** `poison`: a chain c1 = 777, c_{k+1} = -c_k of 4 tensors, all results, alternating between two arenas. */
function poisonGraph(elements: number) {
  const b = new GraphBuilder('poison');
  const t: TensorType = { dtype: 'f32', shape: [elements] };
  const chain = [b.constant(777, t)];
  for (let k = 1; k < 4; k++) chain.push(b.op('neg', [chain[k - 1]]));
  return b.finish(chain.map((value, k) => ({ name: `c${k}`, value })));
}

const label = (c: OpCase): string => c.label ?? `${c.op}(${c.inputs.map(typeToString).join(', ')})${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`;

describe('every op case with its buffers packed over poisoned bytes', () => {
  const cases = [...core, ...matmul, ...vision].filter((c) => getOp(c.op).kernel || getOp(c.op).wgsl);
  for (const c of cases) {
    it(label(c), async () => {
      const acquired = await acquireDevice();
      const b = new GraphBuilder('f');
      const args = c.inputs.map((t, k) => b.arg('input', `x${k}`, t));
      const outs = b.emit(c.op, args, c.attrs ?? {}).outputs;
      const graph = b.finish(outs.map((v, k) => ({ name: `y${k}`, value: v })));
      const elements = [...c.inputs, ...outs.map((o) => o.type)].reduce((sum, t) => sum + numel(t.shape) + 64, 0);
      const program: Program = {
        model: 'op',
        hyper: {},
        persistent: [],
        scalars: [],
        entries: [
          { name: 'poison', kind: 'infer', graph: poisonGraph(elements) },
          { name: 'f', kind: 'infer', graph },
        ],
      };
      const plan = planMemory(generatePlan(program, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits }), acquired.limits, { pack: 'always' });
      expect(checkMemoryPlan(plan)).toEqual([]);
      // The single output really lies over poisoned bytes: in an arena the poison entry filled.
      const poisoned = new Set(plan.buffers.filter((x) => x.entry === 'poison').map((x) => plan.layout[x.id].arena));
      const f = plan.entries.find((e) => e.name === 'f')!;
      if (f.outputs.length === 1) expect(poisoned.has(plan.layout[f.outputs[0].buffer].arena)).toBe(true);
      const model = await Model.create(plan, { seed: SEED, device: acquired.device });
      const feeds = Object.fromEntries(c.inputs.map((t, k) => [`x${k}`, feed(c, k, t)]));
      let got;
      try {
        await model.run('poison', {}, { outputs: [] });
        got = await model.run('f', feeds);
      } finally {
        model.destroy();
      }
      const want = execute(graph, Object.fromEntries(c.inputs.map((t, k) => [`x${k}`, tensor(t, feeds[`x${k}`])])), { precision: 'f32', seed: SEED, step: 1 }).results;
      outs.forEach((v, k) => {
        const actual = got[`y${k}`];
        const values = typeof actual === 'number' ? [actual] : Array.from(actual);
        const expected = want[`y${k}`].data;
        expect(values.length).toBe(expected.length);
        const exact = v.type.dtype !== 'f32';
        const bad = values.findIndex((x, i) => {
          const e = expected[i];
          if (exact) return x !== e;
          if (Number.isNaN(e)) return !Number.isNaN(x);
          return !(Math.abs(x - e) <= 1e-5 + 1e-4 * Math.abs(e));
        });
        if (bad >= 0) throw new Error(`output ${k} element ${bad}: got ${values[bad]}, expected ${expected[bad]}`);
      });
    });
  }
});
