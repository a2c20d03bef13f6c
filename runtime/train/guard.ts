// The non-finite guard's bookkeeping: the last set of persistent tensors known to be
// finite, and checks of loss values and tensors.
import type { NamedTensors } from '../model';

export interface GoodState {
  readonly tensors: NamedTensors;
  /** The optimizer step count at which these were the weights. */
  readonly step: number;
}

/** The first non-finite f32 value among the tensors, as "name[i] = v", or undefined when all are finite. */
export function firstNonFinite(tensors: NamedTensors): string | undefined {
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Float32Array)) continue;
    for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i]!)) return `${name}[${i}] = ${t[i]}`;
  }
  return undefined;
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
