// What `dlc compile` prints about a plan: per entry point the kernels, dispatches
// and planned bytes, as a table or as the JSON object scripts read.
import type { Plan, PlanEntry } from '../../runtime/plan';
import { dispatchSteps } from './stats';

export interface CompileReport {
  readonly model: string;
  readonly entries: readonly {
    readonly name: string;
    readonly kernels: number;
    readonly kernels_unfused: number;
    readonly dispatches: number;
    readonly peak_bytes: number;
    readonly naive_bytes: number;
    /** Operand textures the kernels read (absent when none). */
    readonly texture_bytes?: number;
    /** Kernels computing an lrn: inside a conv kernel, and on their own (both absent when the entry has none). */
    readonly lrn_fused?: number;
    readonly lrn_unfused?: number;
    /** Fusions a device limit split (absent when none was). */
    readonly fusion_splits?: readonly string[];
    /** Dispatches with each param's optimizer update in kernels of its own (absent: no update was fused). */
    readonly dispatches_unfused_updates?: number;
  }[];
}

export function planReport(plan: Plan): CompileReport {
  return {
    model: plan.model,
    entries: plan.entries.map((e) => ({
      name: e.name,
      kernels: e.stats.kernels,
      kernels_unfused: e.stats.kernelsUnfused,
      dispatches: e.stats.dispatches,
      peak_bytes: e.stats.peakBytes,
      naive_bytes: e.stats.naiveBytes,
      ...(e.stats.textureBytes ? { texture_bytes: e.stats.textureBytes } : {}),
      ...lrnKernels(plan, e),
      ...(e.stats.fusionSplits && e.stats.fusionSplits.length > 0 ? { fusion_splits: [...e.stats.fusionSplits] } : {}),
      ...(e.stats.dispatchesUnfusedUpdates !== undefined
        ? { dispatches_unfused_updates: e.stats.dispatchesUnfusedUpdates }
        : {}),
    })),
  };
}

/** How many of the entry's distinct kernels compute an lrn fused into a conv, and how many alone. */
function lrnKernels(plan: Plan, e: PlanEntry): { lrn_fused?: number; lrn_unfused?: number } {
  const kernels = new Set(dispatchSteps(e.steps).map((s) => plan.kernels[s.kernel]));
  let fused = 0;
  let unfused = 0;
  for (const k of kernels) {
    const ops = k.origin.nodes.map((n) => n.op);
    if (!ops.includes('lrn')) continue;
    if (ops.includes('conv2d')) fused++;
    else unfused++;
  }
  return fused + unfused > 0 ? { lrn_fused: fused, lrn_unfused: unfused } : {};
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The table (kernels fused/unfused, dispatches, planned/naive bytes), then a line per split fusion. */
export function formatReport(report: CompileReport): string {
  const header = ['entry', 'kernels', 'unfused', 'dispatches', 'planned bytes', 'naive bytes'];
  const rows = report.entries.map((e) => [
    e.name,
    String(e.kernels),
    String(e.kernels_unfused),
    String(e.dispatches),
    formatBytes(e.peak_bytes),
    formatBytes(e.naive_bytes),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]): string =>
    cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  const splits = report.entries.flatMap((e) =>
    (e.fusion_splits ?? []).map((s) => `${e.name}: fusion split at a device limit: ${s}`),
  );
  const textures = report.entries.flatMap((e) =>
    e.texture_bytes
      ? [`${e.name}: plus ${formatBytes(e.texture_bytes)} of operand textures (kernel inputs read as textures)`]
      : [],
  );
  const lrn = report.entries.flatMap((e) =>
    e.lrn_fused !== undefined
      ? [`${e.name}: lrn in ${e.lrn_fused} conv kernel(s), ${e.lrn_unfused ?? 0} unfused lrn kernel(s)`]
      : [],
  );
  const updates = report.entries.flatMap((e) =>
    e.dispatches_unfused_updates !== undefined
      ? [`${e.name}: optimizer updates fused: ${e.dispatches} dispatches, ${e.dispatches_unfused_updates} without`]
      : [],
  );
  return [line(header), ...rows.map(line), ...textures, ...lrn, ...updates, ...splits].join('\n');
}
