// `dlc compile FILE -o DIR [-O0|-O1|-O2] [-D name=value] [--json]`: lowers a .dl file,
// runs the optimizing pipeline (compiler/driver.ts: passes, code generation,
// memory planning) and writes DIR/<model>.js, .d.ts, .source.ts and dlc-runtime.d.ts, then prints per entry
// point the kernels (fused and unfused), dispatches and planned bytes against naive. makeCompileCommand takes the lowering as a
// parameter so tests can feed hand-built programs; `compile` uses compiler/lower.
import type { Command } from '../command';
import { formatDiagnostics } from '../../../dsl/diagnostics';
import { DlcError } from '../../../runtime/errors';
import { parseDefine } from '../args';
import { parseTexturesFlag } from '../textures-flag';
import { compileProgram, sourceLookup, type LowerFn } from '../../driver';
import type { OptLevel } from '../../passes/pipeline';
import type { CodegenOptions } from '../../codegen/generate-plan';
import { describeTargets, parseTarget, resolveTargets, type TargetName } from '../target';
import type { Plan } from '../../../runtime/plan';
import type { FamilyPlans } from '../../../runtime/families';
import { formatReport, planReport } from '../../codegen/report';
import { writeModelFiles } from '../../codegen/write';
import { lowerFile } from '../../lower/index';
import type { SparseUpdates } from '../../optim/sparse-rows';
import { parseSparseUpdatesFlag, SPARSE_UPDATES_USAGE } from '../sparse-updates-flag';

const USAGE = `usage: dlc compile FILE -o DIR [-O0|-O1|-O2] [-D name=value]... [--json] [--target portable|tuned|adaptive]
                        [--family register|shared] [--textures on|off] [--fuse-updates on|off]
                        [--sparse-updates exact|lazy|off]

Compiles a .dl model to DIR/<model>.js (self-contained ESM bundle with the runtime),
its types DIR/<model>.d.ts and DIR/dlc-runtime.d.ts (they need no dlc installed), and
DIR/<model>.source.ts (the typed source, importing dlc/runtime); prints per entry
point the kernels (and how many it takes unfused), dispatches and planned bytes
(and the naive sum of all tensors).

  -o, --out DIR       where to write the files
  -O0                 no optimization: one kernel per op, one buffer per tensor
  -O1                 clean-up passes (constant folding, simplification, CSE, dead
                      code) and packed memory (temporaries share arenas by lifetime)
  -O2                 -O1 and fusion: elementwise chains, matmul and conv epilogues,
                      conv -> bias -> activation -> pooling (or -> lrn, when one
                      invocation holds all the channels) in one kernel, every
                      param's optimizer update in one kernel (default)
  -D name=value       override a hyperparameter (repeatable)
  --json              print {"model", "entries": [{"name", "kernels", "kernels_unfused",
                      "dispatches", "peak_bytes", "naive_bytes"}]}, with fused optimizer
                      updates also "dispatches_unfused_updates" (adaptive: one such
                      report per family, {"model", "families": {"register", "shared"}});
                      an entry with lrn also has "lrn_fused" and "lrn_unfused":
                      kernels computing it inside a conv kernel and on their own
  --target T          tuned (default): for the adapter here (\`dlc devices\`): register
                      family with textures on CPU adapters such as llvmpipe, shared on
                      GPUs, the adapter's limits; portable: shared family, no textures,
                      WebGPU's default limits (runs on any WebGPU device: for browsers);
                      adaptive: both families within the default limits, and the
                      module's createModel picks by the adapter it gets (twice the
                      kernels; for pages that may meet a GPU or a CPU adapter)
  --family F          kernel family: register (CPU adapters such as llvmpipe) or shared
                      (GPUs); default: the target's
  --textures on|off   operand textures: kernels read big operands through
                      rgba32float textures; default: on for the register family
  --fuse-updates on|off  every param's optimizer update in one kernel (or a few,
                      at the binding limit) instead of kernels of each param's own;
                      the same bits either way; default: on for the shared family
                      (GPUs); for register (CPU adapters), on only where it saves
                      a kernel per param (Adam: yes; SGD momentum: no, its updates
                      cost nothing in the matmul epilogues: docs/performance.md)
${SPARSE_UPDATES_USAGE}`;

interface Options {
  file: string;
  out: string;
  defines: Record<string, number | boolean>;
  json: boolean;
  level: OptLevel;
  family?: CodegenOptions['family'];
  textures?: boolean;
  target: TargetName;
  fuseUpdates?: boolean;
  sparseUpdates?: SparseUpdates;
}

