// `node scripts/device/bundle.mjs OUTDIR`: the device kit's bundles (docs/devices.md).
// Unlike scripts/build.mjs, whose bundles resolve their packages from node_modules at
// run time, these carry every package inside them except Dawn's native `webgpu` addon,
// which the kit ships beside them as node_modules/webgpu: the device machine has a
// copy of the working tree but no node_modules and no network.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/device/bundle.mjs OUTDIR');
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The same entry points as scripts/build.mjs gives dist/dlc.js, dist/bench.js and dist/device-check.js.
const entries = { dlc: 'compiler/cli/main.ts', bench: 'bench/main.ts', 'device-check': 'bench/device-check.ts' };

for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(resolve(out), `${name}.js`),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['webgpu'],
    // TF.js's gradients exist only in its ESM sources (as in scripts/build.mjs).
    mainFields: ['module', 'main'],
    // require, __filename and __dirname for the CommonJS packages inside (TypeScript, under ts-morph, reads __filename).
    banner: {
      js: [
        "import { createRequire as __dlcCreateRequire } from 'node:module';",
        "import { fileURLToPath as __dlcFileURLToPath } from 'node:url';",
        'const require = __dlcCreateRequire(import.meta.url);',
        'const __filename = __dlcFileURLToPath(import.meta.url);',
        "const __dirname = __dlcFileURLToPath(new URL('.', import.meta.url));",
      ].join(' '),
    },
    define: { DLC_VERSION: JSON.stringify(version) },
    legalComments: 'none',
    logLevel: 'warning',
  });
}
