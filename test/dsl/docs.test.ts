// docs/language.md's generated sections must match the tables they describe;
// `npm run docs` rewrites them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { renderLanguageDoc } from '../../dsl/reference';

const path = join(__dirname, '../../docs/language.md');

test('docs/language.md tables match dsl/builtins.ts, dsl/optimizers.ts, runtime/init.ts and dsl/diagnostics.ts', () => {
  const doc = readFileSync(path, 'utf8');
  expect(doc, 'docs/language.md is stale: run `npm run docs`').toBe(renderLanguageDoc(doc));
});
