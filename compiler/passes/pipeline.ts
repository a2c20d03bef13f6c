// The optimization pipeline: one ordered list of passes, run on each entry point's
// graph after autodiff (and the optimizer update), before code generation.
//
//   -O0  nothing: the graph goes to code generation as lowered.
//   -O1  clean-up: constant folding, algebraic simplification, common-subexpression
//        elimination, then dead-code elimination of what those left unread.
//   -O2  clean-up, then fusion (kernel grouping; its passes are listed in
//        FUSION_PASSES below).
//
// Memory planning is not a graph pass: it runs on the generated plan
// (compiler/memory/memory.ts), at -O1 and above.
//
// DLC_DUMP_PASSES=1 prints each entry's graph after every pass to stderr through
// the IR printer; DLC_DUMP_PASSES=DIR writes them to DIR/<entry>.<NN>.<pass>.ir.
// Nothing else is ever logged.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry, Program } from '../ir/program';
import { printGraph } from '../ir/print';
import type { Graph } from '../ir/types';
import type { FuseUpdates, OptLevel, Pass, PassContext } from './context';
import { assignedElsewhere } from '../ir/assigned';
import { commonSubexpressionPass } from './cse';
import { deadCodeEliminationPass } from './dead-code';
import { constantFoldingPass } from './fold-constants';
import { algebraicSimplificationPass } from './simplify';
import { fuseConvPass } from './fuse-conv';
import { fuseElementwisePass } from './fuse-elementwise';
import { fuseMatmulPass } from './fuse-matmul';
import { fuseUpdatesPass } from './fuse-updates';
import { fusePoolGradPass } from './fuse-pool-grad';
import { splitConstantsPass } from './fuse-split-constants';
import { reluMaskPass } from './fuse-relu-mask';

export type { OptLevel, Pass, PassContext } from './context';

export interface PipelineEntry {
  readonly name: string;
  readonly pass: Pass;
  /** The lowest -O level that runs it. */
  readonly level: OptLevel;
}

/** Fusion passes, in order; they run at -O2 after the clean-up (see compiler/passes/fuse-*.ts). */
const FUSION_PASSES: readonly PipelineEntry[] = [
  { name: 'relu-mask', pass: reluMaskPass, level: 2 },
  { name: 'split-constants', pass: splitConstantsPass, level: 2 },
  { name: 'fuse-updates', pass: fuseUpdatesPass, level: 2 },
  { name: 'fuse-conv', pass: fuseConvPass, level: 2 },
  { name: 'fuse-pool-grad', pass: fusePoolGradPass, level: 2 },
  { name: 'fuse-matmul', pass: fuseMatmulPass, level: 2 },
  { name: 'fuse-elementwise', pass: fuseElementwisePass, level: 2 },
];

/** Every pass, in the order they run. */
export const PIPELINE: readonly PipelineEntry[] = [
  { name: 'fold-constants', pass: constantFoldingPass, level: 1 },
  { name: 'simplify', pass: algebraicSimplificationPass, level: 1 },
  { name: 'cse', pass: commonSubexpressionPass, level: 1 },
  { name: 'dead-code', pass: deadCodeEliminationPass, level: 1 },
  ...FUSION_PASSES,
];

export interface PassStage {
  readonly entry: string;
  readonly pass: string;
  /** Whether the pass changed the graph. */
  readonly changed: boolean;
  readonly ms: number;
  /** The entry's graph after the pass. */
  readonly graph: Graph;
}

export interface OptimizeOptions {
  readonly level: OptLevel;
  /** Device limits for the fusion passes (compiler/passes/fuse-limits.ts). */
  readonly limits?: Readonly<Record<string, number>>;
  /** Multi-tensor update fusion (compiler/passes/fuse-updates.ts); default true. */
  readonly fuseUpdates?: FuseUpdates;
  /** Called with each stage as it completes (tests run the verifier here). */
  readonly onStage?: (stage: PassStage) => void;
  /** Defaults to process.env.DLC_DUMP_PASSES. */
  readonly dump?: string;
}

export interface Optimized {
  readonly program: Program;
  /** Every pass run on every entry, in order: what `dlc ir` and DLC_DUMP_PASSES show. */
  readonly stages: readonly PassStage[];
}

/** The passes that run at `level`, in order. */
export function passesAt(level: OptLevel): readonly PipelineEntry[] {
  return PIPELINE.filter((p) => p.level <= level);
}

export function optimizeProgram(program: Program, options: OptimizeOptions): Optimized {
  const passes = passesAt(options.level);
  const dump = options.dump ?? process.env.DLC_DUMP_PASSES;
  const stages: PassStage[] = [];
  const entries: Entry[] = program.entries.map((entry) => {
    const ctx: PassContext = {
      entry: entry.name,
      level: options.level,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.fuseUpdates !== undefined ? { fuseUpdates: options.fuseUpdates } : {}),
      assignedElsewhere: assignedElsewhere(program, entry.name),
    };
    let graph = entry.graph;
    passes.forEach((p, k) => {
      const started = performance.now();
      const next = p.pass(graph, ctx);
      const stage: PassStage = {
        entry: entry.name,
        pass: p.name,
        changed: next !== graph,
        ms: performance.now() - started,
        graph: next,
      };
      graph = next;
      stages.push(stage);
      options.onStage?.(stage);
      if (dump) dumpStage(dump, stage, k);
    });
    return graph === entry.graph ? entry : { ...entry, graph };
  });
  return { program: { ...program, entries }, stages };
}

function dumpStage(dump: string, stage: PassStage, index: number): void {
  const text = printGraph(stage.graph);
  if (dump === '1' || dump === 'true') {
    process.stderr.write(`// ${stage.entry}: after ${stage.pass}${stage.changed ? '' : ' (unchanged)'}\n${text}`);
    return;
  }
  mkdirSync(dump, { recursive: true });
  writeFileSync(join(dump, `${stage.entry}.${String(index + 1).padStart(2, '0')}.${stage.pass}.ir`), text);
}
