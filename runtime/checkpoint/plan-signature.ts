// What a checkpoint must match to load into a compiled plan: the plan's program hash
// (its kernels' WGSL and entry signatures) and its persistent tensors. Shared by the
// CLI's runners and the generated module's saveSafetensors/loadSafetensors. Browser-safe.
import type { Plan } from '../plan';
import { isPersistentKind } from '../plan';
import { sha256Hex, type ModelSignature } from './fingerprint';

/** The RNG counters a checkpoint records: the seed, and the entry calls that key random ops. */
export const SEED_COUNTER = 'seed';
export const CALLS_COUNTER = 'model_step';

/**
 * The hash of a plan's compiled program: its kernels' WGSL, its entry signatures and
 * its constant buffers' elements (a folded constant or tensor literal lives there, not
 * in a kernel, and a checkpoint trained with other constants is another program).
 */
export function planHash(plan: Plan): string {
  const entries = plan.entries.map((e) => ({
    name: e.name,
    kind: e.kind,
    inputs: e.inputs.map((i) => [i.name, i.dtype, i.shape]),
    outputs: e.outputs.map((o) => [o.name, o.dtype, o.shape]),
  }));
  const consts = plan.buffers.filter((b) => b.kind === 'const').map((b) => b.data ?? []);
  return sha256Hex(JSON.stringify({ model: plan.model, kernels: plan.kernels.map((k) => k.wgsl), entries, consts }));
}

/** The plan's signature, as the CLI's modelSignature (compiler/train/checkpoints.ts) computes it. */
export function planSignature(plan: Plan): ModelSignature {
  const tensors: Record<string, { dtype: string; shape: readonly number[] }> = {};
  for (const b of plan.buffers) if (isPersistentKind(b.kind)) tensors[b.name] = { dtype: b.dtype, shape: b.shape };
  return { model: plan.model, programHash: planHash(plan), tensors };
}
