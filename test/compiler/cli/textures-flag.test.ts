// `--textures on|off` of `dlc ir`, `dlc compile` and `dlc train`: operand textures
// follow the flag (planned stage: the texture table and texture bytes; wgsl: texture
// bindings; compile --json: texture_bytes; train: the compiled kernels), the default
// is on for the register family, and a bad value is a usage error (exit 2) naming
// the flag. ir and compile run the built CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCompileArgs } from '../../../compiler/cli/commands/compile';
import { createRunner } from '../../../compiler/cli/commands/load-model';
import { acquireDevice } from '../../../runtime/device';
import { DlcError } from '../../../runtime/errors';
import { runCli } from '../../helpers/cli';
import { fakeLower, runCommand } from '../../runtime/train/harness';
import { tinyMnist } from '../../runtime/train/programs';

const MLP = 'bench/models/mlp.dl';
const planned = (...flags: string[]) => runCli(['ir', MLP, '--stage', 'planned', '--family', 'register', ...flags]);

describe('dlc ir --textures', () => {
  test('off leaves no operand textures in the plan, on (and the register default) has them', async () => {
    const [on, off, dflt] = await Promise.all([planned('--textures', 'on'), planned('--textures=off'), planned()]);
    for (const r of [on, off, dflt]) expect(r.code, r.stderr).toBe(0);
    expect(on.stdout).toContain('textures on');
    expect(on.stdout).toMatch(/operand textures/);
    expect(on.stdout).toMatch(/texture 0 +\d+x\d+ +\d+ B/);
    expect(off.stdout).toContain('textures off');
    expect(off.stdout).not.toMatch(/operand textures|texture \d/);
    // The register family's default is textures on, and the target line says so.
    expect(dflt.stdout.split('\n')[0]).toContain('register family, textures on');
    expect(dflt.stdout.split('\n').slice(1)).toEqual(on.stdout.split('\n').slice(1));
  });

  test('wgsl: texture bindings only with textures on', async () => {
    const wgsl = (t: string) =>
      runCli(['ir', MLP, '--stage', 'wgsl', '--entry', 'step', '--family', 'register', '--textures', t]);
    const [on, off] = await Promise.all([wgsl('on'), wgsl('off')]);
    expect(on.code, on.stderr).toBe(0);
    expect(off.code, off.stderr).toBe(0);
    expect(on.stdout).toContain('texture_2d<f32>');
    expect(off.stdout).not.toContain('texture_2d');
  });

  test('a bad value is a usage error naming the flag', async () => {
    const r = await planned('--textures', 'yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--textures must be on or off, got 'yes'");
    const missing = await runCli(['ir', MLP, '--stage', 'planned', '--textures']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--textures needs a value');
  });
});

describe('dlc compile --textures', () => {
  test('parses on, off and --textures=…; absent leaves the default', () => {
    expect(parseCompileArgs(['m.dl', '-o', 'out', '--textures', 'off']).textures).toBe(false);
    expect(parseCompileArgs(['m.dl', '-o', 'out', '--textures=on']).textures).toBe(true);
    expect(parseCompileArgs(['m.dl', '-o', 'out']).textures).toBeUndefined();
    expect(() => parseCompileArgs(['m.dl', '-o', 'out', '--textures', '0'])).toThrow(
      "--textures must be on or off, got '0'",
    );
  });

  test('--json reports texture bytes only with textures on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-textures-'));
    try {
      const compile = (t: string) =>
        runCli(['compile', MLP, '-o', join(dir, t), '--json', '--family', 'register', '--textures', t]);
      const on = await compile('on');
      const off = await compile('off');
      expect(on.code, on.stderr).toBe(0);
      expect(off.code, off.stderr).toBe(0);
      const step = (r: { stdout: string }) =>
        (JSON.parse(r.stdout) as { entries: { name: string; texture_bytes?: number }[] }).entries.find(
          (e) => e.name === 'step',
        )!;
      expect(step(on).texture_bytes).toBeGreaterThan(0);
      expect(step(off).texture_bytes).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dlc train --textures', () => {
  test('reaches the plan: on the register family (CPU adapters) the kernels differ', async () => {
    const { software } = await acquireDevice();
    const hash = async (textures?: boolean) => {
      const runner = await createRunner(tinyMnist({ batch: 400 }), {
        seed: 0,
        ...(textures !== undefined ? { textures } : {}),
      });
      try {
        return runner.programHash;
      } finally {
        runner.destroy();
      }
    };
    const [on, off, dflt] = [await hash(true), await hash(false), await hash()];
    // The default is on for the register family (software adapters) and off for the shared one.
    expect(dflt).toBe(software ? on : off);
    if (software) expect(off).not.toBe(on);
  });

  test('a bad value is a usage error naming the flag', async () => {
    const lower = fakeLower({ 'tiny.dl': () => tinyMnist({ batch: 400 }) });
    const err = await runCommand('train', lower, ['tiny.dl', '--steps', '1', '--textures', 'sometimes']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DlcError);
    expect((err as DlcError).message).toBe("--textures must be on or off, got 'sometimes'");
    expect((err as DlcError).exitCode).toBe(2);
  });
});
