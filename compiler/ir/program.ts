// A lowered program: what the lowering hands to autodiff, passes and codegen —
// one graph per entry point plus the model's persistent tensors.
import type { Graph, Initializer, Span, TensorType } from './types';
import type { TrainingSchedule } from '../../runtime/train/schedule-plan';

export type EntryKind = 'infer' | 'train' | 'sample' | 'update';

/** A param, state tensor or optimizer slot: lives across calls, one buffer each. */
export interface PersistentTensor {
  /** Dotted name as the user sees it: `fc1.W`, `chain`, `fc1.W.momentum`. */
  readonly name: string;
  readonly kind: 'param' | 'state' | 'slot';
  readonly type: TensorType;
  readonly init: Initializer;
  readonly span?: Span;
}

/** A runtime-settable scalar (learning rate, momentum...), with its default value. */
export interface RuntimeScalar {
  readonly name: string;
  readonly value: number;
}

export interface Entry {
  readonly name: string;
  readonly kind: EntryKind;
  /**
   * Args of kind input/param/state/slot/scalar refer by name to the program's
   * persistent tensors and scalars; `assign` nodes at the end write them.
   */
  readonly graph: Graph;
  readonly span?: Span;
}

export interface Program {
  readonly model: string;
  /** Hyperparameters after `-D` overrides. */
  readonly hyper: Readonly<Record<string, number | boolean>>;
  readonly persistent: readonly PersistentTensor[];
  readonly scalars: readonly RuntimeScalar[];
  readonly entries: readonly Entry[];
  /** Inputs declared `[batch, …]`: a call may give fewer rows of them (ir/batch-rows.ts). */
  readonly batchInputs?: readonly string[];
  /** The model's `schedule { ... }`: the stages `dlc train FILE` runs. */
  readonly schedule?: TrainingSchedule;
}
