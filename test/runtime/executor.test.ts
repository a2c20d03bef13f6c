// The executor's contract beyond numerics: input validation, readback control,
// runtime scalars, params/save/load, and the numerics guard's report.
import { describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import '../../compiler/ops/control';
import { GraphBuilder } from '../../compiler/ir/builder';
import type { Program } from '../../compiler/ir/program';
import { generatePlan, DEFAULT_LIMITS } from '../../compiler/codegen/generate-plan';
import { Model } from '../../runtime/model';
import { DlcError } from '../../runtime/errors';
import { SLICE_ALIGNMENT } from '../../runtime/plan';
import { mlpProgram, MLP } from '../compiler/codegen/programs';

const span = { file: 'guard.dl', line: 4, col: 9, endLine: 4, endCol: 15 };

/** out = log(x) * k with k a param, plus a bool input passed through `where`. */
function guardProgram(): Program {
  const b = new GraphBuilder('f');
  const x = b.arg('input', 'x', { dtype: 'f32', shape: [4] });
  const m = b.arg('input', 'm', { dtype: 'bool', shape: [4] });
  const k = b.arg('param', 'k', { dtype: 'f32', shape: [] });
  const logged = b.withSpan(span, () => b.op('log', [x]));
  const out = b.op('where', [m, b.op('mul', [logged, k]), x]);
  return {
    model: 'guard',
    hyper: {},
    persistent: [{ name: 'k', kind: 'param', type: { dtype: 'f32', shape: [] }, init: { name: 'ones', args: {} } }],
    scalars: [],
    entries: [{ name: 'f', kind: 'infer', graph: b.finish({ out }) }],
  };
}

async function mlp(checkNumerics = false): Promise<Model> {
  return Model.create(generatePlan(mlpProgram(), { family: 'register', limits: DEFAULT_LIMITS }), {
    seed: 11,
    checkNumerics,
  });
}

const x = new Float32Array(MLP.batch * MLP.nIn).map((_, i) => Math.cos(i));
const y = new Float32Array(MLP.batch * MLP.nOut).map((_, i) => (i % MLP.nOut === 0 ? 1 : 0));

describe('executor', () => {
  it('rejects wrong inputs naming the input, what it expects and what it was given', async () => {
    const model = await mlp();
    await expect(model.run('step', { x })).rejects.toThrow(
      "step: input 'y' expects a Float32Array of 24 elements (f32[8,3]), given nothing",
    );
    await expect(model.run('step', { x, y: new Int32Array(24) })).rejects.toThrow(
      "step: input 'y' expects a Float32Array of 24 elements (f32[8,3]), given Int32Array of 24 elements",
    );
    await expect(model.run('step', { x, y, z: x })).rejects.toThrow("step: unknown input 'z' (inputs: x, y)");
    await expect(model.run('train', { x })).rejects.toThrow(
      "tiny_mlp has no entry point 'train' (entries: predict, step)",
    );
    await expect(model.run('step', { x, y }, { outputs: ['acc'] })).rejects.toThrow(
      "step: unknown output 'acc' (outputs: loss)",
    );
    model.destroy();
  });

  it('reads back only what is asked; runs without readback; keeps calls in order', async () => {
    const model = await mlp();
    expect(await model.run('step', { x, y }, { outputs: [] })).toEqual({});
    const calls = [model.run('step', { x, y }), model.run('step', { x, y }), model.run('step', { x, y })];
    const losses = (await Promise.all(calls)).map((r) => r.loss as number);
    expect(losses[2]).toBeLessThan(losses[0]);
    expect(model.step).toBe(4);
    model.destroy();
  });

  it('a runtime scalar set to 0 freezes training; save/load restores every tensor', async () => {
    const model = await mlp();
    const saved = await model.save();
    const first = (await model.run('step', { x, y })).loss as number;
    await model.run('step', { x, y });
    model.load(saved);
    expect((await model.run('step', { x, y })).loss).toBeCloseTo(first, 6);
    model.setScalar('lr', 0);
    expect(model.getScalar('lr')).toBe(0);
    const a = (await model.run('step', { x, y })).loss as number;
    expect((await model.run('step', { x, y })).loss).toBe(a);
    expect(() => model.setScalar('momentum', 1)).toThrow("tiny_mlp has no runtime scalar 'momentum' (scalars: lr)");
    expect(() => model.load({ W1: saved.W1 })).toThrow("load: the checkpoint lacks 'b1', 'W2', 'b2'");
    expect(() => model.setParams({ W1: new Float32Array(3) })).toThrow(
      "setParams: 'W1' expects a Float32Array of 35 elements (f32[5,7]), given Float32Array of 3 elements",
    );
    model.setParams({ b2: new Float32Array([1, 2, 3]) });
    expect(Array.from((await model.params()).b2)).toEqual([1, 2, 3]);
    model.destroy();
  });

  it('bool inputs are widened to u32; the numerics guard names the kernel, IR node and .dl location', async () => {
    const plan = generatePlan(guardProgram(), { family: 'register', limits: DEFAULT_LIMITS });
    const plain = await Model.create(plan);
    const m = new Uint8Array([1, 0, 1, 0]);
    const out = (await plain.run('f', { x: new Float32Array([1, 2, Math.E, 4]), m })).out as Float32Array;
    expect(Array.from(out)).toEqual([0, 2, 1, 4]);
    // Without the guard a NaN flows out quietly.
    const all = new Uint8Array([1, 1, 1, 1]);
    const nan = (await plain.run('f', { x: new Float32Array([1, -2, 3, 4]), m: all })).out as Float32Array;
    expect(Number.isNaN(nan[1])).toBe(true);
    plain.destroy();

    const guarded = await Model.create(plan, { checkNumerics: true });
    expect((await guarded.run('f', { x: new Float32Array([1, 2, 3, 4]), m })).out).toBeInstanceOf(Float32Array);
    const err = await guarded.run('f', { x: new Float32Array([1, -2, 3, 4]), m }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DlcError);
    expect((err as DlcError).message).toMatch(
      /^guard\.f: kernel log_4 \(IR node %\d+ log at guard\.dl:4:9\) wrote NaN to 'f\.%\d+' element 1$/,
    );
    guarded.destroy();
  });
});

describe('executor memory layout', () => {
  it('binds buffers through the layout: temporaries packed into two arenas at aligned offsets', async () => {
    const plan = generatePlan(mlpProgram(), { family: 'register', limits: DEFAULT_LIMITS });
    const reference = await Model.create(plan, { seed: 2 });
    const want = (await reference.run('predict', { x })).prob as Float32Array;
    reference.destroy();

    // What a memory planner may do: predict's chain of temporaries alternates between
    // arenas 0 and 1, so no dispatch reads and writes the same arena.
    const temps = plan.buffers.filter((b) => b.entry === 'predict' && b.kind === 'temp').map((b) => b.id);
    const ends = [0, 0];
    const layout = plan.layout.map((slice, id) => {
      const k = temps.indexOf(id);
      if (k < 0) return { ...slice, arena: slice.arena + 2 };
      const placed = { arena: k % 2, offset: ends[k % 2], size: slice.size };
      ends[k % 2] += Math.ceil(slice.size / SLICE_ALIGNMENT) * SLICE_ALIGNMENT;
      return placed;
    });
    const arenas = [{ name: 'predict.even', bytes: ends[0] }, { name: 'predict.odd', bytes: ends[1] }, ...plan.arenas];
    const packed = await Model.create({ ...plan, layout, arenas }, { seed: 2 });
    expect(Array.from((await packed.run('predict', { x })).prob as Float32Array)).toEqual(Array.from(want));
    packed.destroy();
  });
});
