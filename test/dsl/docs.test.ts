// docs/language.md's generated sections must match the tables they describe.
// UPDATE_GOLDEN=1 rewrites them in place.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { renderBuiltinsReference, renderDiagnosticsReference } from '../../dsl/reference';

const path = join(__dirname, '../../docs/language.md');

function section(doc: string, name: string, body: string): string {
  const begin = `<!-- BEGIN GENERATED ${name} -->\n`;
  const end = `<!-- END GENERATED ${name} -->`;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/language.md lacks the ${name} markers`);
  return doc.slice(0, a + begin.length) + body + doc.slice(b);
}

test('docs/language.md tables match dsl/builtins.ts and dsl/diagnostics.ts', () => {
  const doc = readFileSync(path, 'utf8');
  const want = section(section(doc, 'BUILTINS', renderBuiltinsReference()), 'DIAGNOSTICS', renderDiagnosticsReference());
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, want);
  expect(readFileSync(path, 'utf8')).toBe(want);
});
