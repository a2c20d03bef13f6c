import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { checkCommand } from '../../compiler/cli/commands/check';
import { checkFiles } from '../../compiler/lower/check';
import { formatDiagnostics } from '../../dsl/diagnostics';

const dir = join(__dirname, '../../examples');
const examples = readdirSync(dir).filter((f) => f.endsWith('.dl'));

describe('every example passes dlc check', () => {
  test('there are examples', () => expect(examples.length).toBeGreaterThanOrEqual(8));
  for (const name of examples) {
    test(name, () => {
      const r = checkFiles([join(dir, name)]);
      expect(formatDiagnostics(r.diagnostics, (f) => r.sources.get(f))).toBe('');
      expect(r.ioError).toBe(false);
      expect(r.loads[0]!.program).toBeDefined();
    });
  }
});

describe('dlc check exit codes', () => {
  async function run(args: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      return { code: await checkCommand.run(args), stderr };
    } finally {
      spy.mockRestore();
    }
  }
  const tmp = mkdtempSync(join(tmpdir(), 'dlc-check-'));
  const write = (name: string, data: string | Uint8Array) => {
    writeFileSync(join(tmp, name), data);
    return join(tmp, name);
  };

  test('0 when clean', async () => expect((await run([join(dir, 'rbm.dl')])).code).toBe(0));
  test('1 with errors, diagnostics on stderr', async () => {
    const r = await run([write('bad.dl', 'model m() {\n  infer p() -> y { y = nope }\n}\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bad.dl:2:24: error: undefined name 'nope'");
  });
  test('2 for a missing file', async () => {
    const r = await run([join(tmp, 'missing.dl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such file');
  });
  test('2 for a file that is not UTF-8', async () => {
    const r = await run([write('latin1.dl', new Uint8Array([0x2f, 0x2f, 0x20, 0xe9, 0x0a]))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('latin1.dl:1:4: error: file is not valid UTF-8 (invalid byte 0xe9)');
  });
  test('2 for usage errors', async () => expect((await run([])).code).toBe(2));
});
