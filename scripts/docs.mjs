// Rewrites the generated sections of docs/language.md (builtins, initializers,
// optimizers, diagnostics) from their declarations: `npm run docs`.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = await build({
  entryPoints: [join(root, 'dsl/reference.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const { renderLanguageDoc } = await import(
  `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`
);
const path = join(root, 'docs/language.md');
const before = readFileSync(path, 'utf8');
const after = renderLanguageDoc(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'docs/language.md is up to date' : 'rewrote docs/language.md');
