// Operand-texture uploads a plan skips (compiler/codegen/textures-plan.ts): a read
// skips its upload only when the texture still holds the buffer's current bytes.
// Hand-built steps pin the rule; compiled bench models are checked against an
// independent simulation of what each texture holds.
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../../compiler/driver';
import { planTextureUploads, UNASSIGNED_TEXTURE } from '../../../compiler/codegen/textures-plan';
import type { TextureAllocator } from '../../../compiler/codegen/textures-plan';
import { lowerFile } from '../../../compiler/lower/index';
import { entryLiveness } from '../../../compiler/memory/lifetimes';
import type { DispatchStep, Plan, PlanEntry, Step } from '../../../runtime/plan';

/** Textures named by what keys them, so tests can tell shared from per-buffer ones. */
function allocator(): TextureAllocator & { names: string[] } {
  const names: string[] = [];
  const id = (name: string): number => {
    if (!names.includes(name)) names.push(name);
    return names.indexOf(name);
  };
  return {
    names,
    textureFor: (texels, slot) => id(`shared ${texels}#${slot}`),
    textureForBuffer: (buffer, texels) => id(`buffer ${buffer} ${texels}`),
    // Buffer 100 is a view over buffers 1 and 2 (a fused optimizer update's params and slots).
    writtenWith: (buffer) => (buffer === 100 ? [100, 1, 2] : [buffer]),
  };
}

/** A dispatch reading `reads` (buffer ids) through textures of 64 texels and writing `writes`. */
function dispatch(reads: readonly number[], writes: readonly number[]): DispatchStep {
  return {
    kind: 'dispatch',
    kernel: 0,
    bindings: [...reads, ...writes],
    writes,
    textures: reads.map((_, binding) => ({ binding, texture: UNASSIGNED_TEXTURE, texels: 64 })),
  };
}

const copy = (src: number, dst: number): Step => ({ kind: 'copy', src, dst, srcOffset: 0, dstOffset: 0, bytes: 1024 });

/** `name upload|reuse` per texture read, in step order (loop bodies inline). */
function reads(steps: readonly Step[], names: readonly string[]): string[] {
  return steps.flatMap((s): string[] => {
    if (s.kind === 'loop') return reads(s.body, names).map((r) => `loop: ${r}`);
    if (s.kind !== 'dispatch') return [];
    return (s.textures ?? []).map((t) => `${names[t.texture]} ${t.upload === false ? 'reuse' : 'upload'}`);
  });
}

describe('planTextureUploads', () => {
  it('a buffer read twice with no write between gets a texture of its own, uploaded once', () => {
    const alloc = allocator();
    const steps = planTextureUploads([dispatch([1, 2], [3]), dispatch([3], [4]), dispatch([4, 1], [5])], alloc);
    expect(reads(steps, alloc.names)).toEqual([
      'buffer 1 64 upload',
      'shared 64#1 upload',
      'shared 64#0 upload',
      'shared 64#0 upload',
      'buffer 1 64 reuse',
    ]);
  });

  it('a dispatch or a copy writing the buffer between the reads makes the second upload', () => {
    for (const between of [dispatch([2], [1]), copy(2, 1)]) {
      const alloc = allocator();
      const steps = planTextureUploads([dispatch([1], [3]), between, dispatch([1], [4])], alloc);
      expect(reads(steps, alloc.names).filter((r) => r.endsWith('reuse'))).toEqual([]);
    }
  });

  it('reads of the same version after a rewrite reuse again', () => {
    const alloc = allocator();
    const steps = planTextureUploads(
      [dispatch([1], [3]), dispatch([1], [4]), dispatch([2], [1]), dispatch([1], [5]), dispatch([1], [6])],
      alloc,
    );
    expect(reads(steps, alloc.names)).toEqual([
      'buffer 1 64 upload',
      'buffer 1 64 reuse',
      'shared 64#0 upload',
      'buffer 1 64 upload',
      'buffer 1 64 reuse',
    ]);
  });

  it('a dispatch writing a view makes the next read of each of its members upload', () => {
    const alloc = allocator();
    const steps = planTextureUploads(
      [dispatch([1, 3], [4]), dispatch([1, 3], [5]), dispatch([6], [100]), dispatch([1, 3], [7])],
      alloc,
    );
    expect(reads(steps, alloc.names)).toEqual([
      'buffer 1 64 upload',
      'buffer 3 64 upload',
      'buffer 1 64 reuse',
      'buffer 3 64 reuse',
      'shared 64#0 upload',
      'shared 64#0 upload',
      'buffer 3 64 reuse',
    ]);
  });

  it('a dispatch writing the buffer it reads in place uploads before and leaves the texture stale after', () => {
    const alloc = allocator();
    const steps = planTextureUploads([dispatch([1], [1]), dispatch([1], [3])], alloc);
    expect(reads(steps, alloc.names).filter((r) => r.endsWith('reuse'))).toEqual([]);
  });

  it('loop bodies always upload, and a loop writing the buffer makes the next read upload', () => {
    const alloc = allocator();
    const loop = (body: Step[]): Step => ({ kind: 'loop', count: 3, reverse: false, body, label: 'loop' });
    const steps = planTextureUploads(
      [
        dispatch([1], [3]),
        loop([dispatch([1], [7]), dispatch([1], [8])]),
        dispatch([1], [4]),
        loop([copy(2, 1)]),
        dispatch([1], [5]),
      ],
      alloc,
    );
    expect(reads(steps, alloc.names)).toEqual([
      'buffer 1 64 upload',
      'loop: shared 64#0 upload',
      'loop: shared 64#0 upload',
      // The loop neither wrote buffer 1 nor used its texture.
      'buffer 1 64 reuse',
      'shared 64#0 upload',
    ]);
  });
});

