// One op case as a one-node graph `f(x0, x1, ...) -> y0, y1, ...`, and the check of
// what the device returned for it against the reference executor in f32. Shared by
// the op-case suites that run every kernel through the plan and the executor.
import { expect } from 'vitest';
import '../../compiler/ops/index';
import { GraphBuilder } from '../../compiler/ir/builder';
import type { Graph, Value } from '../../compiler/ir/types';
import { getOp } from '../../compiler/ops/registry';
import { execute, tensor } from '../../compiler/reference/execute';
import type { OutputValue } from '../../runtime/model';
import core from '../compiler/op-cases/core';
import matmul from '../compiler/op-cases/matmul';
import vision from '../compiler/op-cases/vision';
import type { OpCase } from './op-case';
import type { OpCaseFeed } from './op-case-inputs';

/** The cases with a kernel of their own; composites without one (lcn) are expanded by the lowering, never planned. */
export function plannedOpCases(): OpCase[] {
  return [...core, ...matmul, ...vision].filter((c) => getOp(c.op).kernel || getOp(c.op).wgsl);
}

/** The case's op applied to arguments `x<k>`, its outputs returned as `y<k>`. */
export function opCaseGraph(c: OpCase): { graph: Graph; outs: readonly Value[] } {
  const b = new GraphBuilder('f');
  const args = c.inputs.map((t, k) => b.arg('input', `x${k}`, t));
  const outs = b.emit(c.op, args, c.attrs ?? {}).outputs;
  return { graph: b.finish(outs.map((v, k) => ({ name: `y${k}`, value: v }))), outs };
}

/**
 * Every output the device returned matches the f32 reference run of the same graph on
 * the same feeds: integer and bool outputs exactly, f32 within 1e-5 + 1e-4·|expected|
 * (NaN where the reference has NaN). Throws naming the first bad element.
 */
export function expectReferenceOutputs(
  c: OpCase,
  built: { graph: Graph; outs: readonly Value[] },
  feeds: Readonly<Record<string, OpCaseFeed>>,
  got: Readonly<Record<string, OutputValue>>,
  opts: { seed: number; step: number },
): void {
  const inputs = Object.fromEntries(c.inputs.map((t, k) => [`x${k}`, tensor(t, feeds[`x${k}`])]));
  const want = execute(built.graph, inputs, { precision: 'f32', seed: opts.seed, step: opts.step }).results;
  built.outs.forEach((v, k) => {
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
}
