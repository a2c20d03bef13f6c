// What train, eval and sample share, in two halves so usage errors come before any
// device work: prepareModel lowers the file and reads the seed (a checkpoint's own
// when one is loaded); startModel creates the runner and reads, validates and loads
// the checkpoint. Then: the dataset, and the binding of its fields to entry inputs.
import { existsSync } from 'node:fs';
import { DlcError } from '../../../runtime/errors';
import { readCheckpoint, type Checkpoint } from '../../../runtime/checkpoint/file-node';
import { loadDataset } from '../../../runtime/data/load-node';
import { parseBindingSpec } from '../../../runtime/data/bind';
import type { Dataset } from '../../../runtime/data/dataset';
import type { LowerFn } from '../../driver';
import { checkSameModel } from '../../../runtime/checkpoint/metadata';
import { createRunner, lowerModel } from './load-model';
import { programEntries } from '../../reference/runner';
import type { Program } from '../../ir/program';
import type { EntryInfo, ModelRunner } from '../../../runtime/train/runner';
import {
  checkpointSeed,
  readModelCheckpoint,
  restoreCheckpoint,
  savedOrder,
  type RunPosition,
} from '../../../runtime/train/checkpoints';
import { defaultDataset, tokenContext } from '../../../runtime/train/entries';
import type { DataOrder } from '../../../runtime/data/batches';
import type { SparseUpdates } from '../../optim/sparse-rows';

export interface OpenOptions {
  readonly file: string;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly backend?: string;
  readonly seed?: number;
  readonly checkNumerics?: boolean;
  readonly optLevel?: number;
  /** `--textures on|off`: operand textures in the kernels; absent: the code generator's default. */
  readonly textures?: boolean;
  /** `--sparse-updates` (train): updates of params read only through gather; absent: the lowering's default. */
  readonly sparseUpdates?: SparseUpdates;
  /** A checkpoint to load (it must exist). */
  readonly checkpoint?: string;
  /** Eval and sample: accept a checkpoint written by another build of the compiler (same model and tensors), noting it here. */
  readonly weightsOnly?: (note: string) => void;
}

export interface OpenModel {
  readonly runner: ModelRunner;
  readonly checkpoint?: { readonly path: string; readonly ckpt: Checkpoint; readonly position: RunPosition };
}

export function requireCheckpointFile(path: string): void {
  if (!existsSync(path)) throw new DlcError(`no checkpoint at ${path}`, 2);
}

/** A lowered model before any device work: its entries (for checking arguments early) and the seed to create it with. */
export interface PreparedModel {
  readonly program: Program;
  readonly model: string;
  readonly entries: readonly EntryInfo[];
  readonly seed: number;
  /** What the checkpoint says about its run (read and checksummed, not yet checked against the model). */
  readonly saved?: {
    readonly data: string;
    readonly bind: string;
    readonly schedule: string;
    readonly order: DataOrder;
    /** Its `--augment` spec; absent: none. */
    readonly augment?: string;
    /** The schedule stage the checkpoint was written in. */
    readonly stage?: string;
  };
}

/** The persistent tensors a checkpoint of `program` holds, as the runner will name them. */
export function programTensors(program: Program): {
  model: string;
  tensors: Record<string, { dtype: string; shape: readonly number[] }>;
} {
  const tensors: Record<string, { dtype: string; shape: readonly number[] }> = {};
  for (const p of program.persistent) tensors[p.name] = { dtype: p.type.dtype, shape: p.type.shape };
  return { model: program.model, tensors };
}

