// A model fingerprint: a stable hash of what a checkpoint must match to be loaded
// into a compiled model — its name, every saved tensor's name, dtype and shape, and
// the hash of the compiled program. Canonical form: JSON of
// {model, programHash, tensors: [[name, dtype, shape], …] sorted by name}, hashed with SHA-256.
import { sha256Hex } from './sha256';

export interface TensorSignature {
  readonly dtype: string;
  readonly shape: readonly number[];
}

export interface ModelSignature {
  readonly model: string;
  /** A hash of the compiled program (e.g. sha256Hex of the kernel sources and plan). */
  readonly programHash: string;
  readonly tensors: Readonly<Record<string, TensorSignature>>;
}

export function fingerprint(sig: ModelSignature): string {
  const tensors = Object.keys(sig.tensors)
    .sort()
    .map((name) => [name, sig.tensors[name]!.dtype, [...sig.tensors[name]!.shape]]);
  return sha256Hex(JSON.stringify({ model: sig.model, programHash: sig.programHash, tensors }));
}

export { sha256Hex };
