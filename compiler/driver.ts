// The compiler driver: the one place that runs a .dl program through the compiler,
// called by the CLI (compiler/cli), the benchmark (bench/) and the tests. In order:
//   1. lower      — compiler/lower (`lowerFile`, passed in as a LowerFn so tests can
//                   substitute hand-built programs): parse, check, build the entry
//                   graphs; train entries get their backward pass (compiler/autodiff)
//                   and optimizer update (compiler/optim) here;
//   2. passes     — optimizeProgram at the -O level (clean-up from -O1, fusion at
//                   -O2), the fusion passes bounded by the device's limits;
//   3. plan       — generatePlan (compiler/codegen): one kernel per node or fused
//                   group; from -O1, reshapes of temporaries share their operand's buffer;
//   4. memory     — planMemory (compiler/memory): lifetimes and arena offsets, packing from -O1;
//   5. module     — writeModelFiles (compiler/codegen/write): the typed TS module, .d.ts and bundle.
// `dlc ir --stage` names the points between these steps (STAGES below).
//
// The plan's per-entry stats compare against the same program unoptimized (the -O0
// plan, generated for the numbers only): `kernelsUnfused` is its kernel count and
// `naiveBytes` its byte sum (resident tensors plus every tensor of the entry, one
// buffer each: the sum of all tensors' sizes before any pass), against the kernels
// and the planned peak at this level. They also list the fusions a device limit split.
// Each entry with `[batch, …]` inputs carries which rows a call may give (ir/batch-rows.ts),
// and each with integer inputs used as indices the range their values must lie in (ir/index-ranges.ts).
import type { Graph } from './ir/types';
import type { Program } from './ir/program';
import type { Plan } from '../runtime/plan';
import type { Diagnostic, SourceLookup } from '../dsl/diagnostics';
import { planBatch } from './ir/batch-rows';
import { entryIndexRanges } from './ir/index-ranges';
import type { SparseUpdates } from './optim/sparse-rows';
import { optimizeProgram } from './passes/pipeline';
import type { OptLevel, PassStage } from './passes/pipeline';
import type { FuseUpdates } from './passes/context';
import { planMemory } from './memory/memory';
import { DEFAULT_LIMITS, generatePlan } from './codegen/generate-plan';
import type { CodegenOptions } from './codegen/generate-plan';

/** What a LowerFn hands back (compiler/lower: `lowerFile(path, {defines})`). */
export interface Lowering {
  readonly program?: Program;
  readonly diagnostics: readonly Diagnostic[];
  /** The text of each file read, to quote source lines under diagnostics. */
  readonly sources?: SourceLookup | ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** The root file could not be read. */
  readonly ioError?: string;
}

/**
 * The lowering (compiler/lower: `lowerFile`), passed in so tests can substitute it; `stage`
 * 'lowered' asks for the entry graphs before autodiff (`dlc ir --stage lowered`).
 */
export type LowerFn = (
  path: string,
  options: {
    readonly defines: Readonly<Record<string, number | boolean>>;
    readonly stage?: LoweringStage;
    /** `--sparse-updates`: updates of params read only through gather (compiler/optim/sparse-rows.ts). */
    readonly sparseUpdates?: SparseUpdates;
  },
) => Lowering | Promise<Lowering>;

export function sourceLookup(sources: Lowering['sources']): SourceLookup {
  if (sources === undefined) return () => undefined;
  if (typeof sources === 'string' || typeof sources === 'function') return sources;
  if (sources instanceof Map) return (file) => sources.get(file);
  const record = sources as Readonly<Record<string, string>>;
  return (file) => record[file];
}

export interface CompileOptions {
  /** 0: no optimization; 1: clean-up passes and packed memory; 2 (default): also fusion. */
  readonly level?: OptLevel;
  readonly family: CodegenOptions['family'];
  /** Operand textures on or off; default: CodegenOptions' (on for the 'register' family). */
  readonly textures?: CodegenOptions['textures'];
  /** Device limits for fusion, code generation and memory planning; default: portable WebGPU limits. */
  readonly limits?: Readonly<Record<string, number>>;
  /**
   * Every param's optimizer update in one kernel (compiler/passes/fuse-updates.ts; `--fuse-updates on|off`).
   * Default: fuseUpdatesByDefault(family).
   */
  readonly fuseUpdates?: FuseUpdates;
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
  const target: CodegenOptions = {
    family: options.family,
    limits,
    ...(options.textures !== undefined ? { textures: options.textures } : {}),
  };
  const optimized = optimizeProgram(program, {
    level,
    limits,
    fuseUpdates: options.fuseUpdates ?? fuseUpdatesByDefault(options.family),
    ...(options.onStage ? { onStage: options.onStage } : {}),
  });
  const plan = generatePlan(optimized.program, { ...target, aliasReshapes: level >= 1 });
  const planned = planMemory(plan, limits, { pack: level >= 1 });
  const unfused = level === 0 ? planned : planMemory(generatePlan(program, target), limits, { pack: false });
  // Where updates were fused, the same pipeline without that pass gives the dispatches it saves.
  const fusedUpdates = optimized.program.entries.map((e) => e.graph.nodes.some(isUpdateNode));
  const withoutUpdateFusion = fusedUpdates.some(Boolean)
    ? generatePlan(optimizeProgram(program, { level, limits, fuseUpdates: false }).program, target)
    : undefined;
  const withCounts: Plan = {
    ...planned,
    entries: planned.entries.map((e, k) => {
      const splits = fusionSplits(optimized.program.entries[k].graph);
      const base = unfused.entries[k].stats;
      const batch = planBatch(program, program.entries[k]);
      const indexRanges = entryIndexRanges(program.entries[k]);
      return {
        ...e,
        ...(batch ? { batch } : {}),
        ...(indexRanges.length > 0 ? { indexRanges } : {}),
        stats: {
          ...e.stats,
          kernelsUnfused: base.kernels,
          naiveBytes: base.naiveBytes,
          ...(splits.length > 0 ? { fusionSplits: splits } : {}),
          ...(withoutUpdateFusion && fusedUpdates[k]
            ? { dispatchesUnfusedUpdates: withoutUpdateFusion.entries[k].stats.dispatches }
            : {}),
        },
      };
    }),
  };
  return { plan: withCounts, optimized: optimized.program, stages: optimized.stages };
}

