// Hand-built programs compiled to plans and run on the real device (llvmpipe here),
// checked against the reference executor in f32 precision.
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../../compiler/driver';
import { DEFAULT_LIMITS, generatePlan } from '../../../compiler/codegen/generate-plan';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import type { Program } from '../../../compiler/ir/program';
import type { OptimizerSpec } from '../../../compiler/optim/index';
import type { Tensor } from '../../../compiler/ops/registry';
import { acquireDevice } from '../../../runtime/device';
import { Executor } from '../../../runtime/executor';
import type { OutputValue } from '../../../runtime/executor';
import {
  bpttProgram,
  generateProgram,
  MLP,
  nestedProgram,
  repeatGradProgram,
  optimizedMlpProgram,
  mlpProgram,
  repeatProgram,
  scanProgram,
  swapProgram,
} from './programs';

async function compileAndCreate(
  program: Program,
  seed = 7,
  family?: 'register' | 'shared',
  level?: 2,
): Promise<Executor> {
  const acquired = await acquireDevice();
  const options = { family: family ?? (acquired.software ? 'register' : 'shared'), limits: acquired.limits } as const;
  // -O2: fused kernels, optimizer updates written in place (compileProgram); else the plain plan.
  const plan = level === 2 ? compileProgram(program, { ...options, level }).plan : generatePlan(program, options);
  // The plan is plain data: what the generated module embeds is its JSON.
  return Executor.create(JSON.parse(JSON.stringify(plan)), { device: acquired.device, seed });
}

function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

function persistentState(program: Program, values: Record<string, ArrayLike<number>>): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const p of program.persistent) state[p.name] = tensor(p.type, values[p.name]);
  return state;
}

/**
 * Runs `entry` on the device and in the f32 reference executor from the same
 * persistent state (read before the run); the reference takes each input with the
 * type the entry's graph declares. `after`: the persistent tensors after the device run.
 */
async function runWithReference(program: Program, exec: Executor, entry: string, inputs: Record<string, Float32Array>) {
  const before = await exec.readTensors(exec.persistentNames());
  const out = await exec.run(entry, inputs);
  const after = await exec.readTensors(exec.persistentNames());
  const args = program.entries.find((e) => e.name === entry)!.graph.args;
  const typeOf = (name: string) => args.find((a) => a.kind === 'input' && a.name === name)!.value.type;
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, data]) => [name, tensor(typeOf(name), data)]));
  const ref = executeEntry(program, entry, feeds, persistentState(program, before), { precision: 'f32' });
  return { out, after, ref };
}

function expectClose(actual: OutputValue | ArrayLike<number>, expected: Tensor, tol = 1e-5): void {
  const got = typeof actual === 'number' ? [actual] : Array.from(actual);
  expect(got.length).toBe(expected.data.length);
  got.forEach((v, i) => {
    const want = expected.data[i];
    if (Math.abs(v - want) > tol * (1 + Math.abs(want))) {
      throw new Error(`element ${i}: got ${v}, expected ${want}`);
    }
  });
}

