// Node-only: checkpoint files on disk, written atomically and read with full validation.
//
// writeCheckpoint, in order:
//   1. encode (encodeCheckpoint refuses non-finite f32 values: NaN weights are never saved);
//   2. write the bytes to a temp file in the same folder (".NAME.PID.RAND.tmp"), fsync, close;
//   3. if PATH exists, keep it as the previous generation: hard-link it to a temp
//      name and rename that over PATH.prev (a copy when the filesystem has no hard
//      links) — PATH itself stays in place, so some complete checkpoint is at PATH
//      at every moment;
//   4. rename the temp file over PATH (atomic on POSIX), then fsync the folder.
// A crash before step 4 leaves PATH as it was; after it, PATH is the new file and
// PATH.prev the one before. Stale temp files from crashed writers are removed by
// the next write. One writer per PATH at a time.
//
// readCheckpoint opens the file read-only, so a refused file is never modified; the
// checks themselves are decodeCheckpoint's (codec.ts).
import { accessSync, closeSync, constants, copyFileSync, existsSync, fsyncSync, linkSync, openSync } from 'node:fs';
import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DlcError } from '../errors';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './codec';
import type { ModelSignature } from './fingerprint';

export type SaveStage = 'temp-written' | 'previous-kept' | 'renamed';

export type { Checkpoint };

export function previousPath(path: string): string {
  return `${path}.prev`;
}

/** `onStage` is called after each step (for progress logs, and for tests that crash a save midway). */
export function writeCheckpoint(path: string, ckpt: Checkpoint, onStage?: (stage: SaveStage) => void): void {
  const bytes = encodeCheckpoint(ckpt, path);
  const dir = dirname(path);
  const base = basename(path);
  removeStaleTemps(dir, base);
  const tmp = join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeAndSync(tmp, bytes);
    onStage?.('temp-written');
    keepPrevious(path, dir, base);
    onStage?.('previous-kept');
    renameSync(tmp, path);
  } catch (e) {
    tryUnlink(tmp);
    if (e instanceof DlcError) throw e;
    throw new DlcError(`cannot save checkpoint ${path}: ${(e as Error).message}`, 2);
  }
  syncFolder(dir);
  onStage?.('renamed');
}

/**
 * Refuses a checkpoint PATH that writeCheckpoint could not write (its folder is
 * missing, not a folder or not writable; PATH is a folder), so a training run
 * fails before its first step rather than at its first save.
 */
export function checkWritable(path: string): void {
  const dir = dirname(path);
  const fail = (why: string): never => {
    throw new DlcError(`cannot save checkpoint ${path}: ${why}`, 2);
  };
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    return fail(`folder ${dir} does not exist (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!isDir) fail(`${dir} is not a folder`);
  try {
    // The temp file and the .prev link are created in the folder: it must be writable.
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    fail(`folder ${dir} is not writable`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) fail('it is a folder');
}

function writeAndSync(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'wx', 0o644);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function keepPrevious(path: string, dir: string, base: string): void {
  const tmpPrev = join(dir, `.${base}.prev.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    linkSync(path, tmpPrev);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // first save: no previous generation
    copyFileSync(path, tmpPrev);
    const fd = openSync(tmpPrev, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  }
  renameSync(tmpPrev, previousPath(path));
}

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function removeStaleTemps(dir: string, base: string): void {
  const prefix = `.${base}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DlcError(
      `cannot save checkpoint in ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      2,
    );
  }
  for (const n of names) if (n.startsWith(prefix) && n.endsWith('.tmp')) tryUnlink(join(dir, n));
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/**
 * Reads and validates a checkpoint: the safetensors structure, dlc's metadata, and,
 * when `expect` is given, that it matches the model (name, tensors, program, fingerprint).
 * Nothing is returned unless every check passed.
 */
export function readCheckpoint(path: string, expect?: ModelSignature): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DlcError(
      `${path}: cannot read checkpoint: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      2,
    );
  }
  try {
    return decodeCheckpoint(bytes, path, expect);
  } catch (e) {
    const prev = previousPath(path);
    if (e instanceof DlcError && existsSync(prev)) {
      throw new DlcError(`${e.message} (the previous generation is at ${prev})`, e.exitCode);
    }
    throw e;
  }
}
