// Tensor literals and constants from the language: their values on the reference
// and the device, their dtypes, and that a train step computes none of them (they
// are folded at compile time into constant buffers uploaded once).
import { describe, expect, it } from 'vitest';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import { initialState } from '../../../compiler/reference/state';
import { acquireDevice } from '../../../runtime/device';
import type { Plan, Step } from '../../../runtime/plan';
import { compileAt, runCalls } from '../differential/compile-run';
import { lowerSource, messages } from './helpers';

const LITERALS = `
model m {
  input x: f32[2, 3]
  input i: i32[2]
  infer run(x, i) -> y, z, j, b, k {
    P = [[1, 0, 0], [0, 2, 0], [0, 0, 3]]
    y = x @ P + f32(arange(3) % 2)
    z = one_hot([0, 2], 3) * [0.5, 1, 2]
    j = i * [3, -1]
    b = [true, false]
    k = [[1, 2], [3, 4]]
  }
}`;

describe('tensor literals', () => {
  const x = [1, 2, 3, 4, 5, 6];
  const i = [5, 7];
  const want = { y: [1, 5, 9, 4, 11, 18], z: [0.5, 0, 0, 0, 0, 2], j: [15, -7], b: [1, 0], k: [1, 2, 3, 4] };

  it('take their dtype from the tensor beside them, else from their elements', () => {
    const r = lowerSource(LITERALS);
    expect(messages(r)).toEqual([]);
    const out = executeEntry(
      r.program!,
      'run',
      { x: tensor({ dtype: 'f32', shape: [2, 3] }, x), i: tensor({ dtype: 'i32', shape: [2] }, i) },
      initialState(r.program!, 1),
    );
    expect(out.results.j.type).toEqual({ dtype: 'i32', shape: [2] });
    expect(out.results.b.type).toEqual({ dtype: 'bool', shape: [2] });
    expect(out.results.k.type).toEqual({ dtype: 'i32', shape: [2, 2] });
    for (const k of Object.keys(want) as (keyof typeof want)[])
      expect(Array.from(out.results[k].data)).toEqual(want[k]);
  });

  it('give the same values on the device, at -O0 (computed) and -O2 (folded)', async () => {
    const acquired = await acquireDevice();
    const calls = [{ entry: 'run', inputs: { x: Float32Array.from(x), i: Int32Array.from(i) } }];
    for (const level of [0, 2] as const) {
      const record = await runCalls(compileAt(lowerSource(LITERALS).program!, level, acquired), calls, acquired);
      for (const k of Object.keys(want))
        expect(Array.from(record.get(`0:run.${k}`)!), `${k} at -O${level}`).toEqual(want[k as keyof typeof want]);
    }
  });
});

// The same train step twice: once with its pooling matrix written as constants,
// once with the matrix fed as an input. Folding must leave no kernel for it.
const pooling = (asInput: boolean): string => `
model tica(batch = 2) {
  input x: f32[batch, 4]
  ${asInput ? 'input P: f32[4, 4]' : ''}
  param W: f32[4, 4] = normal(0, 0.5)
  train step(x${asInput ? ', P' : ''}) -> loss {
    ${asInput ? '' : 'P = eye(4) + one_hot((arange(4) + 1) % 4, 4) * [[1], [1], [1], [0.5]]'}
    h = x @ W
    loss = mean(sqrt(h * h @ P + 0.01)) + mean((h @ W.T - x) ** 2)
    minimize loss with sgd(lr = 0.1)
  }
}`;

function dispatches(steps: readonly Step[]): number {
  return steps.reduce((n, s) => n + (s.kind === 'dispatch' ? 1 : s.kind === 'loop' ? dispatches(s.body) : 0), 0);
}

describe('constants in a train step', () => {
  it('are folded into a constant buffer: the step runs no kernel for them', async () => {
    const acquired = await acquireDevice();
    const plans: Plan[] = [pooling(false), pooling(true)].map((text) => {
      const r = lowerSource(text);
      expect(messages(r)).toEqual([]);
      return compileAt(r.program!, 2, acquired);
    });
    const [folded, fed] = plans.map((p) => p.entries.find((e) => e.name === 'step')!);
    expect(dispatches(folded.steps)).toBe(dispatches(fed.steps));
    const P = [1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0.5, 0, 0, 1];
    const consts = plans[0].buffers.filter((b) => b.kind === 'const');
    expect(consts.map((b) => b.data)).toContainEqual(P);
    // And the step trains the same from either.
    const x = Float32Array.from({ length: 8 }, (_, k) => Math.sin(k + 1));
    const a = await runCalls(plans[0], [{ entry: 'step', inputs: { x } }], acquired);
    const b = await runCalls(plans[1], [{ entry: 'step', inputs: { x, P: Float32Array.from(P) } }], acquired);
    expect(Array.from(a.get('0:step.loss')!)).toEqual(Array.from(b.get('0:step.loss')!));
    expect(Array.from(a.get('saved W')!)).toEqual(Array.from(b.get('saved W')!));
  });
});
