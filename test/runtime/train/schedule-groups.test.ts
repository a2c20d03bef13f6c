// An lr schedule scales every learning rate of the train entry: its own `ENTRY.lr`
// and each param group's `ENTRY.groupK.lr`, so the groups keep their ratios.
import { expect, it } from 'vitest';
import { scheduledRates } from '../../../compiler/cli/commands/run-train';
import { learningRate, parseSchedule } from '../../../runtime/schedule';
import { lowerSource } from '../../compiler/lower/helpers';

it("schedules the entry lr and every group lr of that entry, and no other entry's", () => {
  const p = lowerSource(`
model m {
  input x: f32[4, 3]
  layer fc1 = dense(3, 5)
  layer fc2 = dense(5, 2)
  train step(x) -> loss {
    loss = mean(fc2(tanh(fc1(x))) ** 2)
    minimize loss with sgd(lr = 0.1, momentum = 0.9) {
      [fc1]: lr = 0.01
      [fc2.b]: weight_decay = 0
    }
  }
  train other(x) -> loss {
    loss = mean(fc2(x @ fc1.W) ** 2)
    minimize loss with sgd(lr = 0.5)
  }
}`).program!;
  const rates = scheduledRates(p.scalars, 'step');
  expect(rates.map((s) => `${s.name}=${s.value}`)).toEqual(['step.lr=0.1', 'step.group1.lr=0.01']);
  const s = parseSchedule('step:every=10,gamma=0.5');
  expect(rates.map((r) => learningRate(s, r.value, 25))).toEqual([0.025, 0.0025]);
  expect(scheduledRates(p.scalars, 'other').map((r) => r.name)).toEqual(['other.lr']);
});
