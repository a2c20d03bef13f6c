// The pseudo-likelihood of a model on the device: an infer entry with one f32
// input [batch, D] (fed from a dataset field) and an f32 output named `energy` of
// shape [batch] — the free energy of each row, as examples/rbm.dl's `score` — gets a
// `pseudo_likelihood` figure in `dlc eval` and in every epoch of `dlc train`: the
// stochastic estimate (pseudo-likelihood.ts, seed 0) over the test rows binarised
// at 0.5. The entry's other inputs, if any, rule it out (they would need feeding).
import type { Binding } from '../../data/bind';
import type { Split } from '../../data/dataset';
import type { EntryInfo, ModelRunner } from '../runner';
import { binarize, pseudoLikelihood } from './pseudo-likelihood';

export const ENERGY_OUTPUT = 'energy';

export interface EnergyEntry {
  readonly input: string;
  readonly field: string;
  readonly width: number;
  readonly batch: number;
}

/** How to call `entry` for free energies, or undefined when it does not return them. */
export function energyEntry(entry: EntryInfo, bindings: readonly Binding[]): EnergyEntry | undefined {
  if (entry.inputs.length !== 1) return undefined;
  const input = entry.inputs[0]!;
  const batch = input.shape[0];
  if (input.dtype !== 'f32' || input.shape.length !== 2 || batch === undefined) return undefined;
  const out = entry.outputs.find((o) => o.name === ENERGY_OUTPUT);
  if (!out || out.dtype !== 'f32' || out.shape.length !== 1 || out.shape[0] !== batch) return undefined;
  const field = bindings.find((b) => b.input === input.name)?.field;
  return field === undefined ? undefined : { input: input.name, field, width: input.shape[1]!, batch };
}

/** The stochastic pseudo-log-likelihood (nats per example) of the test split under the model's free energy. */
export async function devicePseudoLikelihood(
  runner: ModelRunner,
  entry: EntryInfo,
  e: EnergyEntry,
  test: Split,
): Promise<number> {
  const x = binarize(test[e.field]!.data as Float32Array);
  return pseudoLikelihood(
    async (rows) => {
      const out = await runner.run(entry.name, { [e.input]: rows }, [ENERGY_OUTPUT]);
      return out[ENERGY_OUTPUT] as Float32Array;
    },
    x,
    e.width,
    { bits: 'one', seed: 0, batch: e.batch },
  );
}
