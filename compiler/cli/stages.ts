// The compiler's stages in order, as `dlc ir --stage` names them, and how to reach
// each from a .dl file:
//   1. lowered   — the entry graphs straight from the lowering (train entries: the
//                  forward pass with the loss as a result, no backward);
//   2. grad      — with the backward pass and the optimizer update (the lowering's
//                  default output, what every later stage starts from);
//   3. optimized — after optimizeProgram at the -O level (compiler/passes);
//   4. planned   — the execution plan with its memory plan (codegen, compiler/plan);
//   5. wgsl      — the plan's kernels.
// Stages 4 and 5 generate code for a fixed target (portable WebGPU limits, a chosen
// kernel family) without opening a device, so their output is the same everywhere.
import type { Program } from '../ir/program';
import type { Plan } from '../../runtime/plan';
import { compileProgram } from '../codegen/compile';
import type { CodegenOptions } from '../codegen/generate-plan';
import { optimizeProgram, passesAt } from '../passes/pipeline';
import type { OptLevel, PassStage } from '../passes/pipeline';
import type { LowerResult } from './commands/compile';

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

/** What the lowering returns; `ioError` says why the root file could not be read (exit 2). */
export type StageLowerResult = LowerResult & { readonly ioError?: string };

/** The lowering (compiler/lower: `lowerFile`), passed in so tests can substitute it. */
export type StageLowerFn = (
  path: string,
  options: { readonly defines: Readonly<Record<string, number | boolean>>; readonly stage?: LoweringStage },
) => StageLowerResult | Promise<StageLowerResult>;

export interface StageOptions {
  readonly level: OptLevel;
  readonly family: CodegenOptions['family'];
  /** Operand textures on or off (`--textures`); default: the code generator's. */
  readonly textures?: boolean;
  /** Device limits for code generation and memory planning; default: portable WebGPU limits. */
  readonly limits?: Readonly<Record<string, number>>;
  /** The target's printed line (compiler/cli/target.ts); default: family, textures, limits and level. */
  readonly target?: string;
}

export type StageOutput =
  | {
      readonly kind: 'program';
      readonly program: Program;
      /** Optimized stage: every pass run on every entry. */
      readonly passes?: readonly PassStage[];
      /** Something the reader should know about how this output was made. */
      readonly note?: string;
    }
  | { readonly kind: 'plan'; readonly plan: Plan; readonly target: string };

/** Which lowering a stage starts from. */
export function loweringFor(stage: StageName): LoweringStage {
  return stage === 'lowered' ? 'lowered' : 'grad';
}

/** Says so when -O2 would run nothing beyond -O1 (before fusion passes join the pipeline). */
function levelNote(level: OptLevel): string | undefined {
  if (level === 2 && passesAt(2).length === passesAt(1).length) return '-O2 runs the same passes as -O1: the pipeline has no fusion passes yet';
  return undefined;
}

/** The optimized program at `level`, with every pass run on every entry (dump files come from DLC_DUMP_PASSES). */
function optimized(program: Program, options: StageOptions): { program: Program; passes: readonly PassStage[] } {
  const result = optimizeProgram(program, { level: options.level, ...(options.limits ? { limits: options.limits } : {}) });
  return { program: result.program, passes: result.stages };
}

/** The plan at `level`: compiler/codegen/compile.ts's pipeline (passes, code generation, memory planning). */
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
      const note = levelNote(options.level);
      return { kind: 'program', program: out, passes, ...(note !== undefined ? { note } : {}) };
    }
    case 'planned':
    case 'wgsl':
      return {
        kind: 'plan',
        plan: planAt(program, options),
        target: options.target ?? `${options.family} kernel family${options.textures !== undefined ? `, textures ${options.textures ? 'on' : 'off'}` : ''}, ${options.limits ? 'device' : 'portable WebGPU'} limits, -O${options.level}`,
      };
    default: {
      const never: never = stage;
      throw new Error(`unknown stage ${String(never)}`);
    }
  }
}
