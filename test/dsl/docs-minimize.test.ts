// The examples of docs/language.md's "What `minimize` updates" lower cleanly and
// have the slots and scalars the text says they have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { lowerSource, messages } from '../compiler/lower/helpers';

const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
const section = doc.slice(doc.indexOf('## What `minimize` updates'), doc.indexOf('## Derivatives as values'));
const examples = [...section.matchAll(/```\n(model[\s\S]*?)```/g)].map((m) => m[1]!);

it('has the two examples, which lower with the documented slots and scalars', () => {
  expect(examples.length).toBe(2);
  const [dbn, clf] = examples.map((text) => {
    const r = lowerSource(text);
    expect(messages(r)).toEqual([]);
    return r.program!;
  });
  expect(dbn!.persistent.filter((t) => t.kind === 'slot').map((t) => t.name)).toEqual([
    'stage1.W1.momentum',
    'stage2.W2.momentum',
  ]);
  expect(
    clf!.scalars
      .map((s) => s.name)
      .filter((n) => n.startsWith('tune.'))
      .sort(),
  ).toEqual(['tune.group1.weight_decay', 'tune.group2.lr', 'tune.lr', 'tune.momentum', 'tune.weight_decay']);
  expect(
    clf!.persistent
      .filter((t) => t.kind === 'slot' && t.name.startsWith('head.'))
      .map((t) => t.name)
      .sort(),
  ).toEqual(['head.fc2.W.momentum', 'head.fc2.b.momentum', 'head.out.W.momentum', 'head.out.b.momentum']);
});
