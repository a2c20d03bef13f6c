// Dataset batches to entry inputs: the binding (runtime/data/bind.ts) says which
// field feeds which input; the data is already flat and row-major, so a field whose
// example shape differs from the input's row shape (same element count) is passed
// as it is.
import { DlcError } from '../errors';
import { resolveBinding, type Binding } from '../data/bind';
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
  return resolveBinding(datasetName, split, entry.inputs, own);
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
