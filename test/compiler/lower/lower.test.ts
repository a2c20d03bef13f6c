import { describe, expect, it } from 'vitest';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import { initialState } from '../../../compiler/reference/state';
import { verifyGraph } from '../../../compiler/ir/verify';
import { printGraph } from '../../../compiler/ir/print';
import { lowerSource, messages } from './helpers';
import { acquireDevice } from '../../../runtime/device';
import { compileAt, runCalls } from '../differential/compile-run';

const MLP = `
model mlp(batch = 4, hidden = 8, p_drop = 0) {
  input x: f32[batch, 6]
  input y: i32[batch]
  layer fc1 = dense(6, hidden)
  layer out = dense(hidden, 3)

  fn logits(x) {
    h = dropout(relu(fc1(x)), p_drop)
    return out(h)
  }

  infer predict(x) -> prob { prob = softmax(logits(x)) }

  train step(x, y) -> loss, accuracy {
    z = logits(x)
    loss = mean(cross_entropy(z, y))
    accuracy = mean(f32(argmax(z, axis = 1) == y))
    minimize loss with sgd(lr = 0.5, momentum = 0.9)
  }
}
`;

function feeds(batch = 4) {
  const x = Array.from({ length: batch * 6 }, (_, i) => Math.sin(i + 1));
  const y = Array.from({ length: batch }, (_, i) => i % 3);
  return { x: tensor({ dtype: 'f32', shape: [batch, 6] }, x), y: tensor({ dtype: 'i32', shape: [batch] }, y) };
}

describe('lowering', () => {
  it('lowers an MLP to verified graphs with params, slots and entry-qualified scalars', () => {
    const r = lowerSource(MLP, { defines: { p_drop: 0.5 } });
    expect(messages(r)).toEqual([]);
    const p = r.program!;
    expect(p.model).toBe('mlp');
    expect(p.entries.map((e) => `${e.kind} ${e.name}`)).toEqual(['infer predict', 'train step']);
    expect(p.persistent.filter((t) => t.kind === 'param').map((t) => `${t.name}:${t.type.shape}`)).toEqual([
      'fc1.W:6,8',
      'fc1.b:8',
      'out.W:8,3',
      'out.b:3',
    ]);
    expect(p.persistent.some((t) => t.kind === 'slot')).toBe(true);
    expect(p.scalars.map((s) => s.name).sort()).toEqual(['step.lr', 'step.momentum']);
    for (const e of p.entries) verifyGraph(e.graph);
    // Inference has no dropout; training draws it.
    expect(printGraph(p.entries[0].graph)).not.toContain('dropout');
    expect(printGraph(p.entries[1].graph)).toContain('dropout');
    expect(printGraph(p.entries[1].graph)).toContain('# test.dl:');
  });

  it('trains: the loss falls over reference steps and predict sums to one', () => {
    const p = lowerSource(MLP).program!;
    let state = initialState(p, 1);
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const run = executeEntry(p, 'step', feeds(), state, { seed: 1, step });
      losses.push(run.results.loss.data[0]);
      state = { ...state, ...run.assigns };
    }
    expect(losses[29]).toBeLessThan(losses[0] * 0.8);
    const prob = executeEntry(p, 'predict', { x: feeds().x }, state).results.prob;
    for (let i = 0; i < 4; i++) expect(prob.data.slice(i * 3, i * 3 + 3).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });

  it('applies -D overrides and rejects unknown ones', () => {
    expect(
      lowerSource(MLP, { defines: { hidden: 5 } }).program!.persistent.find((t) => t.name === 'fc1.W')!.type.shape,
    ).toEqual([6, 5]);
    expect(messages(lowerSource(MLP, { defines: { hiden: 5 } }))[0]).toMatch(/has no hyperparameter 'hiden'/);
  });

  it('reports shape errors at the operator with both shapes', () => {
    const bad = MLP.replace('layer out = dense(hidden, 3)', 'layer out = dense(7, 3)');
    const [m] = messages(lowerSource(bad));
    expect(m).toMatch(/^lib\.dl:5:12: matmul: inner dimensions differ/);
  });

  it('requires a scalar loss', () => {
    const bad = MLP.replace('loss = mean(cross_entropy(z, y))', 'loss = cross_entropy(z, y)');
    expect(messages(lowerSource(bad))).toEqual([
      expect.stringMatching(/test\.dl:\d+:\d+: minimize needs a scalar f32 loss, found f32\[4\]/),
    ]);
  });

  it('lowers repeat and scan with captures, state writes and tuples', () => {
    const src = `
model chain(batch = 2, n = 3, T = 4) {
  input v0: f32[batch, n]
  input xs: f32[batch, T, n]
  param W: f32[n, n] = normal(0, 0.5)
  state s: f32[batch, n] = zeros

  train run(v0, xs) -> cost, last {
    vk = repeat 3 carry v = v0 { v = tanh(v @ W) }
    hs, hT = scan t over T carry h = s { h = tanh(xs[:, t] + h @ W); emit h }
    s <- stop_gradient(hT)
    last = hT
    cost = mean(vk ** 2) + mean(hs)
    minimize cost with sgd(lr = 0.1)
  }
}`;
    const r = lowerSource(src);
    expect(messages(r)).toEqual([]);
    const g = r.program!.entries[0].graph;
    verifyGraph(g);
    const text = printGraph(g);
    expect(text).toContain('repeat');
    expect(text).toContain('scan');
    expect(text).toMatch(/assign .*\[target="s"\]/);
    const xs = tensor(
      { dtype: 'f32', shape: [2, 4, 3] },
      Array.from({ length: 24 }, (_, i) => Math.cos(i)),
    );
    const v0 = tensor({ dtype: 'f32', shape: [2, 3] }, [0.1, 0.2, 0.3, -0.1, 0.5, 0.2]);
    const run = executeEntry(r.program!, 'run', { v0, xs }, initialState(r.program!, 3));
    expect(run.assigns.s.data).toEqual(run.results.last.data);
    expect(Object.keys(run.assigns).sort()).toEqual(['W', 's']);
  });
});

