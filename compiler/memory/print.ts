// The memory plan as text (`dlc ir --stage planned`): the arenas, then the resident
// buffers, then per entry point its peak and naive bytes and each of its buffers
// with its arena, offset, size and lifetime in step numbers (-1: uploaded before the
// pass; the entry's step count: read back after it), and the operand textures its
// kernels read, with what they hold and how many reads upload or reuse their bytes;
// then its steps in the same numbering: each kernel with what it reads (a texture
// fetch marked `tex`, `tex reused` where the upload is skipped) and writes (a
// persistent tensor written `in place`: an optimizer update computed straight into
// its parameter or slot), each copy, each loop with its body indented; each step
// ends with the .dl location it comes from as a `# file:line:col` comment.
// Deterministic, for goldens.
import { basename } from 'node:path';
import { formatSpan, type Span } from '../../runtime/errors';
import type { Plan, PlanBuffer, PlanEntry, Step } from '../../runtime/plan';
import { entryLiveness } from './lifetimes';
import { entryTextures, isPerCall, memoryTotals, textureBytes } from './memory';

function table(rows: readonly string[][], indent: string): string[] {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, k) => (k === 0 || k === r.length - 1 ? c.padEnd(widths[k]) : c.padStart(widths[k])))
        .join('  ')
        .trimEnd(),
  );
}

function bufferRow(plan: Plan, b: PlanBuffer, live: string): string[] {
  const s = plan.layout[b.id];
  return [b.name, b.kind, `${b.dtype}[${b.shape.join(',')}]`, `arena ${s.arena}`, `@${s.offset}`, `${s.size} B`, live];
}

interface TextureUse {
  readonly buffers: Set<string>;
  uploads: number;
  reused: number;
}

/** Per texture of an entry: the buffers uploaded into it, how many reads upload and how many reuse its bytes (loop bodies count once). */
function textureUses(plan: Plan, entry: PlanEntry): Map<number, TextureUse> {
  const uses = new Map<number, TextureUse>();
  const visit = (steps: readonly Step[]): void => {
    for (const s of steps) {
      if (s.kind === 'loop') visit(s.body);
      if (s.kind !== 'dispatch') continue;
      for (const t of s.textures ?? []) {
        const use = uses.get(t.texture) ?? { buffers: new Set<string>(), uploads: 0, reused: 0 };
        use.buffers.add(plan.buffers[s.bindings[t.binding]].name);
        if (t.upload === false) use.reused++;
        else use.uploads++;
        uses.set(t.texture, use);
      }
    }
  };
  visit(entry.steps);
  return uses;
}

function describeUse(use: TextureUse | undefined): string {
  if (!use) return '';
  const buffers = [...use.buffers];
  const holds = buffers.length === 1 ? buffers[0] : `${buffers.length} buffers`;
  return `${holds}: ${use.uploads} upload${use.uploads === 1 ? '' : 's'}${use.reused > 0 ? `, ${use.reused} reused` : ''}`;
}

/** A step's .dl location as a trailing comment, with the file's name only (goldens do not depend on folders). */
function where(span: Span | undefined): string {
  return span ? `  # ${formatSpan({ ...span, file: basename(span.file) })}` : '';
}

/** Each step of `steps` as one line, numbered from `first` as entryLiveness numbers them; returns the next number. */
function stepLines(plan: Plan, steps: readonly Step[], first: number, indent: string, out: string[]): number {
  let at = first;
  const name = (id: number) => plan.buffers[id].name;
  for (const s of steps) {
    const n = `${indent}${at}`.padEnd(indent.length + 4);
    at += 1;
    switch (s.kind) {
      case 'dispatch': {
        // Bindings: the inputs, the outputs (s.writes), then the packed scalars where the kernel uses them.
        const kernel = plan.kernels[s.kernel];
        const inputs = s.bindings.length - s.writes.length - (kernel.usesScalars ? 1 : 0);
        const textures = new Map(
          (s.textures ?? []).map((t) => [t.binding, t.upload === false ? ' (tex reused)' : ' (tex)']),
        );
        const reads = s.bindings.slice(0, inputs).map((b, k) => `${name(b)}${textures.get(k) ?? ''}`);
        const writes = s.writes.map((w) => `${name(w)}${isPerCall(plan.buffers[w].kind) ? '' : ' (in place)'}`);
        out.push(
          `${n}${kernel.name}  reads ${reads.join(', ') || 'nothing'} → ${writes.join(', ')}${where(kernel.origin.span)}`,
        );
        break;
      }
      case 'copy':
        out.push(`${n}copy ${name(s.src)} → ${name(s.dst)} (${s.bytes} B)${where(s.span)}`);
        break;
      case 'loop':
        out.push(`${n}loop ${s.label} ×${s.count}${s.reverse ? ' reversed' : ''}${where(s.span)}`);
        at = stepLines(plan, s.body, at, `${indent}  `, out);
        break;
      default: {
        const never: never = s;
        throw new Error(`unknown plan step ${JSON.stringify(never)}`);
      }
    }
  }
  return at;
}

export function printMemoryPlan(plan: Plan, entryName?: string): string {
  const { plannedBytes, naiveBytes } = memoryTotals(plan);
  const lines = [
    `memory plan of ${plan.model}: ${plan.arenas.length} arenas, ${plannedBytes} bytes allocated, ${naiveBytes} bytes naive`,
  ];
  lines.push(
    ...table(
      plan.arenas.map((a, k) => [`arena ${k}`, `${a.bytes} B`, a.name]),
      '  ',
    ),
  );
  const resident = plan.buffers.filter((b) => !isPerCall(b.kind));
  if (resident.length > 0) {
    lines.push('resident buffers:');
    lines.push(
      ...table(
        resident.map((b) => bufferRow(plan, b, 'live always')),
        '  ',
      ),
    );
  }
  for (const entry of plan.entries.filter((e) => entryName === undefined || e.name === entryName)) {
    const liveness = entryLiveness(entry, plan.buffers);
    lines.push(
      `entry ${entry.name}: peak ${entry.stats.peakBytes} bytes, naive ${entry.stats.naiveBytes} bytes, steps 0..${liveness.steps - 1}`,
    );
    const own = plan.buffers.filter((b) => b.entry === entry.name && isPerCall(b.kind));
    const rows = own.map((b) => {
      const life = liveness.lifetimes.get(b.id);
      return bufferRow(plan, b, life ? `live ${life.first}..${life.last}` : 'unused');
    });
    if (rows.length > 0) lines.push(...table(rows, '  '));
    const textures = entryTextures(plan, entry);
    if (textures.length > 0) {
      const uses = textureUses(plan, entry);
      lines.push(
        `  operand textures (rgba32float, filled from a buffer before a dispatch reads it, unless it still holds that buffer's bytes: reused):`,
      );
      lines.push(
        ...table(
          textures.map((t) => [
            `texture ${t.id}`,
            `${t.width}x${t.height}`,
            `${textureBytes(t)} B`,
            describeUse(uses.get(t.id)),
          ]),
          '    ',
        ),
      );
    }
    lines.push('  steps:');
    stepLines(plan, entry.steps, 0, '    ', lines);
  }
  return `${lines.join('\n')}\n`;
}