/**
 * Whether updates are fused unless asked: on GPUs (the shared family), where each
 * dispatch costs tens of microseconds, wherever it saves kernels; on CPU adapters
 * (the register family) only where it saves a kernel per param: there the fused
 * Adam MLP step measured faster than the per-param kernels, the fused SGD-momentum
 * step (whose per-param updates cost nothing in the gradients' matmul epilogues)
 * slower (docs/performance.md).
 */
export function fuseUpdatesByDefault(family: CodegenOptions['family']): FuseUpdates {
  return family === 'shared' ? true : 'per-param';
}

function isUpdateNode(n: Graph['nodes'][number]): boolean {
  return n.op === 'fused' && n.attrs.pattern === 'update';
}

/** `name: limit` for every fused node (loop bodies included) whose growth a device limit stopped. */
export function fusionSplits(graph: Graph): string[] {
  const out: string[] = [];
  for (const n of graph.nodes) {
    if (n.op === 'fused' && typeof n.attrs.split === 'string' && n.attrs.split !== '')
      out.push(`${String(n.attrs.name)} (%${n.id}): ${n.attrs.split}`);
    if (n.op !== 'fused') for (const r of n.regions ?? []) out.push(...fusionSplits(r));
  }
  return out;
}

// The stages `dlc ir --stage` prints, and how to reach each from a .dl file:
//   1. lowered   — the entry graphs straight from the lowering (train entries: the
//                  forward pass with the loss as a result, no backward);
//   2. grad      — with the backward pass and the optimizer update (the lowering's
//                  default output, what every later stage starts from);
//   3. optimized — after optimizeProgram at the -O level (compiler/passes);
//   4. planned   — the execution plan with its memory plan (codegen, compiler/memory);
//   5. wgsl      — the plan's kernels.
// Stages 4 and 5 generate code for a fixed target (portable WebGPU limits, a chosen
// kernel family) without opening a device, so their output is the same everywhere.
export const STAGES = ['lowered', 'grad', 'optimized', 'planned', 'wgsl'] as const;
export type StageName = (typeof STAGES)[number];

export function isStageName(s: string): s is StageName {
  return (STAGES as readonly string[]).includes(s);
}

/** Stages whose result is an execution plan rather than IR graphs. */
export function isPlanStage(stage: StageName): boolean {
  return stage === 'planned' || stage === 'wgsl';
}

/** What the lowering offers: the program before autodiff ('lowered') or after it ('grad'). */
export type LoweringStage = 'lowered' | 'grad';

export interface StageOptions {
  readonly level: OptLevel;
  readonly family: CodegenOptions['family'];
  /** Operand textures on or off (`--textures`); default: the code generator's. */
  readonly textures?: boolean;
  /** Device limits for code generation and memory planning; default: portable WebGPU limits. */
  readonly limits?: Readonly<Record<string, number>>;
  /** The target's printed line (compiler/cli/target.ts); default: family, textures, limits and level. */
  readonly target?: string;
  /** Optimizer updates in one kernel; default: fuseUpdatesByDefault(family). */
  readonly fuseUpdates?: FuseUpdates;
}

export type StageOutput =
  | {
      readonly kind: 'program';
      readonly program: Program;
      /** Optimized stage: every pass run on every entry. */
      readonly passes?: readonly PassStage[];
    }
  | { readonly kind: 'plan'; readonly plan: Plan; readonly target: string };

/** Which lowering a stage starts from. */
export function loweringFor(stage: StageName): LoweringStage {
  return stage === 'lowered' ? 'lowered' : 'grad';
}

/** The optimized program at `level`, with every pass run on every entry (dump files come from DLC_DUMP_PASSES). */
function optimized(program: Program, options: StageOptions): { program: Program; passes: readonly PassStage[] } {
  const result = optimizeProgram(program, {
    level: options.level,
    fuseUpdates: options.fuseUpdates ?? fuseUpdatesByDefault(options.family),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { program: result.program, passes: result.stages };
}

/** The plan at `level`: compileProgram's plan (passes, code generation, memory planning). */
export function planAt(program: Program, options: StageOptions): Plan {
  return compileProgram(program, {
    level: options.level,
    family: options.family,
    ...(options.textures !== undefined ? { textures: options.textures } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  }).plan;
}

/** Carries `program` (the lowering's output for loweringFor(stage)) on to `stage`. */
export function runStage(program: Program, stage: StageName, options: StageOptions): StageOutput {
  switch (stage) {
    case 'lowered':
    case 'grad':
      return { kind: 'program', program };
    case 'optimized': {
      const { program: out, passes } = optimized(program, options);
      return { kind: 'program', program: out, passes };
    }
    case 'planned':
    case 'wgsl':
      return {
        kind: 'plan',
        plan: planAt(program, options),
        target:
          options.target ??
          `${options.family} kernel family` +
            `${options.textures !== undefined ? `, textures ${options.textures ? 'on' : 'off'}` : ''}` +
            `, ${options.limits ? 'device' : 'portable WebGPU'} limits, -O${options.level}`,
      };
    default: {
      const never: never = stage;
      throw new Error(`unknown stage ${String(never)}`);
    }
  }
}
