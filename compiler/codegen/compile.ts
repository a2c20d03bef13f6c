// The whole optimizing pipeline from a lowered program to an execution plan, as one
// function that `dlc compile`, `dlc ir --stage planned`, `dlc train/eval/sample`
// (compiler/cli/commands) and the benchmark (bench/dlc.ts) all call:
//   1. optimizeProgram at the -O level (clean-up from -O1, fusion at -O2), the
//      fusion passes bounded by the device's limits;
//   2. generatePlan on the optimized program (one kernel per node or fused group;
//      from -O1, reshapes of temporaries share their operand's buffer);
//   3. planMemory: lifetimes and arena offsets, packing from -O1.
// The plan's per-entry stats compare against the same program unoptimized (the -O0
// plan, generated for the numbers only): `kernelsUnfused` is its kernel count and
// `naiveBytes` its byte sum (resident tensors plus every tensor of the entry, one
// buffer each: the sum of all tensors' sizes before any pass), against the kernels
// and the planned peak at this level. They also list the fusions a device limit split.
// Each entry with `[batch, …]` inputs carries which rows a call may give (ir/batch-rows.ts).
import type { Graph } from '../ir/types';
import type { Program } from '../ir/program';
import type { Plan } from '../../runtime/plan';
import { planBatch } from '../ir/batch-rows';
import { optimizeProgram } from '../passes/pipeline';
import type { OptLevel, PassStage } from '../passes/pipeline';
import { planMemory } from '../memory/memory';
import { DEFAULT_LIMITS, generatePlan } from './generate-plan';
import type { CodegenOptions } from './generate-plan';

export interface CompileOptions {
  /** 0: no optimization; 1: clean-up passes and packed memory; 2 (default): also fusion. */
  readonly level?: OptLevel;
  readonly family: CodegenOptions['family'];
  /** Operand textures on or off; default: CodegenOptions' (on for the 'register' family). */
  readonly textures?: CodegenOptions['textures'];
  /** Device limits for fusion, code generation and memory planning; default: portable WebGPU limits. */
  readonly limits?: Readonly<Record<string, number>>;
  /** Called with each pass as it completes (tests verify the graph here). */
  readonly onStage?: (stage: PassStage) => void;
}

export interface Compiled {
  readonly plan: Plan;
  /** The program after the passes (what `dlc ir --stage optimized` prints). */
  readonly optimized: Program;
  /** Every pass run on every entry, in order. */
  readonly stages: readonly PassStage[];
}

/** Optimizes, generates and memory-plans `program` (the lowering's output, after autodiff). */
export function compileProgram(program: Program, options: CompileOptions): Compiled {
  const level = options.level ?? 2;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const target: CodegenOptions = { family: options.family, limits, ...(options.textures !== undefined ? { textures: options.textures } : {}) };
  const optimized = optimizeProgram(program, { level, limits, ...(options.onStage ? { onStage: options.onStage } : {}) });
  const plan = generatePlan(optimized.program, { ...target, aliasReshapes: level >= 1 });
  const planned = planMemory(plan, limits, { pack: level >= 1 });
  const unfused = level === 0 ? planned : planMemory(generatePlan(program, target), limits, { pack: false });
  const withCounts: Plan = {
    ...planned,
    entries: planned.entries.map((e, k) => {
      const splits = fusionSplits(optimized.program.entries[k].graph);
      const base = unfused.entries[k].stats;
      const batch = planBatch(program, program.entries[k]);
      return {
        ...e,
        ...(batch ? { batch } : {}),
        stats: { ...e.stats, kernelsUnfused: base.kernels, naiveBytes: base.naiveBytes, ...(splits.length > 0 ? { fusionSplits: splits } : {}) },
      };
    }),
  };
  return { plan: withCounts, optimized: optimized.program, stages: optimized.stages };
}

/** `name: limit` for every fused node (loop bodies included) whose growth a device limit stopped. */
export function fusionSplits(graph: Graph): string[] {
  const out: string[] = [];
  for (const n of graph.nodes) {
    if (n.op === 'fused' && typeof n.attrs.split === 'string' && n.attrs.split !== '') out.push(`${String(n.attrs.name)} (%${n.id}): ${n.attrs.split}`);
    if (n.op !== 'fused') for (const r of n.regions ?? []) out.push(...fusionSplits(r));
  }
  return out;
}
