// What `minimize` updates (docs/language.md, "What `minimize` updates"): params with
// a gradient only, slots per entry, `over` lists and param groups. Each case runs the
// lowered program on the float64 reference interpreter and compares tensors.
import { describe, expect, it } from 'vitest';
import type { Program } from '../../../compiler/ir/program';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import type { Tensor } from '../../../compiler/ops/registry';
import { initialState } from '../../../compiler/reference/state';
import { lowerSource, messages } from './helpers';

/** Two dense layers; `pre` trains fc1 with momentum, the entries given read it behind stop_gradient or not. */
function model(entries: string): string {
  return `
model m {
  input x: f32[4, 3]
  input y: f32[4, 2]
  layer fc1 = dense(3, 5)
  layer fc2 = dense(5, 2)
  train pre(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1, momentum = 0.9, weight_decay = 0.1, max_norm = 0.5)
  }
${entries}
}`;
}

function lower(entries: string): Program {
  const r = lowerSource(model(entries));
  expect(messages(r)).toEqual([]);
  return r.program!;
}

const FEEDS = {
  x: tensor(
    { dtype: 'f32', shape: [4, 3] },
    Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)),
  ),
  y: tensor(
    { dtype: 'f32', shape: [4, 2] },
    Array.from({ length: 8 }, (_, i) => Math.cos(i)),
  ),
};

/** Runs the entries in order from the program's initial state; returns the final state. */
function run(p: Program, entries: readonly string[]): Record<string, Tensor> {
  let state = initialState(p, 3);
  entries.forEach((name, step) => {
    state = { ...state, ...executeEntry(p, name, FEEDS, state, { seed: 3, step }).assigns };
  });
  return state;
}

const same = (a: Tensor, b: Tensor): boolean => a.data.every((v, i) => v === b.data[i]);
const slots = (p: Program): string[] =>
  p.persistent
    .filter((t) => t.kind === 'slot')
    .map((t) => t.name)
    .sort();

