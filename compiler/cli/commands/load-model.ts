// A .dl file (or an already lowered Program) to a runnable model: lowering (passed
// in, so tests can hand over built programs), the optimisation passes at the -O
// level, then either the reference executor (`--backend reference`) or a plan
// generated and memory-planned for the device's limits and kernel family
// (compiler/driver.ts planAt), run by runtime/model.ts.
import { DlcError } from '../../../runtime/errors';
import { acquireDevice } from '../../../runtime/device';
import type { Program } from '../../ir/program';
import type { SparseUpdates } from '../../optim/sparse-rows';
import { optimizeProgram } from '../../passes/pipeline';
import { planAt } from '../../driver';
import { sourceLookup, type LowerFn } from '../../driver';
import { formatDiagnostics } from '../../../dsl/diagnostics';
import { createGpuRunner, type ModelRunner } from '../../../runtime/train/runner';
import { createReferenceRunner } from '../../reference/runner';

/** The -O level when none is given: the full pipeline, as `dlc ir` and `dlc compile` use. */
export const DEFAULT_OPT_LEVEL = 2;

export const BACKEND_CHOICES = ['auto', 'vulkan', 'metal', 'd3d12', 'opengles', 'reference'] as const;

export interface RunnerOptions {
  readonly backend?: string;
  readonly seed: number;
  readonly checkNumerics?: boolean;
  /** `-O LEVEL`; 0 is the plain code generator. */
  readonly optLevel?: number;
  /** `--textures on|off`: operand textures in the kernels; absent: the code generator's default. */
  readonly textures?: boolean;
}

/** Lowers FILE; prints its diagnostics to `stderr` and fails (exit 1) on errors. */
export async function lowerModel(
  lower: LowerFn,
  file: string,
  defines: Readonly<Record<string, number | boolean>>,
  stderr: NodeJS.WritableStream,
  sparseUpdates?: SparseUpdates,
): Promise<Program> {
  const lowered = await lower(file, { defines, ...(sparseUpdates ? { sparseUpdates } : {}) });
  if (lowered.diagnostics.length > 0)
    stderr.write(formatDiagnostics(lowered.diagnostics, sourceLookup(lowered.sources)));
  // compiler/lower reports an unreadable FILE as `ioError` (exit 2), not as a diagnostic.
  const ioError = (lowered as { readonly ioError?: string }).ioError;
  if (ioError !== undefined) throw new DlcError(ioError, 2);
  const failed = lowered.diagnostics.filter((d) => d.severity === 'error');
  if (failed.length > 0 || !lowered.program) {
    throw new DlcError(
      `${file}: ${failed.length || 'some'} error${failed.length === 1 ? '' : 's'}; nothing was run`,
      1,
    );
  }
  return lowered.program;
}

export async function createRunner(program: Program, options: RunnerOptions): Promise<ModelRunner> {
  const backend = (options.backend ?? 'auto').toLowerCase();
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new DlcError(`unknown backend '${options.backend}' (known backends: ${BACKEND_CHOICES.join(', ')})`, 2);
  }
  const level = options.optLevel ?? DEFAULT_OPT_LEVEL;
  if (level !== 0 && level !== 1 && level !== 2)
    throw new DlcError(`-O${level}: optimisation levels are 0, 1 and 2`, 2);
  if (backend === 'reference') {
    if (options.checkNumerics)
      throw new DlcError('--check-numerics needs a WebGPU backend (the reference executor has no kernels to check)', 2);
    return createReferenceRunner(optimizeProgram(program, { level }).program, options.seed);
  }
  const acquired = await acquireDevice(backend === 'auto' ? {} : { backend });
  const plan = planAt(program, {
    level,
    family: acquired.software ? 'register' : 'shared',
    limits: acquired.limits,
    ...(options.textures !== undefined ? { textures: options.textures } : {}),
  });
  return createGpuRunner(plan, {
    seed: options.seed,
    checkNumerics: options.checkNumerics === true,
    device: acquired.device,
    where: acquired.description,
  });
}
