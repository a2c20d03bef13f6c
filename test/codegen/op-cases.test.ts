// Every op case of the op tables compiled through the code generator (one node per
// plan) and run by the executor on the device, against the reference executor in
// f32: checks the binding convention, scalars and dtype handling end to end.
import { describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import { GraphBuilder } from '../../compiler/ir/builder';
import { getOp } from '../../compiler/ops/registry';
import type { TensorType } from '../../compiler/ir/types';
import { numel, typeToString } from '../../compiler/ir/types';
import { generatePlan } from '../../compiler/codegen/plan';
import { execute, tensor } from '../../compiler/reference/execute';
import { acquireDevice } from '../../runtime/device';
import { Model } from '../../runtime/model';
import type { OpCase } from '../helpers/op-case';
import core from '../compiler/op-cases/core';
import matmul from '../compiler/op-cases/matmul';
import vision from '../compiler/op-cases/vision';

const SEED = 5;

function feed(c: OpCase, k: number, t: TensorType): Float32Array | Int32Array | Uint32Array | Uint8Array {
  const n = numel(t.shape);
  let s = (k + 1) * 7919;
  const values = Array.from({ length: n }, (_, i) => {
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

const label = (c: OpCase): string => c.label ?? `${c.op}(${c.inputs.map(typeToString).join(', ')})${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`;

describe('every op case through plan and executor', () => {
  // Composites without a kernel of their own (lcn) are expanded by the lowering, never planned.
  const planned = [...core, ...matmul, ...vision].filter((c) => getOp(c.op).kernel || getOp(c.op).wgsl);
  it('covers the op tables', () => expect(planned.length).toBeGreaterThan(100));
  for (const c of planned) {
    it(label(c), async () => {
      const acquired = await acquireDevice();
      const b = new GraphBuilder('f');
      const args = c.inputs.map((t, k) => b.arg('input', `x${k}`, t));
      const outs = b.emit(c.op, args, c.attrs ?? {}).outputs;
      const graph = b.finish(outs.map((v, k) => ({ name: `y${k}`, value: v })));
      const program = { model: 'op', hyper: {}, persistent: [], scalars: [], entries: [{ name: 'f', kind: 'infer' as const, graph }] };
      const plan = generatePlan(program, { family: acquired.software ? 'register' : 'shared', limits: acquired.limits });
      const model = await Model.create(plan, { seed: SEED, device: acquired.device });
      const feeds = Object.fromEntries(c.inputs.map((t, k) => [`x${k}`, feed(c, k, t)]));
      const got = await model.run('f', feeds);
      model.destroy();
      const want = execute(graph, Object.fromEntries(c.inputs.map((t, k) => [`x${k}`, tensor(t, feeds[`x${k}`])])), { precision: 'f32', seed: SEED, step: 0 }).results;
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
