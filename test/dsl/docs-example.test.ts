// docs/language.md's "A complete model" lowers cleanly, and its predict takes fewer
// rows while its train step needs the full batch (as its comment says).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { planBatch } from '../../compiler/ir/batch-rows';
import { lowerSource, messages } from '../compiler/lower/helpers';

const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
const section = doc.slice(doc.indexOf('## A complete model'), doc.indexOf('## Lexical structure'));

it('the complete model lowers, with its layers, entries and batch rows', () => {
  const text = /```\n([\s\S]*?)```/.exec(section)![1]!;
  const r = lowerSource(text);
  expect(messages(r)).toEqual([]);
  const program = r.program!;
  expect(program.model).toBe('digits');
  expect(program.persistent.filter((t) => t.kind === 'param').map((t) => t.name)).toEqual([
    'h1.W',
    'h1.b',
    'h2.W',
    'h2.b',
    'out.W',
    'out.b',
  ]);
  const [predict, step] = program.entries;
  expect(planBatch(program, predict!)).toEqual({
    size: 64,
    inputs: ['x'],
    outputs: ['prob'],
  });
  expect(planBatch(program, step!)!.fixed!.reason).toBe("output 'loss' combines rows of the batch");
});
