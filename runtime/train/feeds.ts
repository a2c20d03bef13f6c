// Dataset batches to entry inputs: the binding (runtime/data/bind.ts) says which
// field feeds which input; the data is already flat and row-major, so a field whose
// example shape differs from the input's row shape (same element count) is passed
// as it is.
import { DlcError } from '../errors';
import { resolveBinding, type Binding } from '../data/bind';
import { firstOutOfRange, outOfRangeMessage } from '../executor/index-check';
import type { Split } from '../data/dataset';
import type { EntryInfo } from './runner';

export function bindEntry(
  datasetName: string,
  split: Split,
  entry: EntryInfo,
  mapping: Readonly<Record<string, string>>,
): Binding[] {
  // Only the mapping's entries that name this entry's inputs apply (an eval entry takes fewer inputs than the train entry).
  const names = new Set(entry.inputs.map((i) => i.name));
  const own = Object.fromEntries(Object.entries(mapping).filter(([, input]) => names.has(input)));
  const bindings = resolveBinding(datasetName, split, entry.inputs, own);
  checkIndexFields(datasetName, split, entry, bindings);
  return bindings;
}

/**
 * Every value of a field bound to an index input lies in the input's range, checked on the
 * whole split before the first step (the runtime checks each call again).
 */
function checkIndexFields(datasetName: string, split: Split, entry: EntryInfo, bindings: readonly Binding[]): void {
  for (const range of entry.indexRanges ?? []) {
    const field = bindings.find((b) => b.input === range.input)?.field;
    if (field === undefined) continue;
    const values = split[field]!.data;
    const i = firstOutOfRange(values, range.size);
    if (i < 0) continue;
    const row = split[field]!.shape.slice(1).reduce((a, b) => a * b, 1);
    const holds = `dataset '${datasetName}' field '${field}' holds ${values[i]} (example ${Math.floor(i / row)})`;
    throw new DlcError(outOfRangeMessage(range, holds), 1, range.span);
  }
}

/** Every input a mapping names must be an input of one of the entries that take data. */
export function checkMappingTargets(mapping: Readonly<Record<string, string>>, entries: readonly EntryInfo[]): void {
  const names = [...new Set(entries.flatMap((e) => e.inputs.map((i) => i.name)))];
  for (const input of Object.values(mapping)) {
    if (!names.includes(input))
      throw new DlcError(`the model has no input named '${input}' (inputs: ${names.join(', ')})`, 2);
  }
}

export function feedsOf(batch: Split, bindings: readonly Binding[]): Record<string, Float32Array | Int32Array> {
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const b of bindings) out[b.input] = batch[b.field]!.data;
  return out;
}
