// Golden files for the type and shape checks: test/compiler/lower/golden/X.dl →
// X.txt, the exact text `dlc check X.dl` prints (every file here has errors the
// front end does not see, so each is caught by the lowering). Refresh with
// UPDATE_GOLDEN=1 and review the diff.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { checkCommand } from '../../../compiler/cli/commands/check';
import { checkFiles } from '../../../compiler/lower/check';
import { failureDiagnostic } from '../../../compiler/lower/errors';
import { MAX_INLINE_DEPTH } from '../../../compiler/lower/expr';
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

  test('0 for a file of layers and fns only, with a warning that compile needs a model', async () => {
    const r = await run('layer twice(n) {\n  param w: f32[n] = ones\n  (x) => x * w * 2\n}\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('m.dl:1:1: warning: the file defines no model, so `dlc compile` will refuse it');
  });

  test('every model of the file is checked', async () => {
    const r = await run(
      'model a {\n  input x: f32[2]\n  infer p(x) -> y { y = x }\n}\nmodel b {\n  input x: f32[2]\n  infer p(x) -> y { y = x.T }\n}\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('m.dl:7:25: error: .T swaps the last two axes, but this tensor has rank 1');
  });
});

describe('deep chains of calls', () => {
  /** A model whose entry inlines a chain of `depth` fns, each calling the one before. */
  function chain(depth: number): string {
    const lines = ['fn f0(v) = v * 2'];
    for (let i = 1; i < depth; i++) lines.push(`fn f${i}(v) = f${i - 1}(v) + 1`);
    lines.push('model m {', '  input x: f32[2]', `  infer p(x) -> y { y = f${depth - 1}(x) }`, '}');
    return lines.join('\n') + '\n';
  }
  const check = (text: string) => checkFiles(['chain.dl'], () => new TextEncoder().encode(text)).diagnostics;

  test('a chain at the limit lowers', () => expect(check(chain(MAX_INLINE_DEPTH))).toEqual([]));

  test('one call more is reported at the call that goes past the limit, without a note per call', () => {
    const [d, ...rest] = check(chain(MAX_INLINE_DEPTH + 1));
    expect(rest).toEqual([]);
    expect(d.code).toBe('inline-too-deep');
    expect(d.message).toBe(
      `fn and layer calls nested more than ${MAX_INLINE_DEPTH} deep (dlc inlines every call); make the chain shorter`,
    );
    expect(d.span.line).toBe(2);
    expect(d.notes).toEqual([]);
  });

  test('a JavaScript stack overflow while lowering is a located depth error, not an internal error', () => {
    const span = { file: 'a.dl', line: 3, col: 5, endLine: 3, endCol: 9 };
    expect(failureDiagnostic(new RangeError('Maximum call stack size exceeded'), span)).toMatchObject({
      code: 'lowering-too-deep',
      span,
    });
    expect(failureDiagnostic(new TypeError('x is undefined'), span)).toMatchObject({ code: 'internal-error', span });
  });
});
