// The dlc column: the compiled `train` entry point of each reference model.
import type { ModelName } from './models';
import type { StepRunner } from './timing';

/** Why the dlc column cannot be measured yet, shown in the table as "n/a: <reason>". */
export class DlcUnavailable extends Error {}

/**
 * A training step of the compiled dlc model `name` (same shapes, batch 128, SGD
 * momentum 0.9, loss read back each step); its `gpuBytes()` should give the plan's
 * planned bytes for the step. Needs `dlc compile` and the generated module; until
 * they exist this throws DlcUnavailable and the table says so.
 */
export async function runDlcModel(name: ModelName): Promise<StepRunner> {
  throw new DlcUnavailable(`dlc compile and the generated module for '${name}' are not built yet (bench/dlc.ts: runDlcModel)`);
}