/** Lowers FILE and reads the checkpoint's seed; cheap, so usage errors come before the device starts. */
export async function prepareModel(
  lower: LowerFn,
  options: OpenOptions,
  stderr: NodeJS.WritableStream,
): Promise<PreparedModel> {
  const program = await lowerModel(lower, options.file, options.defines, stderr, options.sparseUpdates);
  const base = { program, model: program.model, entries: programEntries(program) };
  if (options.checkpoint === undefined) return { ...base, seed: options.seed ?? 0 };
  requireCheckpointFile(options.checkpoint);
  // A first read (structure and checksum) for the run's seed and data; the model check follows in startModel.
  const peek = readCheckpoint(options.checkpoint);
  // Another model's checkpoint (another name, or the same name with other tensors) is
  // named as such before its recorded data and binding are used.
  checkSameModel(peek.info, peek.tensors, programTensors(program), options.checkpoint);
  const seed = checkpointSeed(peek, options.checkpoint);
  if (options.seed !== undefined && options.seed !== seed) {
    throw new DlcError(
      `--seed ${options.seed} differs from the seed ${seed} that ${options.checkpoint} was trained with`,
      2,
    );
  }
  const extra = peek.info.extra ?? {};
  const stage = extra['train.stage'];
  const saved = {
    data: extra['train.data'] ?? '',
    bind: extra['train.bind'] ?? '',
    schedule: peek.info.lr.spec,
    order: savedOrder(extra, options.checkpoint),
    ...(extra['train.augment'] !== undefined ? { augment: extra['train.augment'] } : {}),
  };
  return { ...base, seed, saved: stage !== undefined ? { ...saved, stage } : saved };
}

/** Creates the runner and loads the checkpoint into it after checking it against the model. */
export async function startModel(prepared: PreparedModel, options: OpenOptions): Promise<OpenModel> {
  const runner = await createRunner(prepared.program, {
    seed: prepared.seed,
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.checkNumerics ? { checkNumerics: true } : {}),
    ...(options.optLevel !== undefined ? { optLevel: options.optLevel } : {}),
    ...(options.textures !== undefined ? { textures: options.textures } : {}),
  });
  if (options.checkpoint === undefined) return { runner };
  try {
    const note = options.weightsOnly;
    const ckpt = readModelCheckpoint(
      options.checkpoint,
      runner,
      note &&
        ((saved) =>
          note(
            `note: ${options.checkpoint} was written by another build of the compiler ` +
              `(program ${saved.slice(0, 12)}…, now ${runner.programHash.slice(0, 12)}…); using its weights`,
          )),
    );
    const position = restoreCheckpoint(runner, ckpt, options.checkpoint);
    return { runner, checkpoint: { path: options.checkpoint, ckpt, position } };
  } catch (e) {
    runner.destroy();
    throw e;
  }
}

/** Which dataset an entry gets: `--data`, else the one the checkpoint was trained on, else the default rule (entries.ts). */
export function datasetSource(entry: EntryInfo, data: string | undefined, saved: string | undefined): string {
  return data ?? (saved !== undefined && saved !== '' ? saved : defaultDataset(entry));
}

/** Loads a dataset by name or path; text corpora get the context length of the entry's token input. */
export function openDataset(entry: EntryInfo, source: string): Dataset {
  const context = tokenContext(entry) ?? entry.inputs.find((i) => i.dtype === 'i32' && i.shape.length === 2)?.shape[1];
  return loadDataset(source, context === undefined ? {} : { context });
}

/**
 * The field → input mapping: `--bind FIELD=INPUT,...` when given. Otherwise inputs
 * take the field of their own name, and an input without one takes the only unused
 * field that fits it (same dtype and example size: MNIST's x feeds an RBM's v0); a
 * token dataset's x feeds a model's single token input. `dlc eval` and `dlc sample`
 * default to the spec a checkpoint recorded.
 */
export function bindingMapping(spec: string | undefined, dataset: Dataset, entry: EntryInfo): Record<string, string> {
  if (spec !== undefined && spec !== '') return parseBindingSpec(spec);
  const split = dataset.train;
  const only = entry.inputs.length === 1 ? entry.inputs[0]! : undefined;
  if (only && !(only.name in split) && dataset.info?.vocab !== undefined && 'x' in split) return { x: only.name };
  const mapping: Record<string, string> = {};
  const used = new Set(entry.inputs.filter((i) => i.name in split).map((i) => i.name));
  for (const input of entry.inputs) {
    if (input.name in split) continue;
    const size = input.shape.slice(1).reduce((a, b) => a * b, 1);
    const fits = Object.keys(split).filter((f) => {
      const t = split[f]!;
      return !used.has(f) && t.dtype === input.dtype && t.shape.slice(1).reduce((a, b) => a * b, 1) === size;
    });
    if (fits.length !== 1) continue; // none or ambiguous: resolveBinding reports the input
    mapping[fits[0]!] = input.name;
    used.add(fits[0]!);
  }
  return mapping;
}

export function formatBinding(mapping: Readonly<Record<string, string>>): string {
  return Object.entries(mapping)
    .map(([field, input]) => `${field}=${input}`)
    .join(',');
}
