// Golden files for the type and shape checks: test/compiler/lower/golden/X.dl →
// X.txt, the exact text `dlc check X.dl` prints (every file here has errors the
// front end does not see, so each is caught by the lowering). Refresh with
// UPDATE_GOLDEN=1 and review the diff.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { checkCommand, checkFiles } from '../../../compiler/cli/commands/check';
import { formatDiagnostics } from '../../../dsl/diagnostics';

const root = join(__dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

describe('dlc check: types and shapes', () => {
  for (const name of readdirSync(root).filter((f) => f.endsWith('.dl'))) {
    test(name, () => {
      // Paths relative to the repo root so the text is the same on every machine.
      const path = relative(process.cwd(), join(root, name));
      const r = checkFiles([path]);
      expect(r.loads[0].diagnostics, 'the front end finds nothing; the lowering does').toEqual([]);
      const text = formatDiagnostics(r.diagnostics, (f) => r.sources.get(f));
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics.every((d) => d.code !== 'internal-error')).toBe(true);
      const golden = join(root, name.replace(/\.dl$/, '.txt'));
      if (update || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }
});

describe('dlc check exit status with type and shape errors', () => {
  async function run(text: string): Promise<{ code: number; stderr: string }> {
    const path = join(mkdtempSync(join(tmpdir(), 'dlc-check-types-')), 'm.dl');
    writeFileSync(path, text);
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      return { code: await checkCommand.run([path]), stderr };
    } finally {
      spy.mockRestore();
    }
  }

  test('1 for a shape error, located at the operator', async () => {
    const r = await run('model m {\n  input a: f32[2, 3]\n  infer p(a) -> y { y = a @ a }\n}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('m.dl:3:27: error: matmul: inner dimensions differ: [2,3] @ [2,3]');
    expect(r.stderr).toContain('m.dl:3:25: note: the left operand is f32[2,3]');
  });

  test('0 for a file of layers and fns only (no model to elaborate)', async () => {
    const r = await run('layer twice(n) {\n  param w: f32[n] = ones\n  (x) => x * w * 2\n}\n');
    expect(r).toEqual({ code: 0, stderr: '' });
  });

  test('every model of the file is checked', async () => {
    const r = await run('model a {\n  input x: f32[2]\n  infer p(x) -> y { y = x }\n}\nmodel b {\n  input x: f32[2]\n  infer p(x) -> y { y = x.T }\n}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('m.dl:7:25: error: .T swaps the last two axes, but this tensor has rank 1');
  });
});
