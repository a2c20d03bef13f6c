// Which entry points and outputs the commands use, and which dataset a model gets
// when `--data` is not given.
//
// Entries: `--entry NAME` when given; otherwise the model's only `train` entry, or
// the one named `step` (for `dlc train`), its `infer` entry named `predict` or else its only one (evaluation),
// its only `sample` entry (`dlc sample`).
// Loss: the train entry's scalar f32 output named `loss`, else `cost`, else its first
// scalar f32 output. Other scalar outputs (accuracy, recon...) are training metrics.
//
// Default dataset (documented in `dlc help train`): `mnist` when the train entry's
// inputs look like MNIST — one f32 input of shape [batch,784] or [batch,1,28,28] and
// at most one i32 input of shape [batch] (the labels); `moby-dick` when its only
// input is i32 [batch, T] (token windows, with context T); otherwise `--data` is required.
import { DlcError } from '../errors';
import type { EntryInfo, TensorInfo } from './runner';

/** What entry choice needs to know of a model. */
export interface ModelEntries {
  readonly model: string;
  readonly entries: readonly EntryInfo[];
}

type Kind = EntryInfo['kind'];

function listOf(entries: readonly EntryInfo[]): string {
  return entries.map((e) => `${e.name} (${e.kind})`).join(', ') || 'none';
}

/** The entry named `name` (which must be of kind `kind`), or the model's only entry of that kind. */
export function chooseEntry(runner: ModelEntries, kind: Kind, name?: string, preferred?: string): EntryInfo {
  if (name !== undefined) {
    const e = runner.entries.find((x) => x.name === name);
    if (!e)
      throw new DlcError(
        `model '${runner.model}' has no entry point '${name}' (entries: ${listOf(runner.entries)})`,
        2,
      );
    if (e.kind !== kind)
      throw new DlcError(
        `entry point '${name}' of model '${runner.model}' is a ${e.kind} entry, not a ${kind} entry`,
        2,
      );
    return e;
  }
  const ofKind = runner.entries.filter((e) => e.kind === kind);
  if (ofKind.length === 1) return ofKind[0]!;
  const named = preferred === undefined ? undefined : ofKind.find((e) => e.name === preferred);
  if (named) return named;
  if (ofKind.length === 0)
    throw new DlcError(`model '${runner.model}' has no ${kind} entry point (entries: ${listOf(runner.entries)})`, 2);
  throw new DlcError(
    `model '${runner.model}' has several ${kind} entry points (${ofKind.map((e) => e.name).join(', ')}); pick one with --entry`,
    2,
  );
}

/** The infer entry used for evaluation (predict, else score, else the only one), or undefined when there is none. */
export function evalEntry(runner: ModelEntries): EntryInfo | undefined {
  const infer = runner.entries.filter((e) => e.kind === 'infer');
  const named = infer.find((e) => e.name === 'predict') ?? infer.find((e) => e.name === 'score');
  return named ?? (infer.length === 1 ? infer[0] : undefined);
}

function isScalarF32(t: TensorInfo): boolean {
  return t.dtype === 'f32' && t.shape.length === 0;
}

export function lossOutput(entry: EntryInfo): string {
  const scalars = entry.outputs.filter(isScalarF32);
  const loss = scalars.find((o) => o.name === 'loss') ?? scalars.find((o) => o.name === 'cost') ?? scalars[0];
  if (!loss) {
    throw new DlcError(
      `train entry '${entry.name}' has no scalar f32 output to report as its loss (outputs: ${entry.outputs.map((o) => o.name).join(', ') || 'none'})`,
      2,
    );
  }
  return loss.name;
}

/** The train entry's scalar f32 outputs other than the loss. */
export function trainMetrics(entry: EntryInfo, loss: string): string[] {
  return entry.outputs.filter((o) => isScalarF32(o) && o.name !== loss).map((o) => o.name);
}

/** The batch size: the first dimension shared by the entry's inputs. */
export function batchSize(entry: EntryInfo): number {
  const first = entry.inputs[0];
  if (!first || first.shape.length === 0)
    throw new DlcError(`entry '${entry.name}' has no batched input (its first input needs a batch dimension)`, 2);
  const b = first.shape[0]!;
  for (const i of entry.inputs) {
    if (i.shape[0] !== b)
      throw new DlcError(
        `entry '${entry.name}': inputs disagree on the batch size ('${first.name}' has ${b}, '${i.name}' has ${i.shape[0] ?? 'no batch dimension'})`,
        2,
      );
  }
  return b;
}

export function looksLikeMnist(entry: EntryInfo): boolean {
  const f32 = entry.inputs.filter((i) => i.dtype === 'f32');
  const i32 = entry.inputs.filter((i) => i.dtype === 'i32');
  if (f32.length !== 1 || i32.length > 1 || f32.length + i32.length !== entry.inputs.length) return false;
  const s = f32[0]!.shape;
  const image = (s.length === 2 && s[1] === 784) || (s.length === 4 && s[1] === 1 && s[2] === 28 && s[3] === 28);
  const labels = i32.every((l) => l.shape.length === 1 && l.shape[0] === s[0]);
  return image && labels;
}

/** The token window length when the entry looks like a language model (one i32 [batch, T] input). */
export function tokenContext(entry: EntryInfo): number | undefined {
  if (entry.inputs.length !== 1) return undefined;
  const t = entry.inputs[0]!;
  return t.dtype === 'i32' && t.shape.length === 2 ? t.shape[1] : undefined;
}

export function defaultDataset(entry: EntryInfo): string {
  if (looksLikeMnist(entry)) return 'mnist';
  if (tokenContext(entry) !== undefined) return 'moby-dick';
  const inputs = entry.inputs.map((i) => `${i.name}: ${i.dtype}[${i.shape.join(',')}]`).join(', ');
  throw new DlcError(
    `no --data given and the inputs of '${entry.name}' (${inputs}) do not look like a built-in dataset; pass --data mnist|moby-dick|DIR`,
    2,
  );
}
