// A stage's output (compiler/driver.ts STAGES) as `dlc ir` prints it: text through the IR printer
// (or the plan printers), JSON for tools, Graphviz dot for graphs. Every form is a
// pure function of the output, so goldens compare byte for byte.
import type { Entry, Program } from '../ir/program';
import { printProgram } from '../ir/print';
import { programToJson } from '../ir/json';
import { programToDot } from '../ir/dot';
import type { PassStage } from '../passes/pipeline';
import type { Plan, PlanBuffer } from '../../runtime/plan';
import { kernelOrder, printPlanWgsl } from '../codegen/print';
import { printMemoryPlan } from '../memory/print';
import { entryLiveness } from '../memory/lifetimes';
import { isPerCall, memoryTotals } from '../memory/memory';
import { DlcError } from '../../runtime/errors';
import type { StageName, StageOutput } from '../driver';

export const FORMATS = ['text', 'json', 'dot'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

/** `program` with only the entry named `entry` (all entries when undefined). */
function onlyEntry(program: Program, entry: string | undefined): Program {
  return entry === undefined
    ? program
    : { ...program, entries: program.entries.filter((e: Entry) => e.name === entry) };
}

/** One comment line per entry: the passes run on it, marking those that changed its graph. */
function passSummary(passes: readonly PassStage[], entries: readonly Entry[]): string {
  const lines = entries.map((e) => {
    const own = passes.filter((p) => p.entry === e.name);
    const names = own.map((p) => (p.changed ? `${p.pass} (changed)` : p.pass));
    return `# passes on ${e.name}: ${names.length ? names.join(', ') : 'none'}`;
  });
  return lines.length ? lines.join('\n') + '\n' : '';
}

function passesJson(passes: readonly PassStage[], entry: string | undefined): unknown[] {
  return passes
    .filter((p) => entry === undefined || p.entry === entry)
    .map((p) => ({ entry: p.entry, pass: p.pass, changed: p.changed }));
}

/** The memory plan as data: arenas, each buffer's slice and lifetime, per-entry totals. */
function memoryPlanJson(plan: Plan, entry: string | undefined): unknown {
  const entries = plan.entries.filter((e) => entry === undefined || e.name === entry);
  const live = new Map<number, { first: number; last: number }>();
  for (const e of entries)
    for (const [id, l] of entryLiveness(e, plan.buffers).lifetimes) live.set(id, { first: l.first, last: l.last });
  const shown = (b: PlanBuffer): boolean => !isPerCall(b.kind) || entries.some((e) => e.name === b.entry);
  const { plannedBytes, naiveBytes } = memoryTotals(plan);
  return {
    model: plan.model,
    planned_bytes: plannedBytes,
    naive_bytes: naiveBytes,
    arenas: plan.arenas.map((a, index) => ({ index, name: a.name, bytes: a.bytes })),
    buffers: plan.buffers.filter(shown).map((b) => {
      const slice = plan.layout[b.id];
      return {
        id: b.id,
        name: b.name,
        kind: b.kind,
        dtype: b.dtype,
        shape: b.shape,
        bytes: b.bytes,
        ...(b.entry !== undefined ? { entry: b.entry } : {}),
        arena: slice.arena,
        offset: slice.offset,
        size: slice.size,
        // Resident buffers live across calls; per-call ones over steps first..last, or never (null).
        lifetime: isPerCall(b.kind) ? (live.get(b.id) ?? null) : 'always',
      };
    }),
    entries: entries.map((e) => ({
      name: e.name,
      kind: e.kind,
      peak_bytes: e.stats.peakBytes,
      naive_bytes: e.stats.naiveBytes,
    })),
  };
}

function kernelsJson(plan: Plan, entry: string | undefined): unknown {
  return {
    model: plan.model,
    entries: plan.entries
      .filter((e) => entry === undefined || e.name === entry)
      .map((e) => ({
        name: e.name,
        dispatches: e.stats.dispatches,
        kernels: kernelOrder(e.steps).map((id) => {
          const k = plan.kernels[id];
          return { label: k.label, workgroups: k.workgroups, wgsl: k.wgsl };
        }),
      })),
  };
}

/** Renders `out` (the result of `stage`) restricted to `entry` when given. */
export function renderStage(out: StageOutput, stage: StageName, format: Format, entry: string | undefined): string {
  if (out.kind === 'program') {
    const program = onlyEntry(out.program, entry);
    switch (format) {
      case 'text':
        return (out.passes ? passSummary(out.passes, program.entries) : '') + printProgram(program);
      case 'json': {
        const json = programToJson(program) as Record<string, unknown>;
        const extra = { ...(out.passes ? { passes: passesJson(out.passes, entry) } : {}) };
        return JSON.stringify({ ...json, ...extra }, null, 2) + '\n';
      }
      case 'dot':
        return programToDot(program);
      default: {
        const never: never = format;
        throw new Error(`unknown format ${String(never)}`);
      }
    }
  }
  if (format === 'dot')
    throw new DlcError(`--format dot draws graphs; the ${stage} stage is an execution plan (use text or json)`, 2);
  if (stage === 'wgsl') {
    return format === 'json'
      ? JSON.stringify({ target: out.target, ...(kernelsJson(out.plan, entry) as object) }, null, 2) + '\n'
      : `// target: ${out.target}\n${printPlanWgsl(out.plan, entry)}`;
  }
  return format === 'json'
    ? JSON.stringify({ target: out.target, ...(memoryPlanJson(out.plan, entry) as object) }, null, 2) + '\n'
    : `# target: ${out.target}\n${printMemoryPlan(out.plan, entry)}`;
}
