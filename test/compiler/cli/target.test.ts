// `--target`: dlc ir and dlc compile resolve the same default target and print it;
// portable is the shared family without textures in WebGPU's default limits; tuned
// follows the adapter (register with textures on CPU adapters such as llvmpipe).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDevice } from '../../../runtime/device';
import { describeTarget, resolveTarget } from '../../../compiler/cli/target';
import { runCli } from '../../helpers/cli';

const MLP = 'examples/mnist_mlp.dl';

describe('--target', () => {
  it('portable opens no device; tuned follows the adapter; flags override', async () => {
    expect(describeTarget(await resolveTarget('portable'), 2)).toBe(
      'portable: shared family, textures off, default WebGPU limits, -O2',
    );
    const { software, description } = await acquireDevice();
    const tuned = await resolveTarget('tuned');
    expect(tuned).toMatchObject({
      name: 'tuned',
      family: software ? 'register' : 'shared',
      textures: software,
      device: description,
    });
    expect(describeTarget(tuned, 1)).toMatch(
      new RegExp(`^tuned for .+: ${tuned.family} family, textures ${software ? 'on' : 'off'}, adapter limits, -O1$`),
    );
    expect(await resolveTarget('tuned', 'shared', false)).toMatchObject({ family: 'shared', textures: false });
  });

  it('dlc ir and dlc compile print the same default target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-target-'));
    try {
      const [ir, compile] = await Promise.all([
        runCli(['ir', MLP, '--stage', 'planned', '--entry', 'predict', '-D', 'batch=8', '-D', 'hidden=16']),
        runCli(['compile', MLP, '-o', dir, '-D', 'batch=8', '-D', 'hidden=16']),
      ]);
      expect([ir.code, compile.code]).toEqual([0, 0]);
      const irTarget = /^# target: (.+)$/m.exec(ir.stdout)?.[1];
      const compileTarget = /^target: (.+)$/m.exec(compile.stdout)?.[1];
      expect(irTarget).toMatch(/^tuned for /);
      expect(compileTarget).toBe(irTarget);
      const portable = await runCli([
        'ir',
        MLP,
        '--stage',
        'planned',
        '--entry',
        'predict',
        '--target',
        'portable',
        '-D',
        'batch=8',
        '-D',
        'hidden=16',
      ]);
      expect(portable.stdout).toMatch(/^# target: portable: shared family, textures off, default WebGPU limits, -O2$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
