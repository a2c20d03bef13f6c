// Recording prepared steps into a command encoder. Consecutive dispatches share one
// compute pass; a copy closes it. Loops are unrolled at record time into the same
// command buffer, with the iteration index t deciding per-iteration copy offsets.
import { TEXTURE_ROW_TEXELS } from '../plan';
import type { PreparedStep, TextureUpload } from './resources';

export interface Recorder {
  readonly encoder: GPUCommandEncoder;
  pass: GPUComputePassEncoder | null;
}

export function endPass(rec: Recorder): void {
  if (rec.pass) {
    rec.pass.end();
    rec.pass = null;
  }
}

/** Copies a buffer into an operand texture: the whole rows, then the partial last row. */
export function recordUpload(rec: Recorder, upload: TextureUpload): void {
  endPass(rec);
  const rowBytes = TEXTURE_ROW_TEXELS * 16;
  const fullRows = Math.floor(upload.texels / TEXTURE_ROW_TEXELS);
  const rest = upload.texels - fullRows * TEXTURE_ROW_TEXELS;
  const { buffer, offset } = upload.src;
  if (fullRows > 0) {
    rec.encoder.copyBufferToTexture({ buffer, offset, bytesPerRow: rowBytes }, { texture: upload.texture }, [
      TEXTURE_ROW_TEXELS,
      fullRows,
      1,
    ]);
  }
  if (rest > 0) {
    rec.encoder.copyBufferToTexture(
      { buffer, offset: offset + fullRows * rowBytes },
      { texture: upload.texture, origin: [0, fullRows, 0] },
      [rest, 1, 1],
    );
  }
}

export function recordDispatch(rec: Recorder, step: Extract<PreparedStep, { kind: 'dispatch' }>): void {
  for (const upload of step.uploads) recordUpload(rec, upload);
  if (!rec.pass) rec.pass = rec.encoder.beginComputePass();
  rec.pass.setPipeline(step.pipeline);
  rec.pass.setBindGroup(0, step.bindGroup);
  const [x, y, z] = step.kernel.workgroups;
  rec.pass.dispatchWorkgroups(x, y, z);
}

export function recordCopy(rec: Recorder, step: Extract<PreparedStep, { kind: 'copy' }>, t: number): void {
  endPass(rec);
  const s = step.step;
  rec.encoder.copyBufferToBuffer(
    step.src.buffer,
    step.src.offset + s.srcOffset + (s.srcOffsetPerIter ?? 0) * t,
    step.dst.buffer,
    step.dst.offset + s.dstOffset + (s.dstOffsetPerIter ?? 0) * t,
    s.bytes,
  );
}

/** The iteration index t of the i-th iteration run. */
export function iterationIndex(i: number, count: number, reverse: boolean): number {
  return reverse ? count - 1 - i : i;
}

export function recordSteps(rec: Recorder, steps: readonly PreparedStep[], t = 0): void {
  for (const step of steps) {
    switch (step.kind) {
      case 'dispatch':
        recordDispatch(rec, step);
        break;
      case 'copy':
        recordCopy(rec, step, t);
        break;
      case 'loop':
        for (let i = 0; i < step.step.count; i++)
          recordSteps(rec, step.body, iterationIndex(i, step.step.count, step.step.reverse));
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${String(never)}`);
      }
    }
  }
}
