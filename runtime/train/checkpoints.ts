// A training run's state as a checkpoint and back: every persistent tensor (params,
// state, optimizer slots), the optimizer step count, the RNG counters (the seed and
// the model's entry-call counter that keys random ops), the data-order cursor and the
// learning-rate schedule with its position. The fingerprint is the model's name, its
// persistent tensors' names, dtypes and shapes, and the hash of the compiled program.
import { DlcError } from '../errors';
import type { Checkpoint } from '../checkpoint/codec';
import { fingerprint, type ModelSignature } from '../checkpoint/fingerprint';
import type { SavedTensor } from '../checkpoint/safetensors';
import { readCheckpoint } from '../checkpoint/file-node';
import { DATA_ORDERS, formatCursor, parseCursor, type DataCursor, type DataOrder } from '../data/batches';
import { CALLS_COUNTER, SEED_COUNTER } from '../checkpoint/plan-signature';
import type { ModelRunner } from './runner';

export function modelSignature(runner: ModelRunner): ModelSignature {
  const tensors: Record<string, { dtype: string; shape: readonly number[] }> = {};
  for (const p of runner.persistent) tensors[p.name] = { dtype: p.dtype, shape: p.shape };
  return { model: runner.model, programHash: runner.programHash, tensors };
}

/** Where a run stands, as saved next to the tensors. */
export interface RunPosition {
  /** Optimizer steps taken (train-entry calls, skipped updates included). */
  readonly step: number;
  readonly cursor: DataCursor;
  readonly schedule: string;
  /** Updates skipped because of a non-finite loss or weights, so far. */
  readonly skipped: number;
  /** The dataset the run trained on (recorded for `dlc eval` / `dlc sample`). */
  readonly data: string;
  /** The field → input binding it used, as `FIELD=INPUT,...` ('' when fields matched inputs by name). */
  readonly bind: string;
  /** The data order (`--order`); checkpoints written before orders existed were shuffled. */
  readonly order: DataOrder;
  /** The augmentation (`--augment`, runtime/data/augment.ts) as its spec; absent: none. */
  readonly augment?: string;
  /** The schedule stage the run was in (`schedule { stage NAME: ... }`); absent for a plain run. */
  readonly stage?: string;
  /** More metadata the stage keeps (`train.subset`, runtime/train/subset.ts). */
  readonly extra?: Readonly<Record<string, string>>;
}

export function savedOrder(extra: Readonly<Record<string, string>> | undefined, path: string): DataOrder {
  const o = extra?.['train.order'] ?? 'shuffled';
  if (!(DATA_ORDERS as readonly string[]).includes(o))
    throw new DlcError(`${path}: metadata train.order '${o}' is not one of ${DATA_ORDERS.join(', ')}`);
  return o as DataOrder;
}

export { CALLS_COUNTER, SEED_COUNTER };

export async function makeCheckpoint(runner: ModelRunner, pos: RunPosition, dlcVersion: string): Promise<Checkpoint> {
  const values = await runner.save();
  const tensors: Record<string, SavedTensor> = {};
  for (const p of runner.persistent) {
    const dtype = p.dtype === 'bool' ? 'u32' : p.dtype;
    tensors[p.name] = { dtype, shape: p.shape, data: values[p.name]! };
  }
  const sig = modelSignature(runner);
  return {
    tensors,
    info: {
      model: runner.model,
      fingerprint: fingerprint(sig),
      programHash: runner.programHash,
      dlcVersion,
      step: pos.step,
      rng: { [SEED_COUNTER]: runner.seed, [CALLS_COUNTER]: runner.step },
      dataCursor: formatCursor(pos.cursor),
      lr: { spec: pos.schedule, step: pos.step },
      extra: {
        'train.skipped': String(pos.skipped),
        'train.data': pos.data,
        'train.bind': pos.bind,
        'train.order': pos.order,
        ...(pos.augment !== undefined ? { 'train.augment': pos.augment } : {}),
        ...(pos.stage !== undefined ? { 'train.stage': pos.stage } : {}),
        ...pos.extra,
      },
    },
  };
}

/**
 * Reads and validates a checkpoint for this model; nothing is loaded yet. Resuming
 * training needs the very program that wrote it (same kernels, same results). Using
 * the weights (eval, sample) only needs the same model and tensors: with
 * `otherProgram`, a checkpoint from another build of the compiler is accepted and
 * `otherProgram` is told its program hash.
 */
export function readModelCheckpoint(
  path: string,
  runner: ModelRunner,
  otherProgram?: (savedHash: string) => void,
): Checkpoint {
  const want = modelSignature(runner);
  if (otherProgram === undefined) return readCheckpoint(path, want);
  const saved = readCheckpoint(path).info.programHash;
  if (saved === want.programHash) return readCheckpoint(path, want);
  const ckpt = readCheckpoint(path, { ...want, programHash: saved });
  otherProgram(saved);
  return ckpt;
}

/** The seed a checkpoint's run used. */
export function checkpointSeed(ckpt: Checkpoint, path: string): number {
  const seed = ckpt.info.rng[SEED_COUNTER];
  if (seed === undefined) throw new DlcError(`${path}: metadata dlc.rng has no '${SEED_COUNTER}' counter`);
  return seed;
}

/** Loads the tensors and the RNG counter into the runner; returns the run position to resume from. */
export function restoreCheckpoint(runner: ModelRunner, ckpt: Checkpoint, path: string): RunPosition {
  const calls = ckpt.info.rng[CALLS_COUNTER];
  if (calls === undefined) throw new DlcError(`${path}: metadata dlc.rng has no '${CALLS_COUNTER}' counter`);
  if (checkpointSeed(ckpt, path) !== runner.seed)
    throw new DlcError(
      `${path}: saved with seed ${checkpointSeed(ckpt, path)}, the model was created with seed ${runner.seed}`,
    );
  const cursor = parseCursor(ckpt.info.dataCursor);
  const values: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(ckpt.tensors)) values[name] = t.data;
  runner.load(values);
  runner.step = calls;
  const skipped = Number(ckpt.info.extra?.['train.skipped'] ?? '0'); // checked by metadataToInfo
  return {
    step: ckpt.info.step,
    cursor,
    schedule: ckpt.info.lr.spec,
    skipped: Number.isSafeInteger(skipped) ? skipped : 0,
    data: ckpt.info.extra?.['train.data'] ?? '',
    bind: ckpt.info.extra?.['train.bind'] ?? '',
    order: savedOrder(ckpt.info.extra, path),
    ...(ckpt.info.extra?.['train.augment'] !== undefined ? { augment: ckpt.info.extra['train.augment'] } : {}),
    ...(ckpt.info.extra?.['train.stage'] !== undefined ? { stage: ckpt.info.extra['train.stage'] } : {}),
  };
}
