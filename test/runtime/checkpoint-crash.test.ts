// A process killed in the middle of a save must leave a loadable checkpoint behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../runtime/checkpoint/file-node';
import { checkpoint, signature } from './checkpoint-helpers';

let child = '';

beforeAll(async () => {
  child = join(mkdtempSync(join(tmpdir(), 'dlc-child-')), 'save-and-die.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'checkpoint-save-and-die.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
});

function saveAndDie(path: string, gen: number, stage: string): void {
  const r = spawnSync(process.execPath, [child, path, String(gen), stage], { encoding: 'utf8' });
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

describe('a kill during save', () => {
  it('after the temp file is written: the previous checkpoint is still the one at PATH', () => {
    const d = mkdtempSync(join(tmpdir(), 'dlc-crash-'));
    const path = join(d, 'm.safetensors');
    writeCheckpoint(path, checkpoint(1));
    saveAndDie(path, 2, 'temp-written');
    expect(readCheckpoint(path, signature()).info.step).toBe(100);
    expect(readdirSync(d).some((n) => n.endsWith('.tmp'))).toBe(true); // the dead writer's temp file
    writeCheckpoint(path, checkpoint(3)); // the next save cleans it up
    expect(readdirSync(d).sort()).toEqual(['m.safetensors', 'm.safetensors.prev']);
    expect(readCheckpoint(`${path}.prev`).info.step).toBe(100);
  });

  it('after the previous generation is kept: PATH and PATH.prev both load', () => {
    const d = mkdtempSync(join(tmpdir(), 'dlc-crash-'));
    const path = join(d, 'm.safetensors');
    writeCheckpoint(path, checkpoint(1));
    writeCheckpoint(path, checkpoint(2));
    saveAndDie(path, 3, 'previous-kept');
    expect(readCheckpoint(path, signature()).info.step).toBe(200);
    expect(readCheckpoint(`${path}.prev`, signature()).info.step).toBe(200);
  });

  it('on the very first save: nothing half-written appears at PATH', () => {
    const d = mkdtempSync(join(tmpdir(), 'dlc-crash-'));
    const path = join(d, 'm.safetensors');
    saveAndDie(path, 1, 'temp-written');
    expect(() => readCheckpoint(path)).toThrow(`${path}: cannot read checkpoint: ENOENT`);
  });

  it('after the rename: the new checkpoint is complete', () => {
    const d = mkdtempSync(join(tmpdir(), 'dlc-crash-'));
    const path = join(d, 'm.safetensors');
    writeCheckpoint(path, checkpoint(1));
    saveAndDie(path, 2, 'renamed');
    expect(readCheckpoint(path, signature()).info.step).toBe(200);
    expect(readCheckpoint(`${path}.prev`, signature()).info.step).toBe(100);
  });
});
