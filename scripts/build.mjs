// Bundles the CLI (and the benchmark) with esbuild into dist/.
// Native and heavy packages stay external: they are resolved from node_modules at run time.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// runtime: what `dlc/runtime` (package.json exports) resolves to for generated modules.
const entries = {
  dlc: 'compiler/cli/main.ts',
  bench: 'bench/main.ts',
  profile: 'bench/profile.ts',
  runtime: 'runtime/index.ts',
  'device-check': 'bench/device-check.ts',
};

/** Marks every bare import external except those starting with one of `prefixes`. */
function externalExcept(prefixes) {
  return {
    name: 'external-except',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        prefixes.some((p) => args.path.startsWith(p)) ? undefined : { path: args.path, external: true },
      );
    },
  };
}

for (const [name, entry] of Object.entries(entries)) {
  if (!existsSync(join(root, entry))) continue;
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(root, 'dist', `${name}.js`),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // The benchmark bundles TF.js (tfjs-core's gradients exist only in its ESM sources)
    // and seedrandom, whose named exports Node's ESM loader cannot see.
    ...(name === 'bench'
      ? { plugins: [externalExcept(['@tensorflow/', 'seedrandom'])], mainFields: ['module', 'main'] }
      : { packages: 'external' }),
    banner: {
      js: "import { createRequire as __dlcCreateRequire } from 'node:module'; const require = __dlcCreateRequire(import.meta.url);",
    },
    define: { DLC_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
}
