// Batches in a reproducible order, with a cursor that a checkpoint can save.
//
// Training order: epoch e visits the examples in permutation(N, seed, e + 1) (Fisher–
// Yates from runtime/data/prng.ts; stream 0 is reserved for dataset splits). Each
// epoch yields floor(N / batchSize) full batches; the last partial batch is DROPPED,
// because the compiled training step has a fixed batch size and a smaller batch
// would weigh its examples differently. The examples dropped differ per epoch, so
// none is left out for good.
//
// The cursor (epoch, position) is the number of examples of the current epoch's
// order already handed out. Restoring a saved cursor resumes exactly where the
// saved run stopped, since the order is recomputed from (seed, epoch) alone.
//
// Evaluation order: the split in its stored order, in ceil(N / batchSize) batches;
// the last one is PADDED with zero rows up to batchSize and reports `valid`, the
// number of real rows, so metrics are computed over the first `valid` rows only.
// E.g. 2,000 test examples at batch 128: 15 full batches and one of 80 real rows.
import { DlcError } from '../errors';
import { augmentBatch, type BoundAugment } from './augment';
import { fieldNames, selectRows, splitLength, type Split } from './dataset';
import { permutation } from './prng';
import type { HostTensor } from './tensor';

// Orders (`dlc train --order`): 'shuffled' as above; 'sequential' visits examples in
// stored order every epoch (curricula: store them easy to hard); 'striped' gives each
// batch row its own contiguous stream, row r reading examples r*S, r*S+1, … with
// S = floor(N / batchSize), so a state carried from one step to the next (TBPTT)
// continues the same text in every row.
export const DATA_ORDERS = ['shuffled', 'sequential', 'striped'] as const;
export type DataOrder = (typeof DATA_ORDERS)[number];

export interface DataCursor {
  readonly epoch: number;
  readonly position: number;
}

export interface TrainBatch {
  readonly fields: Split;
  /** The epoch and 0-based batch index within it that this batch is. */
  readonly epoch: number;
  readonly index: number;
}

function checkBatchSize(batchSize: number, n: number, what: string): void {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new DlcError(`batch size must be a positive integer, got ${batchSize}`);
  if (n === 0) throw new DlcError(`${what} has no examples`);
  if (what.startsWith('training') && batchSize > n) {
    throw new DlcError(`batch size ${batchSize} is larger than the ${n} training examples; no full batch can be made`);
  }
}

export class TrainBatches {
  readonly length: number;
  readonly batchesPerEpoch: number;
  private epochOrder: Int32Array;
  private cur: DataCursor = { epoch: 0, position: 0 };

  constructor(
    private readonly split: Split,
    readonly batchSize: number,
    readonly seed: number,
    readonly order: DataOrder = 'shuffled',
    /** `--augment`: each batch's images moved at random (runtime/data/augment.ts). */
    readonly augment?: BoundAugment,
  ) {
    this.length = splitLength(split, 'training split');
    checkBatchSize(batchSize, this.length, 'training split');
    this.batchesPerEpoch = Math.floor(this.length / batchSize);
    this.epochOrder = this.orderOf(0);
  }

  /** The example order of one epoch. */
  orderOf(epoch: number): Int32Array {
    if (this.order === 'shuffled') return permutation(this.length, this.seed, epoch + 1);
    const out = new Int32Array(this.length);
    const b = this.batchSize;
    const streams = this.batchesPerEpoch;
    for (let i = 0; i < this.length; i++) {
      // Past the last full batch (dropped) the order does not matter; keep it a permutation.
      out[i] = this.order === 'sequential' || i >= streams * b ? i : (i % b) * streams + Math.floor(i / b);
    }
    return out;
  }

  get cursor(): DataCursor {
    return this.cur;
  }

  /** Moves to a saved cursor; the position must be a batch boundary of this batch size. */
  restore(cursor: DataCursor): void {
    const { epoch, position } = cursor;
    if (!Number.isInteger(epoch) || epoch < 0) throw new DlcError(`data cursor: invalid epoch ${epoch}`);
    if (
      !Number.isInteger(position) ||
      position < 0 ||
      position % this.batchSize !== 0 ||
      position / this.batchSize > this.batchesPerEpoch
    ) {
      throw new DlcError(
        `data cursor: position ${position} is not a batch boundary of batch size ${this.batchSize} within ${this.length} examples`,
      );
    }
    if (epoch !== this.cur.epoch) this.epochOrder = this.orderOf(epoch);
    this.cur = { epoch, position };
  }

  /** The next full batch, moving on to the next epoch (new order) when this one has no full batch left. */
  next(): TrainBatch {
    if (this.cur.position + this.batchSize > this.length) this.restore({ epoch: this.cur.epoch + 1, position: 0 });
    const { epoch, position } = this.cur;
    const rows = this.epochOrder.subarray(position, position + this.batchSize);
    this.cur = { epoch, position: position + this.batchSize };
    const fields = selectRows(this.split, rows);
    return {
      fields: this.augment ? augmentBatch(this.augment, fields, this.seed, epoch, position) : fields,
      epoch,
      index: position / this.batchSize,
    };
  }

  /** True when the current epoch has handed out all its full batches. */
  get epochDone(): boolean {
    return this.cur.position + this.batchSize > this.length;
  }
}

export interface EvalBatch {
  readonly fields: Split;
  /** The number of real rows; rows from `valid` to batchSize are zero padding. */
  readonly valid: number;
  /** The index of the batch's first row in the split. */
  readonly start: number;
}

export function* evalBatches(split: Split, batchSize: number): Generator<EvalBatch> {
  const n = splitLength(split, 'evaluation split');
  checkBatchSize(batchSize, n, 'evaluation split');
  for (let start = 0; start < n; start += batchSize) {
    const valid = Math.min(batchSize, n - start);
    const rows = new Int32Array(valid);
    for (let k = 0; k < valid; k++) rows[k] = start + k;
    const fields = selectRows(split, rows);
    yield { fields: valid === batchSize ? fields : padRows(fields, batchSize), valid, start };
  }
}

function padRows(split: Split, rowsWanted: number): Split {
  const out: Record<string, HostTensor> = {};
  for (const f of fieldNames(split)) {
    const t = split[f]!;
    const data =
      t.dtype === 'f32'
        ? new Float32Array((t.data.length / t.shape[0]!) * rowsWanted)
        : new Int32Array((t.data.length / t.shape[0]!) * rowsWanted);
    data.set(t.data);
    out[f] = { ...t, shape: [rowsWanted, ...t.shape.slice(1)], data } as HostTensor;
  }
  return out;
}

/** The cursor as stored in checkpoint metadata: "epoch:position". */
export function formatCursor(c: DataCursor): string {
  return `${c.epoch}:${c.position}`;
}

export function parseCursor(s: string): DataCursor {
  const m = /^(\d+):(\d+)$/.exec(s);
  if (!m) throw new DlcError(`data cursor '${s}' is not of the form epoch:position`);
  return { epoch: Number(m[1]), position: Number(m[2]) };
}
