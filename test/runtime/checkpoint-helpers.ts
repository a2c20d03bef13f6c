// A small checkpoint of a made-up two-layer model, shared by the checkpoint tests.
import { fingerprint, type ModelSignature } from '../../runtime/checkpoint/fingerprint';
import type { Checkpoint } from '../../runtime/checkpoint/codec';
import { encodeSafetensors, type SavedTensor } from '../../runtime/checkpoint/safetensors';
import { checksum, CHECKSUM_KEY } from '../../runtime/checkpoint/checksum';
import { infoToMetadata } from '../../runtime/checkpoint/metadata';
import type { RunPosition } from '../../runtime/train/checkpoints';

export const PROGRAM_HASH = 'a'.repeat(64);

/** Where a run stands after `step` steps on MNIST at the start of its data, constant lr. */
export function mnistPosition(step: number): RunPosition {
  const cursor = { epoch: 0, position: 0 };
  return { step, cursor, schedule: 'constant', skipped: 0, data: 'mnist', bind: '', order: 'shuffled' };
}

export function tensors(seed: number): Record<string, SavedTensor> {
  const f = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7 + i * k));
  return {
    'fc1.W': { dtype: 'f32', shape: [6, 4], data: f(24, 1) },
    'fc1.b': { dtype: 'f32', shape: [4], data: f(4, 2) },
    'fc2.W': { dtype: 'f32', shape: [4, 3], data: f(12, 3) },
    'adam.t': { dtype: 'i32', shape: [1], data: Int32Array.of(seed) },
    'rng.key': { dtype: 'u32', shape: [2], data: Uint32Array.of(0xdeadbeef, seed) },
  };
}

export function signature(model = 'mnist_mlp', t = tensors(0)): ModelSignature {
  const sig: Record<string, { dtype: string; shape: readonly number[] }> = {};
  for (const [n, v] of Object.entries(t)) sig[n] = { dtype: v.dtype, shape: v.shape };
  return { model, programHash: PROGRAM_HASH, tensors: sig };
}

export function checkpoint(seed: number, model = 'mnist_mlp'): Checkpoint {
  const t = tensors(seed);
  return {
    tensors: t,
    info: {
      model,
      fingerprint: fingerprint(signature(model, t)),
      programHash: PROGRAM_HASH,
      dlcVersion: '0.1.0',
      step: seed * 100,
      rng: { dropout: seed * 3, init: 1 },
      dataCursor: `${seed}:256`,
      lr: { spec: 'step:every=1000,gamma=0.5', step: seed * 100 },
      extra: { note: `generation ${seed}` },
    },
  };
}

/** Encodes a checkpoint with a valid checksum but without encodeCheckpoint's refusals, as another writer could. */
export function encodeUnchecked(
  ckpt: Checkpoint,
  metadata: Record<string, string> = infoToMetadata(ckpt.info),
): Uint8Array {
  const meta = { ...metadata };
  meta[CHECKSUM_KEY] = checksum({ tensors: ckpt.tensors, metadata: meta });
  return encodeSafetensors({ tensors: ckpt.tensors, metadata: meta });
}
