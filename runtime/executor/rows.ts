// Calls with fewer rows than the compiled batch (PlanBatch): the rows given are
// counted and checked, zero rows pad each batch input to the full batch, and the
// row-wise outputs are cut back to the rows given. The WebGPU executor and the
// reference runner (compiler/reference/runner.ts) both go through here.
import { DlcError, formatSpan } from '../errors';
import type { PlanBatch, PlanTensorRef } from '../plan';
import type { OutputValue } from './index';
import type { HostTensor } from './io';
import { numelOf, shapeText } from './io';

type Ref = Pick<PlanTensorRef, 'name' | 'dtype' | 'shape'>;

const rowSize = (ref: Ref): number => numelOf(ref.shape.slice(1));

function plural(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

/**
 * The rows a call gives when fewer than the full batch: every batch input holds the
 * same n whole rows, 1 ≤ n < size, and the entry takes fewer rows (else a DlcError).
 * Undefined: the full batch, or lengths that fit no row count (the element-count
 * check of validateInputs reports those).
 */
export function givenRows(
  entry: string,
  declared: readonly Ref[],
  batch: PlanBatch | undefined,
  given: Readonly<Record<string, unknown>> | undefined,
): number | undefined {
  if (!batch || typeof given !== 'object' || given === null) return undefined;
  let rows: { n: number; input: string } | undefined;
  for (const ref of declared) {
    if (!batch.inputs.includes(ref.name)) continue;
    const value = given[ref.name];
    if (!ArrayBuffer.isView(value)) return undefined;
    const length = (value as unknown as { length: number }).length;
    const per = rowSize(ref);
    if (length === 0 || length % per !== 0 || length / per >= batch.size) return undefined;
    const n = length / per;
    if (rows && rows.n !== n) {
      throw new DlcError(
        `${entry}: input '${ref.name}' has ${plural(n)} but '${rows.input}' has ${plural(rows.n)}; ` +
          'batch inputs take the same rows',
      );
    }
    rows ??= { n, input: ref.name };
  }
  if (!rows) return undefined;
  const n = rows.n;
  if (batch.fixed) {
    const where = batch.fixed.span ? ` (${formatSpan(batch.fixed.span)})` : '';
    const ref = declared.find((d) => d.name === rows.input)!;
    throw new DlcError(
      `${entry}: input '${rows.input}' has ${plural(n)} of ${shapeText(ref)}; ${entry} takes all ${batch.size} rows ` +
        `because ${batch.fixed.reason}${where}`,
    );
  }
  return n;
}

/** The inputs with each batch input zero-padded to the full batch (the same object for a full batch). */
export function padRows(
  declared: readonly Ref[],
  batch: PlanBatch | undefined,
  given: Readonly<Record<string, unknown>>,
  n: number | undefined,
): Readonly<Record<string, unknown>> {
  if (!batch || n === undefined) return given;
  const out: Record<string, unknown> = { ...given };
  for (const ref of declared) {
    if (!batch.inputs.includes(ref.name)) continue;
    const value = given[ref.name] as HostTensor;
    const full = new (value.constructor as new (length: number) => HostTensor)(numelOf(ref.shape));
    full.set(value);
    out[ref.name] = full;
  }
  return out;
}

/** The row-wise outputs cut to their first `n` rows. */
export function takeRows(
  batch: PlanBatch | undefined,
  outputs: readonly Ref[],
  result: Record<string, OutputValue>,
  n: number | undefined,
): Record<string, OutputValue> {
  if (!batch || n === undefined) return result;
  for (const ref of outputs) {
    const value = result[ref.name];
    if (!batch.outputs.includes(ref.name) || value === undefined || typeof value === 'number') continue;
    result[ref.name] = value.slice(0, n * rowSize(ref));
  }
  return result;
}
