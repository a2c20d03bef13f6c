import { describe, expect, test } from 'vitest';
import { formatDiagnostics } from '../../dsl/diagnostics';
import { loadProgram } from '../../dsl/index';
import { didYouMean, editDistance } from '../../dsl/resolve';

function check(text: string): string {
  const r = loadProgram('t.dl', () => new TextEncoder().encode(text));
  return formatDiagnostics(r.diagnostics, (f) => r.sources.get(f))
    .split('\n')
    .filter((l) => /^\S+:\d+:\d+: (error|warning)/.test(l))
    .join('\n');
}

describe('programs that check clean', () => {
  test('DQN update with a target network', () =>
    expect(
      check(`model dqn(batch = 32, n_s = 4, n_a = 2, gamma = 0.99) {
  input s: f32[batch, n_s]
  input a: i32[batch]
  input r: f32[batch]
  input s2: f32[batch, n_s]
  input done: f32[batch]
  layer q = dense(n_s, n_a)
  layer q_target = dense(n_s, n_a)
  train td(s, a, r, s2, done) -> loss {
    target = r + gamma * (1 - done) * max(stop_gradient(q_target(s2)), axis = 1)
    loss = mean(huber(take(q(s), a, axis = 1) - target))
    minimize loss with rmsprop(lr = 2.5e-4)
  }
  update sync() { q_target <- q }
}`),
    ).toBe(''));
  test('lstm cell returning a tuple, member params', () =>
    expect(
      check(`model m(T = 8, batch = 2) {
  input x: f32[batch, T, 4]
  layer cell = lstm(4, 16)
  state h0: f32[batch, 16] = zeros
  state c0: f32[batch, 16] = zeros
  infer p(x) -> hs, w {
    hs, hT, cT = scan t over T carry h = h0, c = c0 { h, c = cell(x[:, t], h, c); emit h }
    w = sum(cell.W)
  }
}`),
    ).toBe(''));
  test('imports share layers', () => {
    const files: Record<string, string> = {
      'main.dl':
        'import "lib.dl"\nmodel m() {\n  input x: f32[2, 3]\n  layer l = twice(3)\n  infer p(x) -> y { y = l(x) }\n}\n',
      'lib.dl': 'layer twice(n) {\n  layer d = dense(n, n)\n  (x) => d(d(x))\n}\n',
    };
    const r = loadProgram('main.dl', (p) => {
      const t = files[p];
      if (t === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return new TextEncoder().encode(t);
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.program!.files.map((f) => f.file)).toEqual(['prelude.dl', 'lib.dl', 'main.dl']);
  });
});

describe('name errors', () => {
  test('did you mean', () => expect(didYouMean('sofmax', ['softmax', 'sum'])).toBe(" (did you mean 'softmax'?)"));
  test('no far-fetched hint', () => expect(didYouMean('b', ['T', 'x'])).toBe(''));
  test('edit distance', () => expect(editDistance('kitten', 'sitting')).toBe(3));
  test('a swap of two neighbours is one edit', () => {
    expect(editDistance('tahn', 'tanh')).toBe(1);
    expect(editDistance('rleu', 'relu')).toBe(1);
    expect(didYouMean('tahn', ['tanh', 'exp'])).toBe(" (did you mean 'tanh'?)");
    expect(didYouMean('rleu', ['relu', 'exp'])).toBe(" (did you mean 'relu'?)");
  });
  test('did you mean on an unknown builtin call', () =>
    expect(check('model m() {\n  input x: f32[3]\n  infer p(x) -> y { y = tahn(x) }\n}\n')).toContain(
      "(did you mean 'tanh'?)",
    ));
  test('builtin used as a value', () =>
    expect(check('model m() {\n  input x: f32[3]\n  infer p(x) -> y { y = relu + x }\n}\n')).toBe(
      "t.dl:3:25: error: 'relu' is a builtin function; call it instead of using it as a value",
    ));
  test('pipe target arity counts the piped value', () =>
    expect(check('model m() {\n  input x: f32[3]\n  infer p(x) -> y { y = x |> softmax(1, 2) }\n}\n')).toBe(
      "t.dl:3:25: error: builtin 'softmax' takes 2 arguments but 3 were given",
    ));
  test('calling a hyperparameter', () =>
    expect(check('model m(n = 2) {\n  input x: f32[n]\n  infer p(x) -> y { y = n(x) }\n}\n')).toBe(
      "t.dl:3:25: error: 'n' is a hyperparameter and cannot be called",
    ));
  test('<- inside a loop body', () =>
    expect(
      check('model m() {\n  state s: f32[3] = zeros\n  update u() { v = repeat 2 carry a = s { s <- a; a = a } }\n}\n'),
    ).toBe("t.dl:3:43: error: '<-' is only allowed in the body of an entry point"));
});
