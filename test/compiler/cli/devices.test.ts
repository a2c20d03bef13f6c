import { describe, expect, it } from 'vitest';
import { dlcStderr, runCli } from '../../helpers/cli';

describe('dlc devices', () => {
  it('--json reports the adapter and a passing self-test', async () => {
    const result = await runCli(['devices', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report.selftest).toBe('ok');
    expect(typeof report.backend).toBe('string');
    expect(String(report.description)).not.toBe('');
    expect(['core', 'compatibility']).toContain(report.featureLevel);
    const limits = report.limits as Record<string, number>;
    expect(limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(128);
    expect(limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
  });

  it('prints a readable summary', async () => {
    const result = await runCli(['devices']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backend: +\w+/m);
    expect(result.stdout).toMatch(/^self-test: +ok$/m);
    expect(result.stdout).toMatch(/maxComputeInvocationsPerWorkgroup +\d+/);
  });

  for (const [how, args, env] of [
    ['--backend nosuch', ['devices', '--backend', 'nosuch'], {}],
    ['DLC_BACKEND=nosuch', ['devices'], { DLC_BACKEND: 'nosuch' }],
  ] as const) {
    it(`a bad backend (${how}) is a one-line error without a stack trace`, async () => {
      const result = await runCli(args, { env });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      const lines = dlcStderr(result).split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^dlc: error: unknown backend 'nosuch'.*known backends: auto, vulkan, metal, d3d12, opengles/,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it('rejects an unknown option', async () => {
    const result = await runCli(['devices', '--frobnicate']);
    expect(result.code).toBe(2);
    expect(dlcStderr(result)).toMatch(/unknown option '--frobnicate'/);
  });
});
