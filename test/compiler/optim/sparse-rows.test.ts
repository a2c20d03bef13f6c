// Sparse row updates (compiler/optim/sparse-rows.ts) of params read only through
// gather: which params and optimizers take them, the IR they make, the device against
// the dense update (SGD bit for bit) and against the float64 reference, lazy Adam
// against its rule written out by hand, the row gradient against finite differences,
// repeated, all-rows and out-of-range ids, and the lazy mode's refusals.
import { afterAll, describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { parseCompileArgs } from '../../../compiler/cli/commands/compile';
import { parseSparseUpdatesFlag } from '../../../compiler/cli/sparse-updates-flag';
import { compileProgram } from '../../../compiler/driver';
import type { Program } from '../../../compiler/ir/program';
import { printProgram } from '../../../compiler/ir/print';
import type { SparseUpdates } from '../../../compiler/optim/sparse-rows';
import { execute, tensor } from '../../../compiler/reference/execute';
import { createReferenceRunner } from '../../../compiler/reference/runner';
import { Model } from '../../../runtime/model';
import { lowerSource, messages } from '../lower/helpers';
import { rng } from '../../helpers/rng';

// Skip-gram with negative sampling (bench/models/skipgram.dl) at toy sizes, with a
// dense bias on the centre rows so that one update mixes sparse and dense params.
const skipgram = (opt: string): string => `model sg(batch = 4, V = 7, d = 3, neg = 2) {
  input center: i32[batch]
  input context: i32[batch]
  input negatives: i32[batch, neg]
  param Win: f32[V, d] = normal(0, 0.5)
  param Wout: f32[V, d] = normal(0, 0.5)
  param b: f32[d] = normal(0, 0.5)
  train step(center, context, negatives) -> loss {
    u = gather(Win, center) + b
    pos = sum(u * gather(Wout, context), axis = 1)
    negs = sum(gather(Wout, negatives) * reshape(u, [batch, 1, d]), axis = 2)
    loss = mean(softplus(-pos) + sum(softplus(negs), axis = 1))
    minimize loss with ${opt}
  }
}`;

function lower(source: string, sparseUpdates: SparseUpdates, defines: Record<string, number> = {}): Program {
  const r = lowerSource(source.replace(/batch = 4, V = 7/, `batch = 4, V = ${defines.V ?? 7}`), { sparseUpdates });
  if (!r.program) throw new Error(messages(r).join('\n'));
  return r.program;
}

/** The params updated by a scatter of their rows (their slots too, where they have any). */
const sparseTables = (p: Program): string[] =>
  [...printProgram(p).matchAll(/= scatter %([\w.]+),/g)]
    .map((m) => m[1]!)
    .filter((n) => !n.includes('.'))
    .sort();

/** Batches of ids in [0, V) (repeats are certain: 12 ids into 7 rows), or exactly as given. */
function batches(steps: number, V: number, seed = 1): Record<string, Int32Array>[] {
  const r = rng(seed);
  const ids = (n: number): Int32Array => Int32Array.from({ length: n }, () => Math.floor(r() * V));
  return Array.from({ length: steps }, () => ({ center: ids(4), context: ids(4), negatives: ids(8) }));
}

interface Runner {
  run(entry: string, inputs: Readonly<Record<string, unknown>>): Promise<unknown>;
  save(): Promise<Record<string, unknown>>;
}

const models: Model[] = [];
afterAll(() => models.forEach((m) => m.destroy()));

async function onDevice(program: Program): Promise<Runner> {
  const m = await Model.create(compileProgram(program, { family: 'register' }).plan, { seed: 3 });
  models.push(m);
  return m;
}

/** Every persistent tensor after the steps, as plain arrays. */
type Feeds = Record<string, Int32Array | Float32Array>;

async function train(runner: Runner, steps: Feeds[]): Promise<Record<string, number[]>> {
  for (const s of steps) await runner.run('step', s);
  const saved = await runner.save();
  return Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, Array.from(v as Float32Array)]));
}

