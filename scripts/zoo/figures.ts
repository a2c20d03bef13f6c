// The figures reported for a finished run, all from `dlc train --json`'s last
// record: test accuracy for classifiers; for the generative models the test-set
// means of their `score` entry (reconstruction error, cross-entropy, and for the
// binary RBM dlc's stochastic pseudo-likelihood estimate) and the train entry's
// metrics averaged over the last epoch.

/** One `--json` record of `dlc train` (see runtime/train/loop.ts EpochRecord). */
export interface TrainRecord {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly test_accuracy?: number;
  readonly test_metrics?: Readonly<Record<string, number>>;
  /** A model without an infer entry: its train entry's loss over the test split. */
  readonly test_loss?: number;
  readonly train_metrics?: Readonly<Record<string, number>>;
  readonly skipped: number;
  readonly seconds: number;
  readonly final?: boolean;
}

export type Figures = Record<string, number | string>;

/** `bar`: the test accuracy the example must reach (0: none). */
export function figuresOf(final: TrainRecord, bar: number): Figures {
  const out: Figures = { 'train loss': final.loss };
  for (const [k, v] of Object.entries(final.train_metrics ?? {})) out[`train ${k}`] = v;
  if (final.test_accuracy !== undefined) {
    out['test accuracy %'] = 100 * final.test_accuracy;
    if (bar > 0) out[`bar ${(100 * bar).toFixed(1)}%`] = final.test_accuracy >= bar ? 'met' : 'below';
  }
  for (const [k, v] of Object.entries(final.test_metrics ?? {})) out[`test ${k}`] = v;
  if (final.test_loss !== undefined) out['test loss'] = final.test_loss;
  if (final.skipped > 0) out['skipped updates'] = final.skipped;
  return out;
}