export function parseCompileArgs(argv: readonly string[]): Options {
  let file: string | undefined;
  let out: string | undefined;
  let family: CodegenOptions['family'] | undefined;
  let textures: boolean | undefined;
  let target: string | undefined;
  const defines: Record<string, number | boolean> = {};
  let json = false;
  let fuseUpdates: boolean | undefined;
  let sparseUpdates: SparseUpdates | undefined;
  let level: OptLevel = 2;
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new DlcError(`${flag} needs a value\n${USAGE}`, 2);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-o' || arg === '--out') out = value(++i, arg);
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '-D') {
      const [name, v] = parseDefine(value(++i, '-D'));
      defines[name] = v;
    } else if (arg.startsWith('-D')) {
      const [name, v] = parseDefine(arg.slice(2));
      defines[name] = v;
    } else if (arg === '--json') json = true;
    else if (arg === '-O0' || arg === '-O1' || arg === '-O2') level = Number(arg.slice(2)) as OptLevel;
    else if (arg.startsWith('-O')) throw new DlcError(`unknown optimization level '${arg}' (use -O0, -O1 or -O2)`, 2);
    else if (arg === '--family' || arg.startsWith('--family=')) {
      const f = arg === '--family' ? value(++i, arg) : arg.slice('--family='.length);
      if (f !== 'register' && f !== 'shared') throw new DlcError(`--family must be register or shared, got '${f}'`, 2);
      family = f;
    } else if (arg === '--target' || arg.startsWith('--target=')) {
      target = arg === '--target' ? value(++i, arg) : arg.slice('--target='.length);
    } else if (arg === '--textures' || arg.startsWith('--textures=')) {
      textures = parseTexturesFlag(arg === '--textures' ? value(++i, arg) : arg.slice('--textures='.length));
    } else if (arg === '--fuse-updates' || arg.startsWith('--fuse-updates=')) {
      const v = arg === '--fuse-updates' ? value(++i, arg) : arg.slice('--fuse-updates='.length);
      if (v !== 'on' && v !== 'off') throw new DlcError(`--fuse-updates must be on or off, got '${v}'`, 2);
      fuseUpdates = v === 'on';
    } else if (arg === '--sparse-updates' || arg.startsWith('--sparse-updates=')) {
      sparseUpdates = parseSparseUpdatesFlag(
        arg === '--sparse-updates' ? value(++i, arg) : arg.slice('--sparse-updates='.length),
      );
    } else if (arg.startsWith('-') && arg !== '-')
      throw new DlcError(`unknown option '${arg}' for 'dlc compile' (see 'dlc help compile')`, 2);
    else if (file === undefined) file = arg;
    else throw new DlcError(`dlc compile takes one FILE, got '${file}' and '${arg}'`, 2);
  }
  if (file === undefined) throw new DlcError(`dlc compile needs a FILE\n${USAGE}`, 2);
  if (out === undefined) throw new DlcError(`dlc compile needs -o DIR\n${USAGE}`, 2);
  return {
    file,
    out,
    defines,
    json,
    level,
    family,
    target: parseTarget(target),
    ...(fuseUpdates !== undefined ? { fuseUpdates } : {}),
    ...(sparseUpdates !== undefined ? { sparseUpdates } : {}),
    ...(textures !== undefined ? { textures } : {}),
  };
}

export function makeCompileCommand(lower: LowerFn = lowerFile): Command {
  return {
    name: 'compile',
    summary: 'compile a .dl model to a typed TS module, its .d.ts and a bundled .js',
    usage: USAGE,
    async run(argv) {
      const options = parseCompileArgs(argv);
      const lowered = await lower(options.file, {
        defines: options.defines,
        ...(options.sparseUpdates ? { sparseUpdates: options.sparseUpdates } : {}),
      });
      if (lowered.ioError) throw new DlcError(lowered.ioError, 2);
      if (lowered.diagnostics.length > 0)
        process.stderr.write(formatDiagnostics(lowered.diagnostics, sourceLookup(lowered.sources)));
      const failed = lowered.diagnostics.some((d) => d.severity === 'error');
      if (failed || !lowered.program) return 1;
      const targets = await resolveTargets(options.target, options.family, options.textures);
      const plans = targets.map(
        (target) =>
          compileProgram(lowered.program!, {
            level: options.level,
            family: target.family,
            textures: target.textures,
            ...(options.fuseUpdates !== undefined ? { fuseUpdates: options.fuseUpdates } : {}),
            ...(target.limits ? { limits: target.limits } : {}),
          }).plan,
      );
      const [plan, other] = plans as [Plan, Plan | undefined];
      const families = other ? { [plan.family!]: plan, [other.family!]: other } : undefined;
      const paths = await writeModelFiles(families ? (families as FamilyPlans) : plan, options.out);
      const reports = plans.map((p) => ({ family: p.family!, report: planReport(p) }));
      if (options.json) {
        const json = families
          ? { model: plan.model, families: Object.fromEntries(reports.map((r) => [r.family, r.report])) }
          : reports[0]!.report;
        process.stdout.write(`${JSON.stringify(json)}\n`);
      } else {
        const tables = reports.map((r) => (families ? `${r.family} family:\n` : '') + formatReport(r.report));
        process.stdout.write(
          `compiled ${plan.model}: ${paths.js}, ${paths.dts}, ${paths.runtimeTypes}, ${paths.ts}\n` +
            `target: ${describeTargets(targets, options.level)}\n${tables.join('\n')}\n`,
        );
      }
      return 0;
    },
  };
}

/** `dlc compile` over the .dl lowering. */
export const compile = makeCompileCommand();
