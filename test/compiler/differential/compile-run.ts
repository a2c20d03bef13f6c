// Compiles one program at an -O level the way `dlc compile` does (pipeline, plan,
// memory plan) and runs a fixed sequence of entry calls on the device, recording
// every output and, at the end, every persistent tensor; compares two such records
// within float32 tolerance.
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import type { CodegenOptions } from '../../../compiler/codegen/generate-plan';
import type { Program } from '../../../compiler/ir/program';
import type { OptLevel } from '../../../compiler/passes/context';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { planMemory } from '../../../compiler/memory/memory';
import type { AcquiredDevice } from '../../../runtime/device';
import { Model } from '../../../runtime/model';
import type { Plan } from '../../../runtime/plan';

export function compileAt(
  program: Program,
  level: OptLevel,
  acquired: AcquiredDevice,
  target: Partial<Pick<CodegenOptions, 'family' | 'textures'>> = {},
): Plan {
  const optimized = optimizeProgram(program, { level }).program;
  const family = target.family ?? (acquired.software ? 'register' : 'shared');
  const plan = generatePlan(optimized, {
    family,
    limits: acquired.limits,
    ...(target.textures !== undefined ? { textures: target.textures } : {}),
  });
  // The plan is plain data: what a generated module embeds is its JSON.
  return JSON.parse(JSON.stringify(planMemory(plan, acquired.limits, { pack: level >= 1 }))) as Plan;
}

export interface Call {
  readonly entry: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** Name → values: `<call>:<entry>.<output>` for outputs, `saved <name>` for persistent tensors. */
export type RunRecord = Map<string, Float64Array>;

export async function runCalls(
  plan: Plan,
  calls: readonly Call[],
  acquired: AcquiredDevice,
  seed = 3,
): Promise<RunRecord> {
  const model = await Model.create(plan, { device: acquired.device, seed });
  const out: RunRecord = new Map();
  try {
    for (const [k, call] of calls.entries()) {
      const results = await model.run(call.entry, call.inputs);
      for (const [name, v] of Object.entries(results))
        out.set(
          `${k}:${call.entry}.${name}`,
          Float64Array.from(typeof v === 'number' ? [v] : (v as ArrayLike<number>)),
        );
    }
    for (const [name, v] of Object.entries(await model.save())) out.set(`saved ${name}`, Float64Array.from(v));
  } finally {
    model.destroy();
  }
  return out;
}

export interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}

export const F32_TOLERANCE: Tolerance = { abs: 1e-4, rel: 1e-3 };

/** Every disagreement between two records (missing names, lengths, elements beyond tolerance); at most one line per name. */
export function compareRecords(want: RunRecord, got: RunRecord, tol: Tolerance = F32_TOLERANCE): string[] {
  const problems: string[] = [];
  for (const name of new Set([...want.keys(), ...got.keys()])) {
    const a = want.get(name);
    const b = got.get(name);
    if (!a || !b) {
      problems.push(`${name}: only at ${a ? '-O0' : '-O2'}`);
      continue;
    }
    if (a.length !== b.length) {
      problems.push(`${name}: ${a.length} elements at -O0, ${b.length} at -O2`);
      continue;
    }
    for (let i = 0; i < a.length; i++) {
      const same = Number.isNaN(a[i])
        ? Number.isNaN(b[i])
        : Math.abs(a[i] - b[i]) <= tol.abs + tol.rel * Math.abs(a[i]);
      if (!same) {
        problems.push(`${name}[${i}]: ${a[i]} at -O0, ${b[i]} at -O2`);
        break;
      }
    }
  }
  return problems;
}
