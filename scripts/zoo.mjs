// `npm run zoo`: bundles scripts/zoo/main.ts (TypeScript, importing the runtime) to
// dist/zoo.js with esbuild, as scripts/build.mjs bundles the CLI, then runs it with
// this script's arguments. dist/dlc.js must be built first (`npm run zoo` does).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'zoo.js');
await build({
  entryPoints: [join(root, 'scripts/zoo/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  banner: {
    js: "import { createRequire as __dlcCreateRequire } from 'node:module'; const require = __dlcCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
process.chdir(root);
await import(pathToFileURL(outfile).href);
