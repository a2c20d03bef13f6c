// The kernel family a model runs with. A module compiled with `--target adaptive`
// carries one plan per family (FamilyPlans) and picks at createModel time, from the
// adapter it gets: 'register' kernels on a CPU adapter (llvmpipe, SwiftShader), where
// workgroup memory is no faster than registers, and 'shared' kernels on a GPU. Any
// other module carries one plan, and asking it for the other family is refused rather
// than ignored. The plans of one model share their params, state and slots, so a
// checkpoint saved under one family loads under the other.
import { acquireDevice, isSoftwareAdapter } from './device';
import { DlcError } from './errors';
import type { KernelFamily, Plan } from './plan';
import type { ModelOptions } from './module-types';

export type FamilyPlans = Readonly<Record<KernelFamily, Plan>>;

export function isFamilyPlans(plans: Plan | FamilyPlans): plans is FamilyPlans {
  return 'register' in plans && 'shared' in plans;
}

/** The limits both plans need, so one device serves whichever is picked. */
function requiredLimits(plans: FamilyPlans): Record<string, number> {
  const out: Record<string, number> = {};
  for (const plan of [plans.register, plans.shared])
    for (const [name, value] of Object.entries(plan.requiredLimits)) out[name] = Math.max(out[name] ?? 0, value);
  return out;
}

/** The family for a device: 'register' on a CPU adapter, else 'shared'. */
export function familyFor(device: GPUDevice): KernelFamily {
  // adapterInfo is recent in WebGPU; without it nothing says the adapter is a CPU, so 'shared'.
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return info !== undefined && isSoftwareAdapter(info) ? 'register' : 'shared';
}

/** The plan to run and the options to run it with (the device acquired here when none was given). */
export async function choosePlan(
  plans: Plan | FamilyPlans,
  options: ModelOptions,
): Promise<{ plan: Plan; options: ModelOptions }> {
  if (!isFamilyPlans(plans)) {
    const family = plans.family;
    if (options.family !== undefined && family !== undefined && options.family !== family)
      throw new DlcError(
        `model '${plans.model}' was compiled for the ${family} kernel family only, not ${options.family}; ` +
          'compile it with --target adaptive to carry both',
      );
    return { plan: plans, options };
  }
  if (options.family !== undefined) return { plan: plans[options.family], options };
  const device = options.device ?? (await acquireDevice({ requiredLimits: requiredLimits(plans) })).device;
  return { plan: plans[familyFor(device)], options: { ...options, device } };
}
