// Integer inputs used as indices (PlanIndexRange, from compiler/ir/index-ranges.ts)
// must hold values in [0, size): the index ops read an out-of-range id as zero or
// write nothing for it, which would train something other than what was written.
// Called on every entry call's inputs (the executor and the reference runner) and by
// `dlc train` on a whole dataset before the first step.
import { DlcError, formatSpan } from '../errors';
import type { PlanIndexRange } from '../plan';

/** The first position of `values` outside [0, size), or -1. */
export function firstOutOfRange(values: ArrayLike<number>, size: number): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= size) return i;
  }
  return -1;
}

/** "skipgram.dl:20:9: input 'words' indexes a row of 'emb' here, so its values must lie in [0, 5000); <what> holds 6012 at element 3". */
export function outOfRangeMessage(range: PlanIndexRange, holds: string): string {
  const at = range.span ? `${formatSpan(range.span)}: ` : '';
  return `${at}input '${range.input}' indexes ${range.use} here, so its values must lie in [0, ${range.size}); ${holds}`;
}

/** Throws a located DlcError when an input given to `entry` holds an id outside its range. */
export function checkIndexInputs(
  entry: string,
  ranges: readonly PlanIndexRange[] | undefined,
  inputs: Readonly<Record<string, unknown>> | undefined,
): void {
  for (const range of ranges ?? []) {
    const values = inputs?.[range.input] as ArrayLike<number> | undefined;
    if (values === undefined) continue;
    const i = firstOutOfRange(values, range.size);
    if (i >= 0)
      throw new DlcError(
        outOfRangeMessage(range, `the call to '${entry}' gave ${values[i]} at element ${i}`),
        1,
        range.span,
      );
  }
}