describe('plans on the device match the reference executor', () => {
  it('MLP forward (matmul, add, relu, softmax)', async () => {
    const program = mlpProgram();
    const exec = await compileAndCreate(program);
    const x = random(MLP.batch * MLP.nIn, 1);
    const { out, ref } = await runWithReference(program, exec, 'predict', { x });
    expectClose(out.prob, ref.results.prob);
    exec.destroy();
  });

  for (const family of ['register', 'shared'] as const) {
    it(`MLP train step (${family} kernels): loss and every SGD assign`, async () => {
      const program = mlpProgram();
      const exec = await compileAndCreate(program, 7, family);
      const x = random(MLP.batch * MLP.nIn, 2);
      const y = new Float32Array(MLP.batch * MLP.nOut);
      for (let r = 0; r < MLP.batch; r++) y[r * MLP.nOut + (r % MLP.nOut)] = 1;
      const { out, after, ref } = await runWithReference(program, exec, 'step', { x, y });
      expectClose(out.loss, ref.results.loss);
      for (const name of ['W1', 'b1', 'W2', 'b2']) expectClose(after[name], ref.assigns[name], 1e-4);
      exec.destroy();
    });
  }

  it('repeat loop with two carries, a captured param and a state write', async () => {
    const program = repeatProgram();
    const exec = await compileAndCreate(program);
    const x = random(6, 3);
    const { out, after, ref } = await runWithReference(program, exec, 'iterate', { x });
    expectClose(out.out, ref.results.out);
    expectClose(after.s, ref.assigns.s);
    exec.destroy();
  });

  for (const reverse of [false, true]) {
    it(`scan${reverse ? ' (reverse)' : ''}: step index, stacked emits along axis 1 and a scalar emit`, async () => {
      const program = scanProgram(reverse);
      const exec = await compileAndCreate(program);
      const xs = random(2 * 4 * 3, 4);
      const h0 = random(6, 5);
      const { out, ref } = await runWithReference(program, exec, 'run', { xs, h0 });
      for (const name of ['hT', 'hs', 'totals']) expectClose(out[name], ref.results[name], 1e-4);
      exec.destroy();
    });
  }

  it('BPTT: gradients through a scan (the backward loop runs in reverse)', async () => {
    const program = bpttProgram();
    const exec = await compileAndCreate(program);
    const xs = random(2 * 4 * 3, 6);
    const h0 = random(6, 7);
    const { out, ref } = await runWithReference(program, exec, 'grad', { xs, h0 });
    for (const name of ['loss', 'dU', 'dh0']) expectClose(out[name], ref.results[name], 1e-4);
    exec.destroy();
  });

  it('carries that trade places and assigns that swap two states', async () => {
    const program = swapProgram();
    const exec = await compileAndCreate(program);
    const out = await exec.run('swap', { x: new Float32Array([1, 0, 2]), y: new Float32Array([0, 1, 3]) });
    // (p, q) -> (q, p + q): Fibonacci after 5 steps from (1, 0) and (0, 1).
    expect(Array.from(out.p as Float32Array)).toEqual([3, 5, 21]);
    expect(Array.from(out.q as Float32Array)).toEqual([5, 8, 34]);
    await exec.run('sync', {});
    const after = await exec.readTensors(['a', 'c']);
    expect(Array.from(after.a)).toEqual([3, 3]);
    expect(Array.from(after.c)).toEqual([1, 1]);
    exec.destroy();
  });

  it('assigns computed in place when nothing later reads the old value, copied otherwise', async () => {
    const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });
    const b = new GraphBuilder('tick');
    const x = b.arg('input', 'x', f32(3));
    const s = b.arg('state', 's', f32(3));
    const r = b.arg('state', 'r', f32(3));
    const sNew = b.op('tanh', [b.op('add', [x, s])]); // reads s before tanh writes: in place
    const rNew = b.op('add', [x, b.op('mul', [r, r])]); // the add's producer chain reads r, but...
    const late = b.op('sub', [rNew, r]); // ...this later node reads the old r: copy
    b.emit('assign', [sNew], { target: 's' });
    b.emit('assign', [rNew], { target: 'r' });
    const program: Program = {
      model: 'inplace',
      hyper: {},
      persistent: [
        { name: 's', kind: 'state', type: f32(3), init: { name: 'constant', args: { value: 0.5 } } },
        { name: 'r', kind: 'state', type: f32(3), init: { name: 'constant', args: { value: 2 } } },
      ],
      scalars: [],
      entries: [{ name: 'tick', kind: 'update', graph: b.finish({ late }) }],
    };
    const plan = generatePlan(program, { family: 'register', limits: DEFAULT_LIMITS });
    const copies = plan.entries[0].steps
      .filter((st) => st.kind === 'copy')
      .map((st) => plan.buffers[(st as { dst: number }).dst].name);
    expect(copies).toEqual(['r']);
    const exec = await compileAndCreate(program);
    const xin = new Float32Array([0.1, -0.2, 0.3]);
    const out = await exec.run('tick', { x: xin });
    const after = await exec.readTensors(['s', 'r']);
    const ref = executeEntry(
      program,
      'tick',
      { x: tensor(f32(3), xin) },
      { s: tensor(f32(3), [0.5, 0.5, 0.5]), r: tensor(f32(3), [2, 2, 2]) },
      { precision: 'f32' },
    );
    expectClose(out.late, ref.results.late);
    expectClose(after.s, ref.assigns.s);
    expectClose(after.r, ref.assigns.r);
    exec.destroy();
  });

  // Regression: vSGD's `W.wprev ← W` read W after W's update had been written over it.
  it('an assign that stores the old value elsewhere keeps the update of that buffer out of place', async () => {
    const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });
    const b = new GraphBuilder('tick');
    const x = b.arg('input', 'x', f32(3));
    const s = b.arg('state', 's', f32(3));
    b.arg('state', 'prev', f32(3));
    b.emit('assign', [b.op('tanh', [b.op('add', [x, s])])], { target: 's' });
    b.emit('assign', [s], { target: 'prev' });
    const program: Program = {
      model: 'keep_old',
      hyper: {},
      persistent: [
        { name: 's', kind: 'state', type: f32(3), init: { name: 'constant', args: { value: 0.5 } } },
        { name: 'prev', kind: 'state', type: f32(3), init: { name: 'zeros', args: {} } },
      ],
      scalars: [],
      entries: [{ name: 'tick', kind: 'update', graph: b.finish({}) }],
    };
    const plan = generatePlan(program, { family: 'register', limits: DEFAULT_LIMITS });
    const copies = plan.entries[0].steps
      .filter((st) => st.kind === 'copy')
      .map((st) => plan.buffers[(st as { dst: number }).dst].name);
    // s is both an assign's source and a target, so it is staged before the copies.
    expect(copies.sort()).toEqual(['prev', 's', 'tick.staged.s']);
    const exec = await compileAndCreate(program);
    await exec.run('tick', { x: new Float32Array([0.1, -0.2, 0.3]) });
    const after = await exec.readTensors(['s', 'prev']);
    expectClose(after.prev, tensor(f32(3), [0.5, 0.5, 0.5]));
    expectClose(after.s, tensor(f32(3), [Math.tanh(0.6), Math.tanh(0.3), Math.tanh(0.8)]));
    exec.destroy();
  });

  it('a generation loop feeds each sampled token to the next step (same draws as the reference)', async () => {
    const program = generateProgram();
    const exec = await compileAndCreate(program, 7);
    const params = await exec.readTensors(exec.persistentNames());
    for (let call = 0; call < 3; call++) {
      const prime = new Int32Array([call % 5]);
      const out = await exec.run('generate', { prime });
      const ref = executeEntry(
        program,
        'generate',
        { prime: tensor({ dtype: 'i32', shape: [1] }, prime) },
        persistentState(program, params),
        {
          precision: 'f32',
          seed: 7,
          step: call,
        },
      );
      expect(Array.from(out.text as Int32Array)).toEqual(Array.from(ref.results.text.data));
    }
    exec.destroy();
  });

  const optimizers: OptimizerSpec[] = [
    {
      name: 'sgd',
      options: { lr: 0.3, momentum: 0.9, nesterov: true, weight_decay: 1e-3, max_norm: 1.5, clip_norm: 0.5 },
    },
    { name: 'adam', options: { lr: 0.05 } },
    { name: 'rmsprop', options: { lr: 0.01 } },
    { name: 'adagrad', options: { lr: 0.1 } },
  ];
  // rmsprop's momentum slot (#16) adds no new op, so one level suffices (-O2 pipelines are slow on llvmpipe).
  const rmspropMomentum: OptimizerSpec = { name: 'rmsprop', options: { lr: 0.01, decay: 0.9, momentum: 0.5 } };
  // vsgd's six slots (running averages, memory, previous weight and gradient); one level.
  const vsgd: OptimizerSpec = { name: 'vsgd', options: {} };
  const cases = [
    ...optimizers.flatMap((o) => [[o, undefined] as const, [o, 2] as const]),
    [rmspropMomentum, undefined] as const,
    [vsgd, undefined] as const,
    [vsgd, 2] as const,
  ];
  for (const [optimizer, level] of cases) {
    it(`three ${optimizer.name} steps${level ? ` at -O${level} (fused, updates in place)` : ''}: params and slots follow the reference`, async () => {
      const program = optimizedMlpProgram(optimizer);
      const exec = await compileAndCreate(program, 7, undefined, level);
      const x = random(MLP.batch * MLP.nIn, 8);
      const y = new Float32Array(MLP.batch * MLP.nOut);
      for (let r = 0; r < MLP.batch; r++) y[r * MLP.nOut + ((r * 2) % MLP.nOut)] = 1;
      const feeds = {
        x: tensor({ dtype: 'f32', shape: [MLP.batch, MLP.nIn] }, x),
        y: tensor({ dtype: 'f32', shape: [MLP.batch, MLP.nOut] }, y),
      };
      let state = persistentState(program, await exec.readTensors(exec.persistentNames()));
      for (let step = 0; step < 3; step++) {
        const out = await exec.run('step', { x, y });
        const ref = executeEntry(program, 'step', feeds, state, { precision: 'f32', step });
        expectClose(out.loss, ref.results.loss, 1e-4);
        state = { ...state, ...ref.assigns };
      }
      const after = await exec.readTensors(exec.persistentNames());
      expect(Object.keys(after).length).toBeGreaterThan(4);
      for (const name of Object.keys(after)) expectClose(after[name], state[name], 1e-3);
      exec.destroy();
    });
  }

  it('-O2 writes every momentum-SGD update in place: no copies, the weight update inside the gradient matmul', () => {
    const program = optimizedMlpProgram({ name: 'sgd', options: { lr: 0.1, momentum: 0.9 } });
    const { plan } = compileProgram(program, { family: 'register', limits: DEFAULT_LIMITS, level: 2 });
    const steps = plan.entries[0].steps;
    expect(steps.filter((st) => st.kind === 'copy')).toEqual([]);
    const names = steps.flatMap((st) => (st.kind === 'dispatch' ? [plan.kernels[st.kernel].name] : []));
    expect(names.some((n) => n.startsWith('fused_matmul_add_mul_sub'))).toBe(true);
  });

  it('a scan nested in a repeat: the inner index and stacking restart each outer iteration', async () => {
    const program = nestedProgram();
    const exec = await compileAndCreate(program);
    const xs = random(2 * 3 * 4, 9);
    const h0 = random(8, 10);
    const { out, ref } = await runWithReference(program, exec, 'nest', { xs, h0 });
    expectClose(out.h, ref.results.h, 1e-4);
    exec.destroy();
  });

  it('gradients through a repeat loop', async () => {
    const program = repeatGradProgram();
    const exec = await compileAndCreate(program);
    const x = random(6, 11);
    const { out, ref } = await runWithReference(program, exec, 'grad', { x });
    for (const name of ['loss', 'dx', 'dw']) expectClose(out[name], ref.results[name], 1e-4);
    exec.destroy();
  });
});
