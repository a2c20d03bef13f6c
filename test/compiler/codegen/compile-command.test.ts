// `dlc compile` on a hand-built program (the lowering is passed in), its argument
// parsing and its JSON summary.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compile, makeCompileCommand, parseCompileArgs } from '../../../compiler/cli/commands/compile';
import { compileProgram } from '../../../compiler/driver';
import { resolveTarget, resolveTargets } from '../../../compiler/cli/target';
import { DEFAULT_LIMITS } from '../../../compiler/codegen/generate-plan';
import { formatReport, planReport } from '../../../compiler/codegen/report';
import { dispatchSteps } from '../../../compiler/codegen/stats';
import { DlcError } from '../../../runtime/errors';
import { SCALAR_WORDS } from '../../../runtime/plan';
import { mlpProgram, scanProgram } from './programs';

const dir = mkdtempSync(join(tmpdir(), 'dlc-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await fn(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('dlc compile', () => {
  it('parses files, -o, -D and flags', () => {
    expect(parseCompileArgs(['m.dl', '-o', 'out', '-D', 'batch=64', '-Dtrain=false', '--json'])).toEqual({
      file: 'm.dl',
      out: 'out',
      defines: { batch: 64, train: false },
      json: true,
      level: 2,
      family: undefined,
      target: 'tuned',
    });
    expect(parseCompileArgs(['m.dl', '-o', 'out', '--target', 'portable']).target).toBe('portable');
    expect(() => parseCompileArgs(['m.dl', '-o', 'out', '--target', 'fast'])).toThrow(
      /^--target must be portable, tuned or adaptive, got 'fast'$/,
    );
    expect(parseCompileArgs(['m.dl', '-o', 'out', '-O0']).level).toBe(0);
    expect(parseCompileArgs(['m.dl', '-o', 'out', '-O1']).level).toBe(1);
    expect(() => parseCompileArgs(['m.dl', '-o', 'x', '-O3'])).toThrow(/unknown optimization level '-O3'/);
    expect(() => parseCompileArgs(['m.dl'])).toThrow(/needs -o DIR/);
    expect(() => parseCompileArgs(['m.dl', '-o', 'x', '-D', 'batch'])).toThrow(/-D expects name=value, got 'batch'/);
    expect(() => parseCompileArgs(['m.dl', '-o', 'x', '--fast'])).toThrow(DlcError);
  });

  it('--target adaptive carries both families: --family and --textures are refused, dlc ir needs one family', async () => {
    expect((await resolveTargets('adaptive')).map((t) => [t.family, t.textures])).toEqual([
      ['register', true],
      ['shared', false],
    ]);
    await expect(resolveTargets('adaptive', 'register')).rejects.toThrow(
      /^--target adaptive carries both kernel families, so --family and --textures do not apply/,
    );
    await expect(resolveTarget('adaptive')).rejects.toThrow(/add --family register or --family shared$/);
    expect((await resolveTarget('adaptive', 'shared')).family).toBe('shared');
  });

  it('passes defines to the lowering, writes the four files and prints the JSON summary', async () => {
    const seen: unknown[] = [];
    const cmd = makeCompileCommand((path, options) => {
      seen.push([path, options.defines]);
      return { program: mlpProgram(), diagnostics: [] };
    });
    const { code, stdout } = await capture(() =>
      cmd.run(['tiny.dl', '-o', dir, '-D', 'hidden=7', '--json', '--family', 'register', '-O0']),
    );
    expect(code).toBe(0);
    expect(seen).toEqual([['tiny.dl', { hidden: 7 }]]);
    for (const ext of ['source.ts', 'd.ts', 'js']) expect(existsSync(join(dir, `tiny_mlp.${ext}`))).toBe(true);
    expect(existsSync(join(dir, 'dlc-runtime.d.ts'))).toBe(true);
    // No tiny_mlp.ts: TypeScript would resolve './tiny_mlp.js' to it before the .d.ts.
    expect(existsSync(join(dir, 'tiny_mlp.ts'))).toBe(false);
    const report = JSON.parse(stdout);
    expect(report.model).toBe('tiny_mlp');
    expect(report.entries.map((e: { name: string }) => e.name)).toEqual(['predict', 'step']);
    const predict = report.entries[0];
    // -O0: matmul, add, relu, matmul, add, softmax: one kernel and one dispatch each;
    // no packing, so the peak is the naive sum. The register matmuls read x [8,5] and
    // h [8,7] through operand textures (rows of 5 and 7 floats as shifted texel
    // pairs): 10 + 14 texels of 16 bytes.
    expect(predict).toEqual({
      name: 'predict',
      kernels: 6,
      kernels_unfused: 6,
      dispatches: 6,
      peak_bytes: predict.naive_bytes,
      naive_bytes: predict.naive_bytes,
      texture_bytes: 16 * (10 + 14),
    });
    // Resident (W1, b1, W2, b2, the scalars buffer with lr's word, lr) plus x, the 5
    // intermediates and the output: 4 * (8*5 + 8*7*3 + 8*3*3).
    const resident = 4 * (35 + 7 + 21 + 3) + 4 * (SCALAR_WORDS + 1) + 4;
    expect(predict.naive_bytes).toBe(resident + 4 * (40 + 168 + 72));
  });

  it('-O2 (the default) fuses and packs: fewer kernels than unfused, peak below naive', async () => {
    const cmd = makeCompileCommand(() => ({ program: mlpProgram(), diagnostics: [] }));
    const { stdout } = await capture(() => cmd.run(['tiny.dl', '-o', dir, '--json', '--family', 'register']));
    for (const e of JSON.parse(stdout).entries) {
      if (e.name === 'predict') expect(e.kernels_unfused).toBe(6);
      expect(e.kernels, e.name).toBeLessThan(e.kernels_unfused);
      expect(e.peak_bytes, e.name).toBeLessThan(e.naive_bytes);
    }
    const text = await capture(() => cmd.run(['tiny.dl', '-o', dir, '--family', 'register']));
    expect(text.stdout).toMatch(/^target: .+: register family, textures on, (adapter|default WebGPU) limits, -O2$/m);
    expect(text.stdout).toMatch(/entry\s+kernels\s+unfused\s+dispatches\s+planned bytes\s+naive bytes/);
  });

  it('examples/lenet.dl: the train step takes fewer kernels than unfused and peaks at most 2/3 of naive', async () => {
    const { code, stdout } = await capture(() =>
      compile.run(['examples/lenet.dl', '-o', dir, '--json', '--family', 'register']),
    );
    expect(code).toBe(0);
    const step = JSON.parse(stdout).entries.find((e: { name: string }) => e.name === 'step');
    expect(step.kernels).toBeLessThan(step.kernels_unfused);
    expect(step.peak_bytes).toBeLessThanOrEqual((2 / 3) * step.naive_bytes);
    const o0 = JSON.parse(
      (await capture(() => compile.run(['examples/lenet.dl', '-o', dir, '--json', '--family', 'register', '-O0'])))
        .stdout,
    );
    // Both columns are the -O0 plan's numbers.
    const unoptimized = o0.entries.find((e: { name: string }) => e.name === 'step');
    expect([unoptimized.kernels, unoptimized.peak_bytes, unoptimized.naive_bytes]).toEqual([
      step.kernels_unfused,
      step.naive_bytes,
      step.naive_bytes,
    ]);
  }, 60_000);

  it('the text report names every fusion a device limit split', () => {
    const limits = { ...DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 4 };
    const { plan } = compileProgram(mlpProgram(), { level: 2, family: 'register', limits });
    const text = formatReport(planReport(plan));
    expect(text).toMatch(
      /^step: fusion split at a device limit: fused_\w+ \(%\d+\): maxStorageBuffersPerShaderStage \(4\)$/m,
    );
    for (const e of plan.entries)
      for (const d of dispatchSteps(e.steps)) expect(d.bindings.length).toBeLessThanOrEqual(4);
  });

  it('counts loop dispatches per iteration', async () => {
    const cmd = makeCompileCommand(() => ({ program: scanProgram(), diagnostics: [] }));
    const { stdout } = await capture(() => cmd.run(['s.dl', '-o', dir, '--json', '--family', 'shared', '-O0']));
    const [run] = JSON.parse(stdout).entries;
    // Per step: stack_get, matmul, add, tanh, cast, sum, mul, and the stack kernel of
    // `hs` (stacked on axis 1); `totals` is stacked by a copy.
    expect(run.dispatches).toBe(4 * 8);
    expect(run.kernels).toBe(8);
  });

  it('prints the diagnostics with their source lines and exits 1 when lowering fails', async () => {
    const span = { file: 'm.dl', line: 2, col: 7, endLine: 2, endCol: 10 };
    const cmd = makeCompileCommand(() => ({
      diagnostics: [{ severity: 'error', code: 'unknown-name', message: "unknown name 'foo'", span, notes: [] }],
      sources: new Map([['m.dl', 'model m() {\n  x = foo + 1\n}\n']]),
    }));
    const { code, stderr, stdout } = await capture(() => cmd.run(['m.dl', '-o', dir]));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe("m.dl:2:7: error: unknown name 'foo'");
    expect(stderr).toContain('x = foo + 1');
  });
});
