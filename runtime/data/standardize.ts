// Per-feature standardisation of a dataset's f32 field: every column (pixel) of the
// train split gets mean 0 and standard deviation 1, and the test split is moved by
// the same train statistics. A column whose train deviation is below `minDeviation`
// (MNIST's always-black border) is divided by `minDeviation` instead, so it stays
// near 0 rather than blowing up. This is the input a Gaussian-Bernoulli RBM with unit
// visible variance expects. The statistics go into `info.standardized` so pictures
// of samples can be mapped back to pixel values (`unstandardize`).
import { DlcError } from '../errors';
import { makeDataset, type Dataset } from './dataset';
import { hostTensor, type HostTensor } from './tensor';

/** The floor on a column's deviation (pixels are in [0,1]; 0.1 is a tenth of the range). */
export const MIN_DEVIATION = 0.1;

export interface ColumnStats {
  readonly field: string;
  readonly mean: Float32Array;
  /** The deviation each column was divided by (floored at minDeviation). */
  readonly scale: Float32Array;
}

/** Mean and floored standard deviation of each column of a [N, D] tensor. */
export function columnStats(t: HostTensor, field: string, minDeviation = MIN_DEVIATION): ColumnStats {
  if (t.dtype !== 'f32' || t.shape.length < 2)
    throw new DlcError(`standardize: field '${field}' must be f32 with an example axis and features`);
  const n = t.shape[0]!;
  const d = t.data.length / Math.max(n, 1);
  if (n === 0) throw new DlcError(`standardize: field '${field}' has no examples`);
  const sum = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) {
      const v = t.data[r * d + c]!;
      sum[c]! += v;
      sq[c]! += v * v;
    }
  }
  const mean = new Float32Array(d);
  const scale = new Float32Array(d);
  for (let c = 0; c < d; c++) {
    const m = sum[c]! / n;
    mean[c] = m;
    scale[c] = Math.max(minDeviation, Math.sqrt(Math.max(0, sq[c]! / n - m * m)));
  }
  return { field, mean, scale };
}

export function applyStats(t: HostTensor, stats: ColumnStats): HostTensor {
  const d = stats.mean.length;
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (t.data[i]! - stats.mean[i % d]!) / stats.scale[i % d]!;
  return hostTensor('f32', t.shape, out);
}

/** Values of a standardised column layout mapped back to the original units. */
export function unstandardize(values: ArrayLike<number>, stats: Pick<ColumnStats, 'mean' | 'scale'>): Float32Array {
  const d = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i]! * stats.scale[i % d]! + stats.mean[i % d]!;
  return out;
}

/** The dataset with `field` standardised by its train statistics; other fields unchanged. */
export function standardizeDataset(ds: Dataset, name: string, field = 'x', minDeviation = MIN_DEVIATION): Dataset {
  const train = ds.train[field];
  if (!train) throw new DlcError(`standardize: dataset '${ds.name}' has no field '${field}'`);
  const stats = columnStats(train, field, minDeviation);
  return makeDataset(
    name,
    { ...ds.train, [field]: applyStats(train, stats) },
    { ...ds.test, [field]: applyStats(ds.test[field]!, stats) },
    { ...ds.info, standardized: stats, standardizedFrom: ds.name, minDeviation },
  );
}

/** The statistics a standardised dataset recorded, if it is one. */
export function standardizedStats(ds: Dataset): ColumnStats | undefined {
  const s = ds.info?.standardized as ColumnStats | undefined;
  return s && s.mean instanceof Float32Array && s.scale instanceof Float32Array ? s : undefined;
}
