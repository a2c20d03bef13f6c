// runtime/device must bundle for the browser: with 'webgpu' external, nothing of
// Node may be imported (the Node path loads 'webgpu' with a dynamic import).
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli';

describe('runtime/device browser bundle', () => {
  it('bundles for the browser with only a dynamic import of webgpu', async () => {
    const result = await build({
      entryPoints: [`${repoRoot}/runtime/device.ts`],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      external: ['webgpu'],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/^import .* from /m);
    expect(code).not.toMatch(/require\(/);
    expect(code).toMatch(/await import\("webgpu"\)/);
  });
});
