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
  expect(examples.length).toBe(3);
  const r = lowerSource(examples[0]!, { defines: { pre_epochs: 2 } });
  expect(messages(r)).toEqual([]);
  expect(r.program!.schedule).toEqual({
    stages: [
      { name: 'layer1', entry: 'rbm1', length: { count: 2, unit: 'epochs' }, evalEvery: null, calls: [] },
      { name: 'layer2', entry: 'rbm2', length: { count: 2, unit: 'epochs' }, evalEvery: null, calls: [] },
      {
        name: 'finetune',
        entry: 'finetune',
        length: { count: 20, unit: 'epochs' },
        lrSchedule: 'cosine',
        evalEvery: { count: 1, unit: 'epochs' },
        calls: [],
      },
    ],
  });
});

it('has the DQN example: data-free steps, the target synced every 50, greedy games every 500 steps', () => {
  const r = lowerSource(examples[1]!);
  expect(messages(r)).toEqual([]);
  expect(r.program!.schedule).toEqual({
    stages: [
      {
        name: 'learn',
        entry: 'play',
        length: { count: 2000, unit: 'steps' },
        evalEvery: { count: 500, unit: 'steps' },
        calls: [{ entry: 'sync', every: { count: 50, unit: 'steps' } }],
      },
    ],
  });
  expect(r.program!.entries.map((e) => e.name)).toEqual(['play', 'sync', 'evaluate']);
});

it('has the curriculum example, whose stages train on the easiest quarter, then half, then all', () => {
  const r = lowerSource(examples[2]!, { defines: { medium: 0.75 } });
  expect(messages(r)).toEqual([]);
  const stages = r.program!.schedule!.stages;
  expect(stages.map((s) => [s.name, s.easiest])).toEqual([
    ['prototypes', undefined],
    ['easy', { fraction: 0.25, entry: 'difficulty' }],
    ['medium', { fraction: 0.75, entry: 'difficulty' }],
    ['all', undefined],
  ]);
});
