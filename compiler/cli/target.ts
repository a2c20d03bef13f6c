// `--target portable|tuned`: what `dlc compile` and `dlc ir` (planned, wgsl) generate
// code for, the same default for both (tuned) and printed by both.
// - portable: the `shared` kernel family without operand textures, within WebGPU's
//   default limits; opens no device, runs on any WebGPU device. The choice for a
//   bundle served to browsers, and the same output on every machine.
// - tuned: for the adapter dlc opens here (`dlc devices`): the `register` family with
//   operand textures on CPU adapters (llvmpipe, SwiftShader), `shared` on GPUs, within
//   the adapter's limits. With no adapter it falls back to portable and says so.
// - adaptive: both families (register with textures, shared without), within WebGPU's
//   default limits; the generated module picks one at createModel time from the
//   adapter it gets (runtime/families.ts). Twice the kernels; opens no device.
// `--family` and `--textures` override the target's choice (not adaptive's: it carries both).
import { DlcError } from '../../runtime/errors';
import { acquireDevice } from '../../runtime/device';
import type { CodegenOptions } from '../codegen/generate-plan';

export const TARGETS = ['portable', 'tuned', 'adaptive'] as const;
export type TargetName = (typeof TARGETS)[number];
export const DEFAULT_TARGET: TargetName = 'tuned';

export interface Target {
  readonly name: TargetName;
  readonly family: CodegenOptions['family'];
  /** The adapter's limits; absent: WebGPU's default limits. */
  readonly limits?: Readonly<Record<string, number>>;
  readonly textures: boolean;
  /** What the target was resolved against, for the printed line. */
  readonly device?: string;
}

export function parseTarget(value: string | undefined): TargetName {
  if (value === undefined) return DEFAULT_TARGET;
  if (!(TARGETS as readonly string[]).includes(value))
    throw new DlcError(`--target must be portable, tuned or adaptive, got '${value}'`, 2);
  return value as TargetName;
}

/** The target `name` resolves to here, with the user's --family/--textures applied. */
export async function resolveTarget(name: TargetName, family?: Target['family'], textures?: boolean): Promise<Target> {
  // Textures follow the code generator's default (on for the register family) unless given.
  const finish = (t: Omit<Target, 'textures'>): Target => {
    const f = family ?? t.family;
    return { ...t, family: f, textures: textures ?? f === 'register' };
  };
  if (name === 'portable') return finish({ name, family: 'shared' });
  if (name === 'adaptive') {
    // One family's half of an adaptive module (`dlc ir` shows one family's code).
    if (family === undefined)
      throw new DlcError(
        "--target adaptive carries both kernel families; to see one family's code add --family register or --family shared",
        2,
      );
    return finish({ name, family });
  }
  try {
    const acquired = await acquireDevice();
    return finish({
      name,
      family: acquired.software ? 'register' : 'shared',
      limits: acquired.limits,
      device: acquired.description,
    });
  } catch (err) {
    if (!(err instanceof DlcError)) throw err;
    return finish({ name: 'portable', family: 'shared', device: `no device found (${err.message}), so portable` });
  }
}

/** The targets of a module's plans: one, or for adaptive one per kernel family. */
export async function resolveTargets(
  name: TargetName,
  family?: Target['family'],
  textures?: boolean,
): Promise<readonly Target[]> {
  if (name !== 'adaptive') return [await resolveTarget(name, family, textures)];
  if (family !== undefined || textures !== undefined)
    throw new DlcError(
      '--target adaptive carries both kernel families, so --family and --textures do not apply; ' +
        'use them with --target portable or tuned',
      2,
    );
  return [
    { name, family: 'register', textures: true },
    { name, family: 'shared', textures: false },
  ];
}

/** One line for the targets of a module: `adaptive: register family, textures on + shared family, ...`. */
export function describeTargets(targets: readonly Target[], level: number): string {
  if (targets.length === 1) return describeTarget(targets[0]!, level);
  const halves = targets.map((t) => `${t.family} family, textures ${t.textures ? 'on' : 'off'}`).join(' + ');
  return `adaptive: ${halves}, default WebGPU limits, -O${level}; createModel picks the family by the adapter`;
}

/** One line: `tuned for <adapter>: register family, textures on, adapter limits, -O2`. */
export function describeTarget(t: Target, level: number): string {
  const head =
    t.name === 'tuned'
      ? `tuned for ${t.device}`
      : t.name === 'adaptive'
        ? `adaptive (its ${t.family} half)`
        : t.device
          ? `portable (${t.device})`
          : 'portable';
  return `${head}: ${t.family} family, textures ${t.textures ? 'on' : 'off'}, ${t.limits ? 'adapter' : 'default WebGPU'} limits, -O${level}`;
}
