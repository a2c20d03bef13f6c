// Where the tests of generated modules write them: a fresh folder under
// node_modules/.cache (ignored by git, and inside the checkout so a bundle's
// `webgpu` import resolves), removed after the calling test file's tests.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** The checkout's root folder. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A new folder named `prefix` + random characters; call it at the top level of a test file. */
export function moduleScratchDir(prefix: string): string {
  const cacheDir = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(join(cacheDir, prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
