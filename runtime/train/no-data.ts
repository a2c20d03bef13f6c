// Training without a dataset: an entry with no inputs (a generator fitting a
// fixed target, a model sampling its own data) still steps through the loop. The
// loop counts steps through a data cursor, so it gets one example per step of a
// field nobody reads, and the whole run is a single epoch.
import { DlcError } from '../errors';
import type { Dataset } from '../data/dataset';
import type { EntryInfo } from './runner';

export const noDataName = '';

export function takesNoData(entry: EntryInfo): boolean {
  return entry.inputs.length === 0;
}

/** Refuses flags that only make sense with data; data-free training needs --steps. */
export function checkNoDataFlags(
  entry: EntryInfo,
  o: { data?: string; bind?: string; epochs?: number; steps?: number },
): number {
  const why = `entry '${entry.name}' takes no inputs, so it trains without data`;
  if (o.data !== undefined) throw new DlcError(`${why}; drop --data`, 2);
  if (o.bind !== undefined) throw new DlcError(`${why}; drop --bind`, 2);
  if (o.steps === undefined) throw new DlcError(`${why}: give --steps N (there are no epochs without data)`, 2);
  return o.steps;
}

export function stepsOnlyDataset(steps: number): Dataset {
  const empty = { step: { dtype: 'f32' as const, shape: [0], data: new Float32Array(0) } };
  return {
    name: 'no data',
    train: { step: { dtype: 'f32', shape: [steps], data: new Float32Array(steps) } },
    test: empty,
  };
}
