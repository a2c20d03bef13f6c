// Bad input bytes: each gets a located diagnostic or checks clean, in bounded
// time, without a JavaScript stack overflow.
import { describe, expect, test } from 'vitest';
import { formatDiagnostics } from '../../dsl/diagnostics';
import { loadProgram } from '../../dsl/index';
import { parseSource } from '../../dsl/parse';

function load(bytes: Uint8Array | string) {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return loadProgram('in.dl', (p) => {
    if (p === 'in.dl') return data;
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  });
}

describe('bad input', () => {
  test('empty file checks clean', () => {
    const r = load('');
    expect(r.diagnostics).toEqual([]);
    expect(r.program?.root.items).toEqual([]);
  });
  test('invalid UTF-8 is a located error', () => {
    const r = load(new Uint8Array([0x6d, 0x6f, 0x0a, 0x61, 0xc3, 0x28]));
    expect(r.ioError).toBe(true);
    expect(formatDiagnostics(r.diagnostics, () => undefined)).toBe(
      'in.dl:2:2: error: file is not valid UTF-8 (invalid byte 0xc3)\n',
    );
  });
  test('missing root file is an I/O error', () => {
    const r = loadProgram('nope.dl', () => {
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    });
    expect(r.ioError).toBe(true);
    expect(r.ioMessage).toBe("cannot read 'nope.dl': no such file");
  });
  test('binary garbage: located errors, capped', () => {
    let seed = 7;
    const bytes = new Uint8Array(200_000);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[i] = (seed >>> 16) & 0x7f;
    }
    const r = load(bytes);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.length).toBeLessThanOrEqual(101);
    for (const d of r.diagnostics) expect(d.span.line).toBeGreaterThan(0);
  });
  test('NUL bytes', () => {
    const r = load('model m() {\0}\n');
    expect(r.diagnostics[0]!.message).toBe("unexpected character '\\u0000'");
  });
  test('a 1 MB line', () => {
    const text = `fn f(x) = x${' + x'.repeat(250_000)}\n`;
    const r = parseSource(text, 'long.dl');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['nested-too-deeply']);
    const formatted = formatDiagnostics(r.diagnostics, text);
    expect(formatted.length).toBeLessThan(1000);
  });
  test('a 1 MB line that is fine', () => {
    const text = `model m() {\n  input x: f32[3]\n  fn f(v) = v${' '.repeat(1_000_000)}\n}\n`;
    expect(parseSource(text, 'wide.dl').diagnostics).toEqual([]);
  });
  test('100,000-line file', () => {
    const lines = ['model big(n = 4) {', '  input x: f32[n]'];
    for (let i = 0; i < 100_000; i++) lines.push(`  fn f${i}(v) = relu(v * ${i} + x)`);
    lines.push('}');
    const r = load(lines.join('\n'));
    expect(r.diagnostics).toEqual([]);
  }, 120_000);
  test('parentheses nested 300,000 deep', () => {
    const text = `fn f(x) = ${'('.repeat(300_000)}x${')'.repeat(300_000)}\n`;
    const r = parseSource(text, 'deep.dl');
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`)).toEqual([
      '1:111 expression nested too deeply (more than 100 levels); split it into named steps',
    ]);
  });
  test('unary minus 300,000 deep', () => {
    const text = `fn f(x) = ${'-'.repeat(300_000)}x\n`;
    expect(parseSource(text, 'neg.dl').diagnostics.map((d) => d.code)).toEqual(['nested-too-deeply']);
  });
  test('nesting just under the limit parses', () => {
    const text = `fn f(x) = ${'('.repeat(99)}x${')'.repeat(99)}\n`;
    expect(parseSource(text, 'ok.dl').diagnostics).toEqual([]);
  });
  test('long operator chain under the limit resolves', () => {
    const r = load(`model m() {\n  input x: f32[3]\n  fn f(v) = v${' + v'.repeat(900)}\n}\n`);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('deep postfix chains', () => {
  test('calls chained 300,000 times', () => {
    const text = `fn f(x) = x${'(x)'.repeat(300_000)}\n`;
    expect(parseSource(text, 'calls.dl').diagnostics.map((d) => d.code)).toEqual(['nested-too-deeply']);
  });
  test('indexing chained 300,000 times', () => {
    const r = load(`model m() {\n  input x: f32[3]\n  fn f(v) = v${'[0]'.repeat(300_000)}\n}\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['nested-too-deeply']);
  });
  test('transpose chained 300,000 times', () => {
    expect(parseSource(`fn f(x) = x${'.T'.repeat(300_000)}\n`, 't.dl').diagnostics.map((d) => d.code)).toEqual([
      'nested-too-deeply',
    ]);
  });
});
