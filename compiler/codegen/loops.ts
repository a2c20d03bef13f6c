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
//   5. A carried value that the body updates by one node reading it only there (an
//      accumulator: `g = scatter_add(g, t, u)`) is updated in its carried buffer by
//      the op's in-place kernel, when it has one: no new buffer, no copy back.
import type { Graph, Node, Value } from '../ir/types';
import { getOp } from '../ops/registry';
import type { Step } from '../../runtime/plan';
import type { EntryBuilder } from './generate-plan';
import { rewritesElementwise } from './generate-plan';
import type { LoopCarry } from './regions';
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

  loop.carried.forEach((c, k) => planCarryInPlace(eb, body, c, carriedBuffers[k]));
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

/**
 * Step 5: carry `c` is computed in its own buffer when the node making its new value
 * is a node of the body (not a loop) that reads the carried argument as exactly one
 * of its inputs, and nothing else in the body reads that argument or returns either
 * value again: then the old value dies as the node runs. An ordinary node overwrites
 * it with its op's kernelInPlace; a fused elementwise or matmul kernel reads it only
 * at the element it writes (the same rule as the optimizer's in-place updates).
 */
function planCarryInPlace(eb: EntryBuilder, body: Graph, c: LoopCarry, buffer: number): void {
  const producer = c.result.def;
  if (!producer || !body.nodes.includes(producer) || (producer.op !== 'fused' && producer.regions)) return;
  const reads = producer.inputs.flatMap((v, k) => (v === c.arg ? [k] : []));
  if (reads.length !== 1) return;
  if (body.nodes.some((n) => n !== producer && n.inputs.includes(c.arg))) return;
  const returned = body.results.filter((r) => r.value === c.arg || r.value === c.result);
  if (returned.length !== 1) return;
  if (producer.op === 'fused') {
    const output = producer.outputs.indexOf(c.result);
    if (eb.rewrites.has(producer) || !rewritesElementwise(producer, output, reads[0])) return;
    eb.rewrites.set(producer, new Map([[output, reads[0]]]));
  } else {
    if (producer.outputs.length !== 1) return;
    const specs = getOp(producer.op).kernelInPlace?.(producer, eb.plan.ctx, reads[0]);
    if (!specs) return;
    eb.overwrites.set(producer, { input: reads[0], specs });
  }
  eb.inPlace.set(c.result, buffer);
}
