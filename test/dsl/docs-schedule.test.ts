// The examples of docs/language.md's "Training schedules" lower cleanly to the
// stages the text describes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { lowerSource, messages } from '../compiler/lower/helpers';

const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Training schedules'), doc.indexOf('## Diagnostics'));
const examples = [...section.matchAll(/```\n(model[\s\S]*?)```/g)].map((m) => m[1]!);

it('has the DBN example, whose schedule pretrains two RBMs and fine-tunes', () => {
  expect(examples.length).toBe(2);
  const r = lowerSource(examples[0]!, { defines: { pre_epochs: 2 } });
  expect(messages(r)).toEqual([]);
  expect(r.program!.schedule).toEqual({
    stages: [
      { name: 'layer1', entry: 'rbm1', length: { count: 2, unit: 'epochs' }, evalEvery: 0, calls: [] },
      { name: 'layer2', entry: 'rbm2', length: { count: 2, unit: 'epochs' }, evalEvery: 0, calls: [] },
      {
        name: 'finetune',
        entry: 'finetune',
        length: { count: 20, unit: 'epochs' },
        lrSchedule: 'cosine',
        evalEvery: 1,
        calls: [],
      },
    ],
  });
});

it('has the curriculum example, whose stages train on the easiest quarter, then half, then all', () => {
  const r = lowerSource(examples[1]!, { defines: { medium: 0.75 } });
  expect(messages(r)).toEqual([]);
  const stages = r.program!.schedule!.stages;
  expect(stages.map((s) => [s.name, s.easiest])).toEqual([
    ['prototypes', undefined],
    ['easy', { fraction: 0.25, entry: 'difficulty' }],
    ['medium', { fraction: 0.75, entry: 'difficulty' }],
    ['all', undefined],
  ]);
});
