// The kernels of a plan as text (`dlc ir --stage wgsl`): per entry point, each
// kernel's label (IR node and .dl span), workgroup count and WGSL source, in the
// order the entry first dispatches them.
import type { Plan, Step } from '../../runtime/plan';

/** Kernel ids in the order `steps` first dispatch them. */
export function kernelOrder(steps: readonly Step[], seen: number[] = []): number[] {
  for (const step of steps) {
    switch (step.kind) {
      case 'dispatch':
        if (!seen.includes(step.kernel)) seen.push(step.kernel);
        break;
      case 'copy':
        break;
      case 'loop':
        kernelOrder(step.body, seen);
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${String(never)}`);
      }
    }
  }
  return seen;
}

export function printPlanWgsl(plan: Plan, entryName?: string): string {
  const entries = plan.entries.filter((e) => entryName === undefined || e.name === entryName);
  const parts: string[] = [];
  for (const entry of entries) {
    parts.push(
      `// ===== ${plan.model}.${entry.name}: ${entry.stats.kernels} kernels, ${entry.stats.dispatches} dispatches`,
    );
    for (const id of kernelOrder(entry.steps, [])) {
      const k = plan.kernels[id];
      parts.push(`// --- ${k.label} [workgroups ${k.workgroups.join('x')}]`, k.wgsl.trimEnd(), '');
    }
  }
  return `${parts.join('\n')}\n`;
}