describe('what minimize updates', () => {
  it('leaves a param read only under stop_gradient alone: no decay, momentum step, max-norm or slot', () => {
    const p = lower(`
  train top(x, y) -> loss {
    loss = mean((fc2(stop_gradient(tanh(fc1(x)))) - y) ** 2)
    minimize loss with sgd(lr = 0.1, momentum = 0.9, weight_decay = 0.1, max_norm = 0.5)
  }`);
    const before = run(p, ['pre', 'pre']);
    const after = run(p, ['pre', 'pre', 'top', 'top', 'top']);
    for (const n of ['fc1.W', 'fc1.b']) expect(same(before[n]!, after[n]!), n).toBe(true);
    for (const n of ['fc2.W', 'fc2.b']) expect(same(before[n]!, after[n]!), n).toBe(false);
    expect(slots(p)).toEqual([
      'pre.fc1.W.momentum',
      'pre.fc1.b.momentum',
      'pre.fc2.W.momentum',
      'pre.fc2.b.momentum',
      'top.fc2.W.momentum',
      'top.fc2.b.momentum',
    ]);
  });

  it("keeps optimizer slots per entry: one entry's momentum never moves another's params", () => {
    const p = lower(`
  train again(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1, momentum = 0.9)
  }`);
    const after = run(p, ['pre', 'pre']);
    expect(after['pre.fc1.W.momentum']!.data.some((v) => v !== 0)).toBe(true);
    expect(after['again.fc1.W.momentum']!.data.every((v) => v === 0)).toBe(true);
    // `again` after `pre` steps from a zero velocity: the same as plain sgd from the same weights.
    const plain = lowerSource(
      model(`
  train again(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1)
  }`),
    ).program!;
    const viaMomentum = run(p, ['pre', 'pre', 'again']);
    const viaPlain = run(plain, ['pre', 'pre', 'again']);
    for (const n of ['fc1.W', 'fc2.b']) expect(same(viaMomentum[n]!, viaPlain[n]!), n).toBe(true);
  });

  it('trains only the params after `over`, layer instances standing for their params', () => {
    const p = lower(`
  train head(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1, momentum = 0.9) over [fc2.W, fc2.b]
  }
  train head2(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1, momentum = 0.9) over [fc2]
  }`);
    expect(slots(p).filter((n) => n.startsWith('head'))).toEqual([
      'head.fc2.W.momentum',
      'head.fc2.b.momentum',
      'head2.fc2.W.momentum',
      'head2.fc2.b.momentum',
    ]);
    const start = run(p, []);
    for (const entry of ['head', 'head2']) {
      const after = run(p, [entry, entry]);
      expect(same(start['fc1.W']!, after['fc1.W']!)).toBe(true);
      expect(same(start['fc2.W']!, after['fc2.W']!)).toBe(false);
    }
    expect(same(run(p, ['head', 'head'])['fc2.W']!, run(p, ['head2', 'head2'])['fc2.W']!)).toBe(true);
  });

  it('gives param groups their own options as their own runtime scalars', () => {
    const p = lower(`
  train grouped(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1, weight_decay = 0.5) {
      [fc1.b, fc2.b]: weight_decay = 0
      [fc1.W]: lr = 0
    }
  }
  train biases(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1) over [fc1.b, fc2.b]
  }`);
    expect(
      p.scalars
        .map((s) => `${s.name}=${s.value}`)
        .filter((s) => s.startsWith('grouped'))
        .sort(),
    ).toEqual(['grouped.group1.weight_decay=0', 'grouped.group2.lr=0', 'grouped.lr=0.1', 'grouped.weight_decay=0.5']);
    const start = run(p, []);
    const after = run(p, ['grouped']);
    // lr = 0 freezes fc1.W; the biases step exactly as plain sgd without decay would.
    expect(same(start['fc1.W']!, after['fc1.W']!)).toBe(true);
    expect(same(start['fc2.W']!, after['fc2.W']!)).toBe(false);
    const plain = run(p, ['biases']);
    for (const n of ['fc1.b', 'fc2.b']) expect(same(after[n]!, plain[n]!), n).toBe(true);
    // Setting the group's scalar at run time unfreezes fc1.W.
    const moved = executeEntry(p, 'grouped', FEEDS, start, { seed: 3, step: 0, scalars: { 'grouped.group2.lr': 0.1 } });
    expect(same(start['fc1.W']!, moved.assigns['fc1.W']!)).toBe(false);
  });

  it('gives each group its own adam step counter', () => {
    const p = lower(`
  train a(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with adam(lr = 0.01) { [fc1]: lr = 0.001 }
  }`);
    expect(slots(p).filter((n) => n.includes('adam.step'))).toEqual(['a.adam.step', 'a.group1.adam.step']);
  });

  it('reports the located errors of params, groups and writes', () => {
    const cases: [string, RegExp][] = [
      [
        `  train t(x, y) -> loss {
    loss = mean((fc2(stop_gradient(tanh(fc1(x)))) - y) ** 2)
    minimize loss with sgd(lr = 0.1) over [fc1, fc2]
  }`,
        /^test\.dl:\d+:44: the loss has no gradient for 'fc1\.W', so minimize cannot train it$/,
      ],
      [
        `  train t(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1) { [fc1.b]: lr = 0.01; [fc1]: lr = 0 }
  }`,
        /^test\.dl:\d+:61: 'fc1\.b' is in two param groups$/,
      ],
      [
        `  train t(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1) over [fc2] { [fc1.b]: lr = 0.01 }
  }`,
        /^test\.dl:\d+:52: 'fc1\.b' is in a param group but not in the 'over' list$/,
      ],
      [
        `  train t(x, y) -> loss {
    loss = mean((fc2(tanh(fc1(x))) - y) ** 2)
    minimize loss with sgd(lr = 0.1)
    fc1.W <- fc1.W * 0.5
  }`,
        /^test\.dl:\d+:5: 'fc1\.W' is written by '<-' and also updated by the optimizer in 't'$/,
      ],
    ];
    for (const [entry, want] of cases) {
      const got = messages(lowerSource(model(entry)));
      expect(got.length, entry).toBe(1);
      expect(got[0], entry).toMatch(want);
    }
  });

  it('accepts a param written by `<-` that the optimizer leaves alone (a target network)', () => {
    const p = lower(`
  train sync(x, y) -> loss {
    loss = mean((fc2(stop_gradient(tanh(fc1(x)))) - y) ** 2)
    minimize loss with sgd(lr = 0.1)
    fc1.W <- fc1.W * 0.5
  }`);
    const start = run(p, []);
    const after = run(p, ['sync']);
    expect(after['fc1.W']!.data[0]).toBe(start['fc1.W']!.data[0]! * 0.5);
  });
});
