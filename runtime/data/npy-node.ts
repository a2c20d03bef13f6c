// Node-only: .npy files on disk.
import { readFileSync, writeFileSync } from 'node:fs';
import { DlcError } from '../errors';
import { encodeNpy, parseNpy } from './npy';
import type { HostTensor } from './tensor';

export function readNpy(path: string): HostTensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DlcError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  return parseNpy(bytes, path);
}

export function writeNpy(path: string, t: HostTensor): void {
  writeFileSync(path, encodeNpy(t));
}
