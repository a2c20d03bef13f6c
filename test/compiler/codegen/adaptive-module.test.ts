// `dlc compile --target adaptive`: the module carries the register and the shared
// kernel family and picks one at createModel time from the adapter. On llvmpipe (a CPU
// adapter) it picks register; `family: 'shared'` forces the other; both compute the
// same predictions, and a checkpoint saved under one loads under the other. A module
// of one family refuses to run the other instead of ignoring the option.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { compile } from '../../../compiler/cli/commands/compile';
import { moduleScratchDir, repoRoot } from '../../helpers/module-scratch';

const run = promisify(execFile);
const dir = moduleScratchDir('dlc-adaptive-test-');
const B = 8;

async function compileTo(out: string, target: string): Promise<string> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  try {
    const args = [join(repoRoot, 'examples', 'mnist_mlp.dl'), '-o', out, '-D', `batch=${B}`, '-D', 'hidden=32'];
    expect(await compile.run([...args, '--target', target, '--json'])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return stdout;
}

const script = `
import { createModel } from './adaptive/mnist_mlp.js';
import { createModel as createPortable } from './portable/mnist_mlp.js';
const x = new Float32Array(${B} * 784);
const y = new Int32Array(${B});
for (let r = 0; r < ${B}; r++) {
  y[r] = r % 10;
  for (let i = 0; i < 784; i++) x[r * 784 + i] = (i * 7 + r * 13) % 29 === y[r] ? 1 : 0;
}
const picked = await createModel({ seed: 3 });
const shared = await createModel({ seed: 3, family: 'shared' });
for (let i = 0; i < 3; i++) await picked.step({ x, y });
shared.loadSafetensors(await picked.saveSafetensors());
const a = (await picked.predict({ x })).prob;
const b = (await shared.predict({ x })).prob;
let diff = 0;
for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
let refused = '';
try { await createPortable({ family: 'register' }); } catch (e) { refused = e.message; }
console.log(JSON.stringify({ picked: picked.family, forced: shared.family, diff, refused }));
`;

describe('an adaptive module', () => {
  it('carries both families, picks register on llvmpipe, and agrees with the shared family', async () => {
    const json = JSON.parse((await compileTo(join(dir, 'adaptive'), 'adaptive')).trim());
    expect(Object.keys(json.families).sort()).toEqual(['register', 'shared']);
    expect(json.families.register.entries.map((e: { name: string }) => e.name)).toContain('step');
    await compileTo(join(dir, 'portable'), 'portable');
    writeFileSync(join(dir, 'families.mjs'), script);
    const out = await run(process.execPath, [join(dir, 'families.mjs')], { cwd: dir, timeout: 240_000 });
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!);
    expect(result.picked).toBe('register');
    expect(result.forced).toBe('shared');
    expect(result.diff).toBeLessThan(1e-5);
    expect(result.refused).toBe(
      "model 'mnist_mlp' was compiled for the shared kernel family only, not register; " +
        'compile it with --target adaptive to carry both',
    );
  }, 300_000);
});
