// `dlc ir FILE [--entry NAME] [--stage S] [--format F] [-D name=value] [-O level]`:
// one way to look inside every stage of the compiler (compiler/driver.ts lists them). The
// lowering is passed in (makeIrCommand) like compile's, so tests can substitute it.
import type { Command } from '../command';
import { formatDiagnostics } from '../../../dsl/diagnostics';
import { DlcError } from '../../../runtime/errors';
import type { OptLevel } from '../../passes/pipeline';
import { parseArgs, oneFile } from '../args';
import { FORMATS, isFormat, renderStage } from '../render';
import type { Format } from '../render';
import { STAGES, isPlanStage, isStageName, loweringFor, runStage } from '../../driver';
import type { LowerFn, StageName } from '../../driver';
import { sourceLookup } from '../../driver';
import { parseTexturesFlag } from '../textures-flag';
import { parseSparseUpdatesFlag, SPARSE_UPDATES_USAGE } from '../sparse-updates-flag';
import type { SparseUpdates } from '../../optim/sparse-rows';
import { describeTarget, parseTarget, resolveTarget, type TargetName } from '../target';

export const IR_USAGE = `usage: dlc ir FILE [--entry NAME] [--stage STAGE] [--format FORMAT] [-D name=value]... [-O LEVEL]
              [--target portable|tuned|adaptive] [--family F] [--textures on|off]
              [--sparse-updates exact|lazy|off]

Prints a .dl model as it stands after one stage of the compiler.

  --stage STAGE     lowered    the entry graphs straight from the lowering (train
                               entries: the forward pass, loss as a result)
                    grad       with the backward pass and optimizer update (default)
                    optimized  after the optimizing passes at -O LEVEL; a comment per
                               entry lists the passes and which changed the graph
                    planned    the execution plan's memory: each buffer's arena,
                               offset, size and lifetime in steps; then the steps,
                               each kernel with what it reads and writes ("in
                               place": an update written into its parameter)
                    wgsl       the kernels of each entry, in dispatch order
  --entry NAME      only this entry point (default: every entry)
  --format FORMAT   text (default), json, or dot (Graphviz; graph stages only)
  --target T        what planned/wgsl generate code for, as \`dlc compile\` does (the
                    same default, printed first): tuned (default; the adapter here)
                    or portable (any WebGPU device, the same output everywhere);
                    adaptive carries both families: name one with --family
  --family F        kernel family for planned/wgsl: shared (GPUs) or register (CPU
                    adapters such as llvmpipe); default: the target's
  --textures T      on or off: kernels for planned/wgsl read big operands through
                    rgba32float textures (default: on for the register family)
  -D name=value     override a hyperparameter (repeatable)
  -O LEVEL          optimization level 0..2 for optimized/planned/wgsl (default 2)
${SPARSE_UPDATES_USAGE}

planned and wgsl with --target portable open no device.
DLC_DUMP_PASSES=DIR writes the graph after every optimizing pass to
DIR/<entry>.<NN>.<pass>.ir (DLC_DUMP_PASSES=1: to stderr).
Exit status: 0 printed, 1 the model has errors, 2 usage or I/O problem.`;

export interface IrOptions {
  readonly file: string;
  readonly stage: StageName;
  readonly format: Format;
  readonly entry?: string;
  readonly family?: 'register' | 'shared';
  readonly target: TargetName;
  /** `--textures on|off`; absent: the code generator's default. */
  readonly textures?: boolean;
  readonly level: OptLevel;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly sparseUpdates?: SparseUpdates;
}

export function parseIrArgs(argv: readonly string[]): IrOptions {
  const args = parseArgs('ir', argv, {
    values: ['entry', 'stage', 'format', 'family', 'textures', 'target', 'sparse-updates'],
    booleans: [],
  });
  const file = oneFile('ir', args, IR_USAGE);
  const stage = args.values.get('stage') ?? 'grad';
  if (!isStageName(stage)) throw new DlcError(`unknown stage '${stage}' (stages: ${STAGES.join(', ')})`, 2);
  const format = args.values.get('format') ?? 'text';
  if (!isFormat(format)) throw new DlcError(`unknown format '${format}' (formats: ${FORMATS.join(', ')})`, 2);
  if (format === 'dot' && isPlanStage(stage))
    throw new DlcError(`--format dot draws graphs; the ${stage} stage is an execution plan (use text or json)`, 2);
  const family = args.values.get('family');
  if (family !== undefined && family !== 'register' && family !== 'shared')
    throw new DlcError(`--family must be register or shared, got '${family}'`, 2);
  const textures = parseTexturesFlag(args.values.get('textures'));
  const sparseUpdates = parseSparseUpdatesFlag(args.values.get('sparse-updates'));
  const level = args.optLevel ?? 2;
  if (level > 2) throw new DlcError(`-O${level}: optimization levels are 0, 1 and 2`, 2);
  const entry = args.values.get('entry');
  const target = parseTarget(args.values.get('target'));
  return {
    file,
    stage,
    format,
    target,
    ...(family !== undefined ? { family } : {}),
    level: level as OptLevel,
    defines: args.defines,
    ...(entry !== undefined ? { entry } : {}),
    ...(textures !== undefined ? { textures } : {}),
    ...(sparseUpdates !== undefined ? { sparseUpdates } : {}),
  };
}

export interface IrIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Runs `dlc ir`; resolves to the exit code. Usage and I/O errors are DlcErrors (exit 2). */
export async function runIr(argv: readonly string[], lower: LowerFn, io: IrIO): Promise<number> {
  const options = parseIrArgs(argv);
  const lowered = await lower(options.file, {
    defines: options.defines,
    stage: loweringFor(options.stage),
    ...(options.sparseUpdates ? { sparseUpdates: options.sparseUpdates } : {}),
  });
  if (lowered.ioError !== undefined) throw new DlcError(lowered.ioError, 2);
  if (lowered.diagnostics.length > 0)
    io.stderr.write(formatDiagnostics(lowered.diagnostics, sourceLookup(lowered.sources)));
  if (lowered.diagnostics.some((d) => d.severity === 'error') || !lowered.program) return 1;
  const program = lowered.program;
  if (options.entry !== undefined && !program.entries.some((e) => e.name === options.entry)) {
    throw new DlcError(
      `model '${program.model}' has no entry point '${options.entry}' (entry points: ${program.entries.map((e) => e.name).join(', ') || 'none'})`,
      2,
    );
  }
  // Only code generation needs the target (and, when tuned, the device).
  const target = isPlanStage(options.stage)
    ? await resolveTarget(options.target, options.family, options.textures)
    : undefined;
  const out = runStage(program, options.stage, {
    level: options.level,
    family: target?.family ?? 'shared',
    ...(target ? { textures: target.textures, target: describeTarget(target, options.level) } : {}),
    ...(target?.limits ? { limits: target.limits } : {}),
  });
  io.stdout.write(renderStage(out, options.stage, options.format, options.entry));
  return 0;
}

export function makeIrCommand(lower: LowerFn, io: IrIO = process): Command {
  return {
    name: 'ir',
    summary: 'print a model after one compiler stage (lowered, grad, optimized, planned, wgsl)',
    usage: IR_USAGE,
    async run(argv) {
      try {
        return await runIr(argv, lower, io);
      } catch (err) {
        if (!(err instanceof DlcError)) throw err;
        io.stderr.write(`dlc: error: ${err.message}\n`);
        return err.exitCode;
      }
    },
  };
}
