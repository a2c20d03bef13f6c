import { describe, expect, it } from 'vitest';
import { planMemory } from '../../../compiler/memory/memory';
import { printMemoryPlan } from '../../../compiler/memory/print';
import type { Plan, PlanBuffer } from '../../../runtime/plan';

/**
 * x → a = f(x, W) → b = g(a) → c = h(b) → y = k(c, a). Worked by hand: x opens
 * arena 0; a conflicts with x (one dispatch) and opens arena 1; b conflicts with a and
 * reuses x's bytes in arena 0; c conflicts with b and goes after a (live until y) in
 * arena 1 at 1280 (1200 rounded up to 256); y conflicts with c and a and reuses
 * arena 0 at 0. Temporaries take 1200 + 2480 bytes instead of 5 × 1200.
 */
function chainPlan(): Plan {
  const buf = (id: number, name: string, kind: PlanBuffer['kind'], elems: number, entry?: string): PlanBuffer => ({
    id,
    name,
    kind,
    dtype: 'f32',
    shape: [elems],
    bytes: 4 * elems,
    ...(entry ? { entry } : {}),
  });
  const buffers = [
    buf(0, 'W', 'param', 100),
    buf(1, 'scalars', 'scalars', 2),
    buf(2, 'f.x', 'input', 300, 'f'),
    buf(3, 'f.a', 'temp', 300, 'f'),
    buf(4, 'f.b', 'temp', 300, 'f'),
    buf(5, 'f.c', 'temp', 300, 'f'),
    buf(6, 'f.y', 'temp', 300, 'f'),
  ];
  return {
    version: 1,
    model: 'chain',
    buffers,
    arenas: buffers.map((b) => ({ name: b.name, bytes: b.bytes })),
    layout: buffers.map((b) => ({ arena: b.id, offset: 0, size: b.bytes })),
    kernels: [
      { id: 0, label: 'k', name: 'k', wgsl: '', workgroups: [1, 1, 1], usesScalars: false, origin: { nodes: [] } },
    ],
    scalarsBuffer: 1,
    scalars: [],
    entries: [
      {
        name: 'f',
        kind: 'infer',
        inputs: [{ name: 'x', dtype: 'f32', shape: [300], buffer: 2 }],
        outputs: [{ name: 'y', dtype: 'f32', shape: [300], buffer: 6 }],
        steps: [
          { kind: 'dispatch', kernel: 0, bindings: [2, 0, 3], writes: [3] },
          { kind: 'dispatch', kernel: 0, bindings: [3, 4], writes: [4] },
          { kind: 'dispatch', kernel: 0, bindings: [4, 5], writes: [5] },
          { kind: 'dispatch', kernel: 0, bindings: [5, 3, 6], writes: [6] },
        ],
        stats: { kernels: 1, kernelsUnfused: 1, dispatches: 4, peakBytes: 0, naiveBytes: 0 },
      },
    ],
    requiredLimits: {},
  };
}

describe('printMemoryPlan', () => {
  it('shows arenas, resident buffers, each buffer of an entry with its slice and lifetime, and the steps with what they read and write', () => {
    expect(printMemoryPlan(planMemory(chainPlan()))).toBe(
      [
        'memory plan of chain: 4 arenas, 4088 bytes allocated, 6408 bytes naive',
        '  arena 0  1200 B  temp.0',
        '  arena 1  2480 B  temp.1',
        '  arena 2   400 B  W',
        '  arena 3     8 B  scalars',
        'resident buffers:',
        '  W          param  f32[100]  arena 2  @0  400 B  live always',
        '  scalars  scalars    f32[2]  arena 3  @0    8 B  live always',
        'entry f: peak 4088 bytes, naive 6408 bytes, steps 0..3',
        '  f.x  input  f32[300]  arena 0     @0  1200 B  live -1..0',
        '  f.a   temp  f32[300]  arena 1     @0  1200 B  live 0..3',
        '  f.b   temp  f32[300]  arena 0     @0  1200 B  live 1..2',
        '  f.c   temp  f32[300]  arena 1  @1280  1200 B  live 2..3',
        '  f.y   temp  f32[300]  arena 0     @0  1200 B  live 3..4',
        '  steps:',
        '    0   k  reads f.x, W → f.a',
        '    1   k  reads f.a → f.b',
        '    2   k  reads f.b → f.c',
        '    3   k  reads f.c, f.a → f.y',
        '',
      ].join('\n'),
    );
  });

  it('without packing (-O0) every buffer keeps its own arena and peak equals naive', () => {
    const plan = planMemory(chainPlan(), {}, { pack: false });
    expect(plan.arenas.map((a) => a.bytes)).toEqual([400, 8, 1200, 1200, 1200, 1200, 1200]);
    expect(plan.entries[0].stats).toMatchObject({ peakBytes: 6408, naiveBytes: 6408 });
  });
});
