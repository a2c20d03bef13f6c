// The example of docs/language.md's "Training schedules" lowers cleanly to the
// stages the text describes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { lowerSource, messages } from '../compiler/lower/helpers';

const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Training schedules'), doc.indexOf('## Diagnostics'));
const examples = [...section.matchAll(/```\n(model[\s\S]*?)```/g)].map((m) => m[1]!);

it('has the DBN example, whose schedule pretrains two RBMs and fine-tunes', () => {
  expect(examples.length).toBe(1);
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