const BARE_INT = `
model m {
  input i: i32[5]
  infer clamp(i) -> y, z, w, m {
    y = min(max(i, 0), 3)  z = where(i > 1, i, 7)  w = 2 * i - 1  m = i % 3 + 7 % 4
  }
}`;

const CREATION = `
model m {
  input x: f32[3, 3]
  infer run(x) -> r, e, y { r = arange(4) % 3  e = eye(3)  y = x @ eye(3) + f32(arange(3)) }
}`;

describe('arange and eye', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const want = { r: [0, 1, 2, 0], e: [1, 0, 0, 0, 1, 0, 0, 0, 1], y: [1, 3, 5, 4, 6, 8, 7, 9, 11] };

  it('build i32 ranges and f32 identities on the reference', () => {
    const r = lowerSource(CREATION);
    expect(messages(r)).toEqual([]);
    const out = executeEntry(
      r.program!,
      'run',
      { x: tensor({ dtype: 'f32', shape: [3, 3] }, x) },
      initialState(r.program!, 1),
    );
    expect(out.results.r.type).toEqual({ dtype: 'i32', shape: [4] });
    for (const k of ['r', 'e', 'y'] as const) expect(Array.from(out.results[k].data)).toEqual(want[k]);
  });

  it('and on the device', async () => {
    const acquired = await acquireDevice();
    const calls = [{ entry: 'run', inputs: { x: Float32Array.from(x) } }];
    const record = await runCalls(compileAt(lowerSource(CREATION).program!, 2, acquired), calls, acquired);
    for (const k of ['r', 'e', 'y'] as const) expect(Array.from(record.get(`0:run.${k}`)!)).toEqual(want[k]);
  });
});

describe('bare numbers beside integer tensors', () => {
  it('take the i32 dtype in builtin calls and operators: min(i, 3), max(i, 0), where, operators and integer %', () => {
    const r = lowerSource(BARE_INT);
    expect(messages(r)).toEqual([]);
    const i = tensor({ dtype: 'i32', shape: [5] }, [-2, 0, 2, 3, 9]);
    const out = executeEntry(r.program!, 'clamp', { i }, initialState(r.program!, 1)).results;
    expect(out.y.type.dtype).toBe('i32');
    expect(Array.from(out.y.data)).toEqual([0, 0, 2, 3, 3]);
    expect(Array.from(out.z.data)).toEqual([7, 7, 2, 3, 9]);
    expect(Array.from(out.w.data)).toEqual([-5, -1, 3, 5, 17]);
    expect(Array.from(out.m.data)).toEqual([1, 3, 5, 3, 3]);
  });

  it('compute the same on the device', async () => {
    const acquired = await acquireDevice();
    const r = lowerSource(BARE_INT);
    const calls = [{ entry: 'clamp', inputs: { i: Int32Array.from([-2, 0, 2, 3, 9]) } }];
    const record = await runCalls(compileAt(r.program!, 2, acquired), calls, acquired);
    expect(Array.from(record.get('0:clamp.y')!)).toEqual([0, 0, 2, 3, 3]);
    expect(Array.from(record.get('0:clamp.z')!)).toEqual([7, 7, 2, 3, 9]);
    expect(Array.from(record.get('0:clamp.w')!)).toEqual([-5, -1, 3, 5, 17]);
    expect(Array.from(record.get('0:clamp.m')!)).toEqual([1, 3, 5, 3, 3]);
  });
});
