// A dlc checkpoint to and from bytes, browser-safe: safetensors plus dlc's metadata
// and checksum. decodeCheckpoint checks, in order: the safetensors structure
// (safetensors.ts), the checksum (checksum.ts), dlc's metadata (metadata.ts) and,
// when given, the model it is meant for; it returns nothing unless all pass.
import { DlcError } from '../errors';
import { checksum, CHECKSUM_KEY } from './checksum';
import type { ModelSignature } from './fingerprint';
import { checkAgainstModel, infoToMetadata, metadataToInfo, type CheckpointInfo } from './metadata';
import { encodeSafetensors, parseSafetensors, type SavedTensor } from './safetensors';

export interface Checkpoint {
  readonly tensors: Readonly<Record<string, SavedTensor>>;
  readonly info: CheckpointInfo;
}

/** Encodes a checkpoint; refuses non-finite f32 values, so NaN weights are never saved. */
export function encodeCheckpoint(ckpt: Checkpoint, name: string): Uint8Array {
  for (const [tensor, t] of Object.entries(ckpt.tensors)) {
    if (t.dtype !== 'f32') continue;
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new DlcError(
        `not saving ${name}: tensor ${tensor} has a non-finite value (${t.data[bad]}) at element ${bad}`,
      );
  }
  const metadata = infoToMetadata(ckpt.info);
  metadata[CHECKSUM_KEY] = checksum({ tensors: ckpt.tensors, metadata });
  return encodeSafetensors({ tensors: ckpt.tensors, metadata });
}

export function decodeCheckpoint(bytes: Uint8Array, name: string, expect?: ModelSignature): Checkpoint {
  const content = parseSafetensors(bytes, name);
  const stored = content.metadata[CHECKSUM_KEY];
  if (stored === undefined) throw new DlcError(`${name}: not a dlc checkpoint: metadata has no '${CHECKSUM_KEY}'`);
  if (stored !== checksum(content))
    throw new DlcError(`${name}: checksum mismatch: the file was changed or corrupted after it was written`);
  const info = metadataToInfo(content.metadata, name);
  if (expect) checkAgainstModel(content, info, expect, name);
  refuseNonFinite(content.tensors, name);
  return { tensors: content.tensors, info };
}

/**
 * dlc never saves NaN or Inf (encodeCheckpoint), so a file holding one was written
 * by something else or edited: refuse it, naming the tensor, rather than evaluate
 * or sample from NaN weights.
 */
function refuseNonFinite(tensors: Readonly<Record<string, SavedTensor>>, name: string): void {
  for (const [tensor, t] of Object.entries(tensors)) {
    if (t.dtype !== 'f32') continue;
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new DlcError(
        `${name}: tensor ${tensor} holds ${t.data[bad]} at element ${bad}; a checkpoint must be finite`,
      );
    }
  }
}