describe('which params are updated sparsely', () => {
  it.each([
    ['sgd(lr = 0.1)', 'exact', ['Win', 'Wout']],
    ['adagrad(lr = 0.1)', 'exact', ['Win', 'Wout']],
    ['sgd(lr = 0.1, momentum = 0.9)', 'exact', []],
    ['adam(lr = 0.01)', 'exact', []],
    ['sgd(lr = 0.1, weight_decay = 0.01)', 'exact', []],
    ['sgd(lr = 0.1, clip_norm = 1)', 'exact', []],
    ['sgd(lr = 0.1)', 'off', []],
    ['sgd(lr = 0.1, momentum = 0.9, nesterov = true)', 'lazy', ['Win', 'Wout']],
    ['adam(lr = 0.01)', 'lazy', ['Win', 'Wout']],
    ['rmsprop(lr = 0.01, momentum = 0.5)', 'lazy', ['Win', 'Wout']],
    ['adam(lr = 0.01, clip_norm = 1)', 'lazy', ['Win', 'Wout']],
    ['adam(lr = 0.01) { [Win]: lr = 0.1 }', 'lazy', ['Win', 'Wout']],
  ] as const)('%s, --sparse-updates %s: %j', (opt, mode, tables) => {
    const p = lower(skipgram(opt), mode);
    expect(sparseTables(p)).toEqual([...tables].sort());
    // The dense bias is never sparse; a sparse table's gradient is its summed rows, not a scatter_add.
    const text = printProgram(p);
    expect(text.includes('sum_duplicate_rows')).toBe(tables.length > 0);
    expect((text.match(/= scatter_add /g) ?? []).length).toBe(tables.length > 0 ? 0 : 3);
  });

  it('leaves a param that any other op reads dense', () => {
    const src = skipgram('sgd(lr = 0.1)').replace('loss = mean(', 'loss = 0.01 * sum(Win * Win) + mean(');
    expect(sparseTables(lower(src, 'exact'))).toEqual(['Wout']);
  });

  it('the IR of the bench model: joined ids, summed rows, rows updated and scattered in place of the tables', () => {
    const text = printProgram(lower(skipgram('sgd(lr = 0.1)'), 'exact'));
    // Wout's gathers join in the order their whole-table gradients add (the last gather's first).
    expect(text).toMatch(/%(\d+): i32\[12\] = concat %\d+, %\d+ \[axis=0\]/);
    expect(text).toMatch(/f32\[12,3\] = sum_duplicate_rows %\d+, %\d+ \[parts=\[8,4\]\]/);
    const scatter = /%(\d+): f32\[7,3\] = scatter %Wout, %\d+, %\d+ \[axis=0\]/.exec(text);
    expect(text).toContain(`assign %${scatter?.[1]} [target="Wout"]`);
  });

  it.each([
    ['adam(lr = 0.01, weight_decay = 0.1)', 'weight_decay moves rows that no gather reads'],
    ['sgd(lr = 0.1, momentum = 0.9, max_norm = 2)', 'max_norm moves rows that no gather reads'],
    ['vsgd()', 'vsgd has no sparse form'],
  ])('--sparse-updates lazy refuses %s at minimize', (opt, why) => {
    const r = lowerSource(skipgram(opt), { sparseUpdates: 'lazy' });
    expect(messages(r)[0]).toBe(
      `test.dl:13:5: 'Win' is read only through gather, so --sparse-updates lazy updates its gathered rows only, but ${why}`,
    );
    expect(r.diagnostics[0]!.notes?.map((n) => n.message)).toEqual([
      "use --sparse-updates exact (or off) for dense updates of 'Win'",
    ]);
  });

  it('a group that sets weight_decay = 0 for the tables lets lazy take them', () => {
    const p = lower(skipgram('adam(lr = 0.01, weight_decay = 0.1) { [Win, Wout]: weight_decay = 0 }'), 'lazy');
    expect(sparseTables(p)).toEqual(['Win', 'Wout']);
  });
});

