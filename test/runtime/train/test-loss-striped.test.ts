// A run in striped order is scored on striped test batches: row r reads its own stream
// of test examples, every state starts from its initializer (as training did) and is
// carried from batch to batch,
// while the params (and their optimizer slots) are put back after each batch.
import { describe, expect, it } from 'vitest';
import { createReferenceRunner } from '../../../compiler/reference/runner';
import { hostTensor } from '../../../runtime/data/tensor';
import { testLoss } from '../../../runtime/train/test-loss';
import { lowerSource } from '../../compiler/lower/helpers';

const B = 2;
const ROWS = 7; // S = 3 examples per stream; the seventh is left over
// loss = mean((x + s) · w); the state s sums the examples its row has read.
const SOURCE = `
model carried {
  input x: f32[${B}, 2]
  param w: f32[2] = ones
  state s: f32[${B}, 2] = constant(0.5)
  train step(x) -> loss {
    loss = mean((x + s) * w)
    s <- stop_gradient(x + s)
    minimize loss with sgd(lr = 0.5, momentum = 0.9)
  }
}`;

function testSplit(): Float32Array {
  return Float32Array.from({ length: ROWS * 2 }, (_, i) => ((i * 5) % 11) - 4);
}

describe('striped test loss', () => {
  it('carries each state along its stream from its initial value and puts every tensor back', async () => {
    const program = lowerSource(SOURCE).program!;
    const runner = createReferenceRunner(program, 3);
    const step = runner.entries.find((e) => e.name === 'step')!;
    const bindings = [{ field: 'x', input: 'x', reshape: false }];
    // Train two steps so that w, the momentum slot and s are not at their starting values.
    const x0 = Float32Array.from([1, 2, 3, 4]);
    await runner.run('step', { x: x0 });
    await runner.run('step', { x: x0 });
    const before = await runner.save();
    const w = Array.from(before.w!);
    const data = testSplit();
    const got = await testLoss(runner, step, 'loss', { x: hostTensor('f32', [ROWS, 2], data) }, bindings, B, 'striped');
    expect(await runner.save()).toEqual(before);

    // By hand: S = floor(7 / 2) = 3; batch k holds examples r·3 + k of rows r = 0, 1.
    const S = Math.floor(ROWS / B);
    let sum = 0;
    // Each stream starts from s's initializer, not from the trained s nor from zero.
    const carried = [
      [0.5, 0.5],
      [0.5, 0.5],
    ];
    for (let k = 0; k < S; k++) {
      let batchLoss = 0;
      for (let r = 0; r < B; r++) {
        const ex = r * S + k;
        for (let c = 0; c < 2; c++) {
          batchLoss += (data[ex * 2 + c]! + carried[r]![c]!) * w[c]!;
          carried[r]![c]! += data[ex * 2 + c]!;
        }
      }
      sum += batchLoss / (B * 2);
    }
    expect(got).toBeCloseTo(sum / S, 5);

    // Stored order puts the trained state back before every batch: another number.
    const stored = await testLoss(runner, step, 'loss', { x: hostTensor('f32', [ROWS, 2], data) }, bindings, B);
    expect(Math.abs(stored! - got!)).toBeGreaterThan(0.1);
  });
});
