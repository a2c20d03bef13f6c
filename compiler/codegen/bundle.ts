// Bundles a generated module with esbuild into one self-contained ESM file with the
// runtime included: `dlc/runtime` resolves to this checkout's runtime/index.ts, and
// the only import left outside is the `webgpu` package (loaded dynamically, in
// Node only). With platform 'browser' the same bundle must reach no Node import.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_PACKAGE } from './module';

/** runtime/index.ts of this dlc, found from this file (compiler/codegen/ in the source, dist/ once bundled). */
export function runtimeEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'runtime', 'index.ts');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`cannot find dlc's runtime/index.ts above ${fileURLToPath(import.meta.url)}`);
}

export interface BundleOptions {
  readonly platform?: 'neutral' | 'browser' | 'node';
  readonly minify?: boolean;
}

/** The bundled JavaScript of a generated module's TypeScript source. */
export async function bundleModule(source: string, fileName: string, options: BundleOptions = {}): Promise<string> {
  const result = await build({
    stdin: { contents: source, loader: 'ts', sourcefile: fileName, resolveDir: dirname(runtimeEntry()) },
    bundle: true,
    write: false,
    format: 'esm',
    platform: options.platform ?? 'neutral',
    target: 'es2022',
    minify: options.minify ?? false,
    alias: { [RUNTIME_PACKAGE]: runtimeEntry() },
    external: ['webgpu'],
    logLevel: 'silent',
    legalComments: 'none',
  });
  const out = result.outputFiles?.[0];
  if (!out) throw new Error(`esbuild produced no output for ${fileName}`);
  return out.text;
}