describe('sparse updates on the device', () => {
  it('plain SGD: the same bits as the dense update, repeated ids and all', async () => {
    const steps = batches(6, 7);
    const sparse = await train(await onDevice(lower(skipgram('sgd(lr = 0.5)'), 'exact')), steps);
    const dense = await train(await onDevice(lower(skipgram('sgd(lr = 0.5)'), 'off')), steps);
    expect(sparse).toEqual(dense);
    // Rows no step gathered kept their initial values (and the run did move the rest).
    const start = await (await onDevice(lower(skipgram('sgd(lr = 0.5)'), 'exact'))).save();
    expect(sparse.Win).not.toEqual(Array.from(start.Win as Float32Array));
  });

  it('AdaGrad: the same bits as the dense update', async () => {
    const steps = batches(4, 7, 2);
    const sparse = await train(await onDevice(lower(skipgram('adagrad(lr = 0.3)'), 'exact')), steps);
    const dense = await train(await onDevice(lower(skipgram('adagrad(lr = 0.3)'), 'off')), steps);
    expect(sparse).toEqual(dense);
  });

  it('ids out of range: refused as inputs; computed ones change nothing, as in the dense update (no write outside the table)', async () => {
    const model = await onDevice(lower(skipgram('sgd(lr = 0.5)'), 'exact'));
    const given = { ...batches(1, 7, 4)[0]!, center: Int32Array.from([0, 7, -1, 3]) };
    await expect(model.run('step', given)).rejects.toThrow(
      "input 'center' indexes a row of 'Win' here, so its values must lie in [0, 7); the call to 'step' gave 7 at element 1",
    );
    // An id computed in the program is not checked: the gather reads zeros for it and its row update writes nothing.
    const shifted = skipgram('sgd(lr = 0.5)')
      .replace('input center: i32[batch]', 'input center: i32[batch]\n  input shift: i32[batch]')
      .replace('train step(center, context, negatives)', 'train step(center, context, negatives, shift)')
      .replace('gather(Win, center)', 'gather(Win, center + shift)');
    const steps = batches(3, 7, 4).map((s) => ({
      ...s,
      center: Int32Array.from([0, 3, 3, 3]),
      shift: Int32Array.from([0, 4, -4, 0]),
    }));
    const sparse = await train(await onDevice(lower(shifted, 'exact')), steps);
    const dense = await train(await onDevice(lower(shifted, 'off')), steps);
    expect(sparseTables(lower(shifted, 'exact'))).toContain('Win');
    expect(sparse).toEqual(dense);
    expect(sparse.Win!.length).toBe(21);
  });

  it('lazy SGD with momentum and lazy Adam agree with the float64 reference executor', async () => {
    for (const opt of ['sgd(lr = 0.5, momentum = 0.9)', 'adam(lr = 0.05)']) {
      const program = lower(skipgram(opt), 'lazy');
      const steps = batches(4, 7, 5);
      const device = await train(await onDevice(program), steps);
      const reference = await train(createReferenceRunner(program, 3), steps);
      for (const name of Object.keys(reference)) {
        expect(device[name]!.length, name).toBe(reference[name]!.length);
        device[name]!.forEach((x, i) =>
          expect(Math.abs(x - reference[name]![i]!), `${opt} ${name}[${i}]`).toBeLessThan(2e-5),
        );
      }
    }
  });

  it('every row gathered every step: lazy Adam is dense Adam', async () => {
    // V = 4: the centres are a permutation of the rows, context and negatives cover them too.
    const r = rng(6);
    const perm = (): Int32Array => Int32Array.from([0, 1, 2, 3].sort(() => r() - 0.5));
    const steps = Array.from({ length: 4 }, () => ({
      center: perm(),
      context: perm(),
      negatives: Int32Array.from([...perm(), ...perm()]),
    }));
    const lazy = await train(await onDevice(lower(skipgram('adam(lr = 0.05)'), 'lazy', { V: 4 })), steps);
    const dense = await train(await onDevice(lower(skipgram('adam(lr = 0.05)'), 'off', { V: 4 })), steps);
    for (const name of Object.keys(dense)) {
      dense[name]!.forEach((x, i) => expect(Math.abs(x - lazy[name]![i]!), `${name}[${i}]`).toBeLessThan(1e-6));
    }
  });
});

// A loss linear in the gathered rows: the gradient of row r is the sum of c over the
// positions that gather it, so lazy Adam can be written out by hand.
const LINEAR = `model lin(batch = 5, V = 6, d = 2) {
  input ids: i32[batch]
  input c: f32[batch, d]
  param E: f32[V, d] = normal(0, 1)
  train step(ids, c) -> loss {
    loss = sum(gather(E, ids) * c)
    minimize loss with adam(lr = 0.1, beta1 = 0.8, beta2 = 0.9, eps = 0.001)
  }
}`;

