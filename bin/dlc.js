#!/usr/bin/env node
// The `dlc` command. The CLI is bundled by `npm run build` (run by `npm install`
// through `prepare`); when the bundle is missing we build it first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'dlc.js');
if (!existsSync(bundle)) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
await import(bundle);
