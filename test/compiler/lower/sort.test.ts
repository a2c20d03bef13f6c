// sort and top_k from the language: values and indices on the reference and the
// device, along any axis, and a self-paced step (train on the easiest examples)
// whose gradient flows through the sorted values.
import { describe, expect, it } from 'vitest';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import { initialState } from '../../../compiler/reference/state';
import { acquireDevice } from '../../../runtime/device';
import { compareRecords, compileAt, runCalls } from '../differential/compile-run';
import { lowerSource, messages } from './helpers';

const SELECT = `
model m {
  input x: f32[2, 5]
  input i: i32[4]
  infer run(x, i) -> v, vi, s, si, c, ci {
    v, vi = top_k(x, 2)
    s, si = sort(i, descending = true)
    c, ci = sort(x, axis = 0)
  }
}`;

describe('top_k and sort', () => {
  const x = [0.5, -1, 3, 3, 2, 7, 0, -2, 1, 0];
  const i = [4, -1, 9, 4];
  const want = {
    v: [3, 3, 7, 1],
    vi: [2, 3, 0, 3],
    s: [9, 4, 4, -1],
    si: [2, 0, 3, 1],
    c: [0.5, -1, -2, 1, 0, 7, 0, 3, 3, 2],
    ci: [0, 0, 1, 1, 1, 1, 1, 0, 0, 0],
  };

  it('give the k largest in order with ties to the lower index, and sort along any axis, on the reference', () => {
    const r = lowerSource(SELECT);
    expect(messages(r)).toEqual([]);
    const feeds = { x: tensor({ dtype: 'f32', shape: [2, 5] }, x), i: tensor({ dtype: 'i32', shape: [4] }, i) };
    const out = executeEntry(r.program!, 'run', feeds, initialState(r.program!, 1));
    expect(out.results.vi!.type).toEqual({ dtype: 'i32', shape: [2, 2] });
    expect(out.results.c!.type).toEqual({ dtype: 'f32', shape: [2, 5] });
    for (const k of Object.keys(want) as (keyof typeof want)[])
      expect(Array.from(out.results[k]!.data), k).toEqual(want[k]);
  });

  it('and on the device', async () => {
    const acquired = await acquireDevice();
    const calls = [{ entry: 'run', inputs: { x: Float32Array.from(x), i: Int32Array.from(i) } }];
    const record = await runCalls(compileAt(lowerSource(SELECT).program!, 2, acquired), calls, acquired);
    for (const k of Object.keys(want) as (keyof typeof want)[])
      expect(Array.from(record.get(`0:run.${k}`)!), k).toEqual(want[k]);
  });
});

// Self-paced learning: each step trains on the two easiest of four examples. The
// same step written on the two picked examples alone must move W the same way.
const SELF_PACED = `
model paced {
  input x: f32[4, 3]
  input y: i32[4]
  param W: f32[3, 2] = normal(0, 0.5)
  train step(x, y) -> loss, picked {
    losses = cross_entropy(x @ W, y)
    easy, order = sort(losses)
    loss = mean(easy[0:2])
    picked = order[0:2]
    minimize loss with sgd(lr = 0.5)
  }
}`;

const PICKED_ONLY = `
model paced {
  input x: f32[2, 3]
  input y: i32[2]
  param W: f32[3, 2] = normal(0, 0.5)
  train step(x, y) -> loss {
    loss = mean(cross_entropy(x @ W, y))
    minimize loss with sgd(lr = 0.5)
  }
}`;

describe('a gradient through sorted values', () => {
  it('reaches only the selected examples, on the reference and the device', async () => {
    const [paced, plain] = [SELF_PACED, PICKED_ONLY].map((text) => {
      const r = lowerSource(text);
      expect(messages(r)).toEqual([]);
      return r.program!;
    });
    const x = [1, 0, -1, 0.5, 2, 0, -1, 1, 1, 0, 0.5, -2];
    const y = [0, 1, 1, 0];
    const feeds = { x: tensor({ dtype: 'f32', shape: [4, 3] }, x), y: tensor({ dtype: 'i32', shape: [4] }, y) };
    const ref = executeEntry(paced!, 'step', feeds, initialState(paced!, 3));
    const picked = Array.from(ref.results.picked!.data);
    const rows = { x: picked.flatMap((r) => x.slice(3 * r, 3 * r + 3)), y: picked.map((r) => y[r]!) };
    const alone = executeEntry(
      plain!,
      'step',
      {
        x: tensor({ dtype: 'f32', shape: [2, 3] }, rows.x),
        y: tensor({ dtype: 'i32', shape: [2] }, rows.y),
      },
      initialState(plain!, 3),
    );
    const written = (e: typeof ref) => Array.from(e.assigns.W!.data);
    written(ref).forEach((w, k) => expect(w).toBeCloseTo(written(alone)[k]!, 12));
    expect(ref.results.loss!.data[0]).toBeCloseTo(alone.results.loss!.data[0]!, 12);

    const acquired = await acquireDevice();
    const calls = [{ entry: 'step', inputs: { x: Float32Array.from(x), y: Int32Array.from(y) } }];
    const got = await runCalls(compileAt(paced!, 2, acquired), calls, acquired);
    const want = new Map<string, Float64Array>([
      ['0:step.loss', ref.results.loss!.data],
      ['0:step.picked', ref.results.picked!.data],
      ['saved W', Float64Array.from(written(ref))],
    ]);
    expect(compareRecords(want, new Map([...want.keys()].map((k) => [k, got.get(k)!])))).toEqual([]);
  });
});