it('lazy Adam follows its documented rule: rows not gathered keep their weights and moments', async () => {
  const program = lower(LINEAR, 'lazy');
  const device = await onDevice(program);
  const start = Array.from((await device.save()).E as Float32Array);
  const r = rng(7);
  const steps = [
    [0, 0, 2, 5, 2],
    [1, 1, 1, 1, 1],
    [3, 0, 4, 0, 0],
  ].map((ids) => ({
    ids: Int32Array.from(ids),
    c: Float32Array.from({ length: 10 }, () => Math.round((r() * 2 - 1) * 64) / 64),
  }));
  const [lr, b1, b2, eps] = [0.1, 0.8, 0.9, 0.001];
  const w = [...start];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  steps.forEach((s, k) => {
    const t = k + 1;
    const g = new Map<number, number[]>();
    s.ids.forEach((id, j) => {
      const row = g.get(id) ?? [0, 0];
      g.set(id, [row[0]! + s.c[2 * j]!, row[1]! + s.c[2 * j + 1]!]);
    });
    for (const [id, row] of g) {
      row.forEach((gi, col) => {
        const e = 2 * id + col;
        m[e] = b1 * m[e]! + (1 - b1) * gi;
        v[e] = b2 * v[e]! + (1 - b2) * gi * gi;
        w[e] = w[e]! - (lr * (m[e]! / (1 - b1 ** t))) / (Math.sqrt(v[e]! / (1 - b2 ** t)) + eps);
      });
    }
  });
  const afterFirst = await train(device, steps.slice(0, 1));
  const got = await train(device, steps.slice(1));
  got.E!.forEach((x, e) => expect(Math.abs(x - w[e]!), `E[${e}]`).toBeLessThan(1e-5));
  got['step.E.m']!.forEach((x, e) => expect(Math.abs(x - m[e]!), `m[${e}]`).toBeLessThan(1e-5));
  got['step.E.v']!.forEach((x, e) => expect(Math.abs(x - v[e]!), `v[${e}]`).toBeLessThan(1e-5));
  // Row 5 was gathered in step 1 only: after it, neither its weights nor its moments moved.
  expect(got['step.E.m']![10]).not.toBe(0);
  for (const name of ['E', 'step.E.m', 'step.E.v'])
    expect(got[name]!.slice(10), name).toEqual(afterFirst[name]!.slice(10));
});

it('the row gradient is the gradient: one SGD step with lr = 1 against finite differences (float64)', () => {
  const program = lower(skipgram('sgd(lr = 1)'), 'exact');
  const graph = program.entries[0]!.graph;
  const r = rng(8);
  const table = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  const params: Record<string, number[]> = { Win: table(21), Wout: table(21), b: table(3) };
  const [s] = batches(1, 7, 9);
  const feeds = (p: Record<string, number[]>) => ({
    Win: tensor({ dtype: 'f32', shape: [7, 3] }, p.Win!),
    Wout: tensor({ dtype: 'f32', shape: [7, 3] }, p.Wout!),
    b: tensor({ dtype: 'f32', shape: [3] }, p.b!),
    center: tensor({ dtype: 'i32', shape: [4] }, s!.center),
    context: tensor({ dtype: 'i32', shape: [4] }, s!.context),
    negatives: tensor({ dtype: 'i32', shape: [4, 2] }, s!.negatives),
  });
  const { assigns } = execute(graph, feeds(params));
  const h = 1e-6;
  for (const name of ['Win', 'Wout']) {
    params[name]!.forEach((x, e) => {
      const at = (dx: number) =>
        execute(graph, feeds({ ...params, [name]: params[name]!.map((y, k) => (k === e ? x + dx : y)) })).results.loss!
          .data[0]!;
      const fd = (at(h) - at(-h)) / (2 * h);
      const grad = x - assigns[name]!.data[e]!;
      expect(Math.abs(grad - fd), `${name}[${e}]`).toBeLessThan(1e-7);
    });
  }
});

describe('--sparse-updates', () => {
  it('reaches the lowering from dlc compile and is checked', () => {
    expect(parseCompileArgs(['m.dl', '-o', 'out', '--sparse-updates', 'lazy']).sparseUpdates).toBe('lazy');
    expect(parseCompileArgs(['m.dl', '-o', 'out']).sparseUpdates).toBeUndefined();
    expect(parseSparseUpdatesFlag('off')).toBe('off');
    expect(() => parseSparseUpdatesFlag('on')).toThrow("--sparse-updates must be one of exact, lazy, off, got 'on'");
  });
});