/**
 * Checks every skipped upload of an entry against a simulation of what each texture
 * holds: an upload fills it with the buffer, a write of the buffer anywhere makes
 * the textures holding it stale, a loop makes everything stale, and loop bodies
 * never skip. The memory plan must keep the buffer live from the upload through
 * the reuse (step numbers as entryLiveness counts them). Returns how many reads reuse.
 */
function checkEntry(plan: Plan, entry: PlanEntry): number {
  const { lifetimes } = entryLiveness(entry, plan.buffers);
  // Texture → the buffer it holds and the step that uploaded it.
  const holds = new Map<number, { buffer: number; at: number }>();
  let reused = 0;
  let at = 0;
  const write = (buffer: number): void => {
    for (const [t, h] of holds) if (h.buffer === buffer) holds.delete(t);
  };
  const visit = (steps: readonly Step[], inLoop: boolean): void => {
    for (const s of steps) {
      const step = at++;
      if (s.kind === 'loop') {
        visit(s.body, true);
        holds.clear();
      } else if (s.kind === 'copy') write(s.dst);
      else {
        for (const t of s.textures ?? []) {
          const buffer = s.bindings[t.binding];
          if (t.upload === false) {
            expect(inLoop, `${entry.name}: a loop body skips an upload`).toBe(false);
            const held = holds.get(t.texture);
            expect(held?.buffer, `${entry.name}: texture ${t.texture} does not hold buffer ${buffer}`).toBe(buffer);
            const life = lifetimes.get(buffer)!;
            expect(
              life.first <= held!.at && life.last >= step,
              `${plan.buffers[buffer].name} is not live from step ${held!.at} to ${step}`,
            ).toBe(true);
            reused++;
          } else holds.set(t.texture, { buffer, at: step });
        }
        for (const w of s.writes) write(w);
      }
    }
  };
  visit(entry.steps, false);
  return reused;
}

function compiled(file: string): Plan {
  const lowered = lowerFile(file);
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  return compileProgram(lowered.program, { family: 'register' }).plan;
}

describe('compiled plans', () => {
  it("mlp's step uploads x once for the forward product and the weight gradient", () => {
    const plan = compiled('bench/models/mlp.dl');
    const step = plan.entries.find((e) => e.name === 'step')!;
    expect(checkEntry(plan, step)).toBeGreaterThanOrEqual(5);
    const x = step.inputs.find((i) => i.name === 'x')!.buffer;
    const xReads: string[] = [];
    const visit = (steps: readonly Step[]): void => {
      for (const s of steps) {
        if (s.kind === 'loop') visit(s.body);
        else if (s.kind === 'dispatch')
          for (const t of s.textures ?? [])
            if (s.bindings[t.binding] === x) xReads.push(t.upload === false ? 'reuse' : 'upload');
      }
    };
    visit(step.steps);
    expect(xReads).toEqual(['upload', 'reuse']);
  });

  it('the bench models and examples (loops included) skip only uploads whose texture still holds the buffer', () => {
    let reused = 0;
    for (const file of [
      'bench/models/rbm.dl',
      'bench/models/lenet.dl',
      'examples/char_rnn.dl',
      'examples/grbm.dl',
      'examples/dae.dl',
    ]) {
      const plan = compiled(file);
      for (const entry of plan.entries) reused += checkEntry(plan, entry);
    }
    expect(reused).toBeGreaterThan(0);
  });
});
