// The figures reported for a finished run: the last `dlc train --json` record, plus
// test-set measures computed from the saved checkpoint for the generative models.
import { readCheckpoint } from '../../runtime/checkpoint/file-node';
import { loadMnist } from '../../runtime/data/mnist-node';
import { standardisedMnist } from './data';
import { autoencoderError, pseudoLogLikelihood, reconstructionError, type Weights } from './metrics';
import type { Measure } from './recipes';

/** One `--json` record of `dlc train` (see compiler/train/loop.ts EpochRecord). */
export interface TrainRecord {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly test_accuracy?: number;
  readonly test_metrics?: Readonly<Record<string, number>>;
  readonly train_metrics?: Readonly<Record<string, number>>;
  readonly skipped: number;
  readonly seconds: number;
  readonly final?: boolean;
}

export type Figures = Record<string, number | string>;

function weights(checkpoint: string, visibleBias: string): Weights {
  const t = readCheckpoint(checkpoint).tensors;
  const get = (name: string): Float32Array => {
    const saved = t[name];
    if (!saved || saved.dtype !== 'f32') throw new Error(`${checkpoint} has no f32 tensor '${name}'`);
    return saved.data as Float32Array;
  };
  return { W: get('W'), a: get(visibleBias), b: get('b') };
}

export function measureRun(measure: Measure, final: TrainRecord, checkpoint: string): Figures {
  const out: Figures = { 'train loss': final.loss };
  switch (measure.kind) {
    case 'accuracy': {
      const acc = final.test_accuracy ?? NaN;
      out['test accuracy %'] = 100 * acc;
      if (measure.bar > 0) out[`bar ${(100 * measure.bar).toFixed(1)}%`] = acc >= measure.bar ? 'met' : 'below';
      return out;
    }
    case 'rbm': {
      const w = weights(checkpoint, 'a');
      const test = loadMnist().test.x!.data as Float32Array;
      if (final.train_metrics?.recon !== undefined) out['train recon'] = final.train_metrics.recon;
      out['test recon'] = reconstructionError(w, test, false);
      out['test pseudo-LL'] = pseudoLogLikelihood(w, test);
      return out;
    }
    case 'grbm': {
      if (final.train_metrics?.recon !== undefined) out['train recon'] = final.train_metrics.recon;
      out['test recon'] = reconstructionError(weights(checkpoint, 'a'), standardisedMnist().test, true);
      return out;
    }
    case 'dae': {
      const e = autoencoderError(weights(checkpoint, 'c'), loadMnist().test.x!.data as Float32Array);
      out['test recon BCE'] = e.crossEntropy;
      out['test recon sq.err'] = e.squaredError;
      return out;
    }
    case 'text':
      out['train bits/char'] = final.loss / Math.LN2;
      return out;
    default: {
      const never: never = measure;
      throw new Error(`unknown measure ${String(never)}`);
    }
  }
}
