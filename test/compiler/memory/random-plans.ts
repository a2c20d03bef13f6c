// Random plans for property tests of memory planning: a few entries, each a chain of
// dispatches over per-call buffers of random sizes (reading earlier values, writing
// fresh ones), some wrapped in loops (nested too), with copies, resident buffers read
// and written, inputs and outputs. Only the memory-relevant parts are meaningful.
import type { BufferKind, Plan, PlanBuffer, PlanEntry, Step } from '../../../runtime/plan';

/** A small deterministic generator (LCG) so a failing case can be replayed from its seed. */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

export function randomPlan(seed: number): Plan {
  const r = rng(seed);
  const buffers: PlanBuffer[] = [];
  const add = (name: string, kind: BufferKind, entry?: string): number => {
    const id = buffers.length;
    const elems = r(4) === 0 ? 1 + r(4) : 1 + r(3000);
    buffers.push({ id, name, kind, dtype: 'f32', shape: [elems], bytes: 4 * elems, ...(entry ? { entry } : {}) });
    return id;
  };
  const resident = Array.from({ length: 1 + r(3) }, (_, k) => add(`p${k}`, k === 0 ? 'param' : 'slot'));
  const scalars = add('scalars', 'scalars');
  const entries: PlanEntry[] = [];
  for (let e = 0; e < 1 + r(3); e++) {
    const name = `e${e}`;
    const inputs = Array.from({ length: 1 + r(2) }, (_, k) => add(`${name}.in${k}`, 'input', name));
    const values = [...inputs, ...resident];
    let kernel = 0;
    const steps = (depth: number, n: number): Step[] => {
      const out: Step[] = [];
      for (let i = 0; i < n; i++) {
        const roll = r(10);
        if (roll === 0 && depth < 2) {
          out.push({
            kind: 'loop',
            count: 2 + r(3),
            reverse: r(2) === 0,
            body: steps(depth + 1, 1 + r(4)),
            label: `loop${i}`,
          });
        } else if (roll === 1) {
          const src = values[r(values.length)];
          const dst = add(`${name}.c${buffers.length}`, 'temp', name);
          values.push(dst);
          out.push({ kind: 'copy', src, dst, srcOffset: 0, dstOffset: 0, bytes: 4 });
        } else {
          const reads = Array.from({ length: 1 + r(3) }, () => values[r(values.length)]);
          const writes = Array.from({ length: 1 + (r(4) === 0 ? 1 : 0) }, () =>
            add(`${name}.t${buffers.length}`, 'temp', name),
          );
          values.push(...writes);
          const bindings = [...reads, ...writes, ...(r(3) === 0 ? [scalars] : [])];
          out.push({ kind: 'dispatch', kernel: kernel++ % 4, bindings, writes });
        }
      }
      return out;
    };
    const body = steps(0, 2 + r(12));
    const temps = values.filter((v) => buffers[v].kind === 'temp');
    const outputs = temps.length > 0 ? [temps[temps.length - 1], temps[r(temps.length)]] : [];
    entries.push({
      name,
      kind: 'train',
      inputs: inputs.map((b) => ({ name: buffers[b].name, dtype: 'f32', shape: buffers[b].shape, buffer: b })),
      outputs: [...new Set(outputs)].map((b) => ({
        name: buffers[b].name,
        dtype: 'f32',
        shape: buffers[b].shape,
        buffer: b,
      })),
      steps: body,
      stats: { kernels: 4, kernelsUnfused: 4, dispatches: 0, peakBytes: 0, naiveBytes: 0 },
    });
  }
  return {
    version: 1,
    model: `random${seed}`,
    buffers,
    arenas: buffers.map((b) => ({ name: b.name, bytes: b.bytes })),
    layout: buffers.map((b) => ({ arena: b.id, offset: 0, size: b.bytes })),
    kernels: [0, 1, 2, 3].map((id) => ({
      id,
      label: `k${id}`,
      name: `k${id}`,
      wgsl: '',
      workgroups: [1, 1, 1],
      usesScalars: false,
      origin: { nodes: [] },
    })),
    scalarsBuffer: scalars,
    scalars: [],
    entries,
    requiredLimits: {},
  };
}
