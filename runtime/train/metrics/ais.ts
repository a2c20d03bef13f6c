// Annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008) of a model's
// log partition function, and from it the test log-likelihood, for `dlc eval --ais N`.
//
// The model does the sampling in a `sample` entry of its own (examples/rbm.dl `ais`):
// it starts chains from a base-rate model p_A (visible biases `base`, no weights),
// anneals them through p_β ∝ p_A^(1−β) p_B^β for its folded constant β schedule, and
// returns per chain log w = log Z_A + Σ_k [log p*_βk(v_k−1) − log p*_βk−1(v_k−1)].
// The host does what is generic:
//   1. base: the log-odds of each visible unit in the train split binarised at 0.5,
//      with one pseudo-count on/off (Laplace), so no bias is infinite;
//   2. each run r calls the entry with the model's counter set to AIS_COUNTER + r (a
//      fresh draw of every random op, the same for the same weights), and
//      log Ẑ_r = log mean_chains exp(log w);
//   3. the log-likelihood of the binarised test rows is mean(−F(v)) − log Ẑ_r, F the
//      score entry's per-row free energy. When the score entry returns only an upper
//      bound on F (a DBM's mean-field `free_energy_bound`), the figure is a lower bound.
// Runs give the spread: mean and standard deviation of log Ẑ over runs.
import { DlcError } from '../../errors';
import type { Split } from '../../data/dataset';
import type { EntryInfo, ModelRunner } from '../runner';
import { binarize, rowEnergies } from './pseudo-likelihood';

export const AIS_OUTPUT = 'log_w';
export const BASE_INPUT = 'base';
/** Counter of the first run: far from any training step, so runs repeat exactly for the same weights. */
export const AIS_COUNTER = 0x41495300;

/** The model's AIS entry: a sample entry returning `log_w: f32[chains]`, with an optional `base: f32[D]` input. */
export function aisEntry(entries: readonly EntryInfo[]): EntryInfo | undefined {
  return entries.find((e) => {
    if (e.kind !== 'sample') return false;
    const out = e.outputs.find((o) => o.name === AIS_OUTPUT);
    if (!out || out.dtype !== 'f32' || out.shape.length !== 1) return false;
    return e.inputs.every((i) => i.name === BASE_INPUT && i.dtype === 'f32' && i.shape.length === 1);
  });
}

/** Log-odds of each column of binary rows [count, width], one pseudo-count on and off. */
export function baseRates(rows: Float32Array, width: number): Float32Array {
  const count = rows.length / width;
  const on = new Float64Array(width);
  for (let r = 0; r < count; r++) for (let i = 0; i < width; i++) on[i]! += rows[r * width + i]!;
  return Float32Array.from(on, (k) => Math.log((k + 1) / (count - k + 1)));
}

/** log(mean(exp(x))), stable. */
export function logMeanExp(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s / x.length);
}

export interface AisRuns {
  /** log Ẑ of each run. */
  readonly logZ: readonly number[];
  readonly chains: number;
}

/** `runs` AIS estimates of log Z from the model's AIS entry; the model's counter is put back. */
export async function aisLogZ(
  runner: ModelRunner,
  entry: EntryInfo,
  base: Float32Array | undefined,
  runs: number,
): Promise<AisRuns> {
  const want = entry.inputs[0]?.shape[0];
  if (want !== undefined && base?.length !== want)
    throw new DlcError(
      `AIS entry '${entry.name}' wants ${BASE_INPUT}: f32[${want}], the data has ${base?.length ?? 0} columns`,
      2,
    );
  const saved = runner.step;
  const logZ: number[] = [];
  let chains = 0;
  try {
    for (let r = 0; r < runs; r++) {
      runner.step = AIS_COUNTER + r;
      const out = await runner.run(entry.name, want === undefined ? {} : { [BASE_INPUT]: base }, [AIS_OUTPUT]);
      const w = out[AIS_OUTPUT] as Float32Array;
      chains = w.length;
      const z = logMeanExp(w);
      if (!Number.isFinite(z))
        throw new DlcError(`AIS entry '${entry.name}' returned non-finite log-weights in run ${r + 1}`, 2);
      logZ.push(z);
    }
  } finally {
    runner.step = saved;
  }
  return { logZ, chains };
}

export interface AisReport {
  readonly runs: readonly number[];
  readonly chains: number;
  readonly log_z: number;
  readonly log_z_sd: number;
  /** Mean over test rows of log p(v) (or its lower bound), per run's log Ẑ, then their mean and spread. */
  readonly log_likelihood: number;
  readonly log_likelihood_sd: number;
  readonly bound: boolean;
}

function meanSd(x: readonly number[]): { mean: number; sd: number } {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = x.length > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1)) : 0;
  return { mean, sd };
}

/** Combines the runs' log Ẑ with the mean negative free energy of the test rows. */
export function aisReport(runs: AisRuns, meanNegEnergy: number, bound: boolean): AisReport {
  const z = meanSd(runs.logZ);
  return {
    runs: runs.logZ,
    chains: runs.chains,
    log_z: z.mean,
    log_z_sd: z.sd,
    log_likelihood: meanNegEnergy - z.mean,
    log_likelihood_sd: z.sd,
    bound,
  };
}

/** Free-energy outputs of a score entry the log-likelihood can use: exact, or an upper bound. */
export const ENERGY_OUTPUTS = { energy: false, free_energy_bound: true } as const;

/** Which per-row free-energy output the score entry has, and its input, or undefined. */
export function scoreEnergy(entry: EntryInfo): { output: keyof typeof ENERGY_OUTPUTS; input: string } | undefined {
  if (entry.inputs.length !== 1) return undefined;
  const input = entry.inputs[0]!;
  const batch = input.shape[0];
  for (const name of Object.keys(ENERGY_OUTPUTS) as (keyof typeof ENERGY_OUTPUTS)[]) {
    const o = entry.outputs.find((x) => x.name === name);
    if (o && o.dtype === 'f32' && o.shape.length === 1 && o.shape[0] === batch)
      return { output: name, input: input.name };
  }
  return undefined;
}

/** The AIS report for the test split: runs of the AIS entry, and the score entry's free energies. */
export async function aisLogLikelihood(
  runner: ModelRunner,
  ais: EntryInfo,
  score: EntryInfo,
  field: string,
  train: Split,
  test: Split,
  runs: number,
): Promise<AisReport> {
  const energy = scoreEnergy(score);
  if (!energy)
    throw new DlcError(
      `--ais: the infer entry '${score.name}' returns no per-row free energy ('energy' or 'free_energy_bound')`,
      2,
    );
  const width = score.inputs[0]!.shape[1]!;
  const base = baseRates(binarize(train[field]!.data as Float32Array), width);
  const result = await aisLogZ(runner, ais, base, runs);
  const x = binarize(test[field]!.data as Float32Array);
  const count = x.length / width;
  const f = await rowEnergies(
    async (rows) => {
      const out = await runner.run(score.name, { [energy.input]: rows }, [energy.output]);
      return out[energy.output] as Float32Array;
    },
    x,
    count,
    width,
    score.inputs[0]!.shape[0]!,
  );
  let neg = 0;
  for (const e of f) neg -= e;
  return aisReport(result, neg / count, ENERGY_OUTPUTS[energy.output]);
}
