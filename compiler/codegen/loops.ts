// Loop nodes (`repeat`, `scan`) as loop steps recorded into the pass's one command
// buffer:
//   1. Each carried value gets a buffer the body reads as its argument; the initial
//      value is copied in before the loop, and the loop's final-value output is that
//      same buffer (no copy out).
//   2. Captured values are read from the outer buffers directly.
//   3. The iteration index t, where the body or a stacking kernel needs it, is copied
//      at the start of each iteration from a constant table [0..count-1] at byte 4t.
//   4. After the body, each emitted value is written into its stacked output at t
//      (a copy at byte offset t*size when stacking on the outermost axis, else the
//      stack kernel), then the new carried values are copied back into the carried
//      buffers; a new value that is itself another carried buffer (a swap) is first
//      staged so every copy reads this iteration's values.
import type { Node, Value } from '../ir/types';
import type { Step } from '../../runtime/plan';
import type { EntryBuilder } from './generate-plan';
import { readLoop } from './regions';
import { emitStackKernel, stackExtent } from './stack';

export function emitLoop(eb: EntryBuilder, node: Node, steps: Step[]): void {
  const loop = readLoop(node);
  const at = node.span ? { span: node.span } : {};
  const body = node.regions![0];
  const plan = eb.plan;

  const carriedBuffers = loop.carried.map((c) => {
    const buffer = eb.temp(c.arg, `%${node.id}.carry${c.arg.id}`);
    eb.copy(eb.bufferOf(c.init), buffer, steps, node);
    eb.values.set(c.out, buffer);
    return buffer;
  });
  for (const c of loop.captured) eb.values.set(c.arg, eb.bufferOf(c.outer));

  const stacked = loop.emits.map((e) => ({ ...e, buffer: eb.temp(e.out), extent: stackExtent(e.result.type, e.axis) }));
  const needsCounter = loop.index !== undefined || stacked.some((e) => e.extent.outer > 1);
  const bodySteps: Step[] = [];
  let counter = -1;
  if (needsCounter) {
    const indexValue: Value = loop.index ?? { id: -node.id, type: { dtype: 'i32', shape: [] }, def: null };
    counter = eb.temp(indexValue, `%${node.id}.t`);
    const table = plan.addBuffer({
      name: `${eb.entry.name}.%${node.id}.iota`,
      kind: 'const',
      dtype: 'i32',
      shape: [Math.max(1, loop.count)],
      data: Array.from({ length: Math.max(1, loop.count) }, (_, t) => t),
    });
    bodySteps.push({
      kind: 'copy',
      src: table,
      dst: counter,
      srcOffset: 0,
      srcOffsetPerIter: 4,
      dstOffset: 0,
      bytes: 4,
      ...at,
    });
  }

  eb.emitNodes(body, bodySteps);

  for (const e of stacked) {
    const src = eb.bufferOf(e.result);
    if (e.extent.outer === 1) {
      const bytes = plan.buffers[src].bytes;
      bodySteps.push({
        kind: 'copy',
        src,
        dst: e.buffer,
        srcOffset: 0,
        dstOffset: 0,
        dstOffsetPerIter: bytes,
        bytes,
        ...at,
      });
    } else {
      eb.dispatch(emitStackKernel(e.result.type, e.axis, loop.count), node, [src, counter], [e.buffer], bodySteps);
    }
  }

  const carriedSet = new Set(carriedBuffers);
  const sources = loop.carried.map((c, k) => {
    const src = eb.bufferOf(c.result);
    if (src === carriedBuffers[k] || !carriedSet.has(src)) return src;
    const staged = plan.addBuffer({
      ...plan.buffers[src],
      name: `${plan.buffers[src].name}.staged`,
      kind: 'temp',
      entry: eb.entry.name,
    });
    eb.copy(src, staged, bodySteps, node);
    return staged;
  });
  sources.forEach((src, k) => eb.copy(src, carriedBuffers[k], bodySteps, node));

  steps.push({
    kind: 'loop',
    count: loop.count,
    reverse: loop.reverse,
    body: bodySteps,
    label: eb.label(node, node.op),
    ...at,
  });
}
