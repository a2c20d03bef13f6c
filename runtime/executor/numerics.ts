// The numerics guard (createModel({checkNumerics: true})): runs a pass one dispatch
// per submit and reads back every f32 buffer each kernel writes, stopping at the
// first NaN or Inf with the kernel, its IR node and .dl line:col. Slow by design:
// a debugging mode, not a training mode.
import { DlcError, formatSpan } from '../errors';
import type { Plan, PlanKernel } from '../plan';
import { MAP_READ_MODE } from './resources';
import type { PreparedStep } from './resources';
import { endPass, iterationIndex, recordCopy, recordDispatch } from './record';
import type { Recorder } from './record';

export interface GuardContext {
  readonly device: GPUDevice;
  readonly plan: Plan;
  readonly entry: string;
  /** A MAP_READ buffer as large as the largest f32 buffer any kernel writes. */
  readonly staging: GPUBuffer;
}

function describeKernel(kernel: PlanKernel): string {
  const nodes = kernel.origin.nodes.map((n) => `%${n.id} ${n.op}`).join(', ');
  const where = kernel.origin.span ? ` at ${formatSpan(kernel.origin.span)}` : '';
  return `kernel ${kernel.name} (IR node ${nodes}${where})`;
}

async function checkWrites(
  ctx: GuardContext,
  step: Extract<PreparedStep, { kind: 'dispatch' }>,
  t: number | undefined,
): Promise<void> {
  for (const id of step.step.writes) {
    const buffer = ctx.plan.buffers[id];
    if (buffer.dtype !== 'f32') continue;
    const slice = ctx.plan.layout[id];
    const encoder = ctx.device.createCommandEncoder();
    encoder.copyBufferToBuffer(arenaOf(step, id), slice.offset, ctx.staging, 0, slice.size);
    ctx.device.queue.submit([encoder.finish()]);
    await ctx.staging.mapAsync(MAP_READ_MODE, 0, slice.size);
    const values = new Float32Array(ctx.staging.getMappedRange(0, slice.size));
    let bad = -1;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        bad = i;
        break;
      }
    }
    const value = bad >= 0 ? values[bad] : 0;
    ctx.staging.unmap();
    if (bad >= 0) {
      const iteration = t === undefined ? '' : ` in loop iteration t=${t}`;
      throw new DlcError(
        `${ctx.entry}: ${describeKernel(step.kernel)} wrote ${value} to '${buffer.name}' element ${bad}${iteration}`,
        1,
        step.kernel.origin.span,
      );
    }
  }
}

/** The arena GPUBuffer a dispatch step writes for buffer `id` (recorded when it was prepared). */
function arenaOf(step: Extract<PreparedStep, { kind: 'dispatch' }>, id: number): GPUBuffer {
  const k = step.step.bindings.indexOf(id);
  if (k < 0) throw new Error(`dispatch does not bind buffer ${id}`);
  return step.buffers[k];
}

/** Runs prepared steps one submit per dispatch, checking what each kernel writes. */
export async function runGuarded(ctx: GuardContext, steps: readonly PreparedStep[], t?: number): Promise<void> {
  for (const step of steps) {
    switch (step.kind) {
      case 'dispatch': {
        const rec: Recorder = { encoder: ctx.device.createCommandEncoder(), pass: null };
        recordDispatch(rec, step);
        endPass(rec);
        ctx.device.queue.submit([rec.encoder.finish()]);
        await checkWrites(ctx, step, t);
        break;
      }
      case 'copy': {
        const rec: Recorder = { encoder: ctx.device.createCommandEncoder(), pass: null };
        recordCopy(rec, step, t ?? 0);
        ctx.device.queue.submit([rec.encoder.finish()]);
        break;
      }
      case 'loop':
        for (let i = 0; i < step.step.count; i++)
          await runGuarded(ctx, step.body, iterationIndex(i, step.step.count, step.step.reverse));
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${String(never)}`);
      }
    }
  }
}
