// The browser-safe runtime modules must bundle for a browser: no Node built-ins, no
// npm data packages. (The *-node.ts files are the Node-only side.)
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const BROWSER_SAFE = [
  'runtime/data/dataset.ts',
  'runtime/data/mnist.ts',
  'runtime/data/text.ts',
  'runtime/data/npy.ts',
  'runtime/data/batches.ts',
  'runtime/data/bind.ts',
  'runtime/checkpoint/codec.ts',
  'runtime/schedule.ts',
  'runtime/png.ts',
  'runtime/images.ts',
  'runtime/plot.ts',
];

async function bundleForBrowser(files: string[]): Promise<string[]> {
  const contents = files.map((f, i) => `export * as m${i} from ${JSON.stringify(join(root, f))};`).join('\n');
  try {
    await build({
      stdin: { contents, resolveDir: root, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    return [];
  } catch (e) {
    return (e as { errors: { text: string }[] }).errors.map((x) => x.text);
  }
}

describe('browser build', () => {
  it('bundles the data, checkpoint, schedule and picture modules for platform browser', async () => {
    expect(await bundleForBrowser(BROWSER_SAFE)).toEqual([]);
  });

  it('would fail if a Node-only module were reached (the check can fail)', async () => {
    const errors = await bundleForBrowser(['runtime/data/npy-node.ts']);
    expect(errors.some((t) => t.includes('node:fs'))).toBe(true);
  });
});
