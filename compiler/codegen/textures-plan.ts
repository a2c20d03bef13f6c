// Which texture each operand-texture read uses, and whether it must upload first.
// A dispatch reading an input through a texture (KernelSpec.textureInputs) needs the
// texture to hold that buffer's current bytes. The executor copies the buffer in
// right before the dispatch unless the binding says `upload: false`, which this pass
// says only where the texture provably holds them already:
//   1. Versions: walking an entry's top-level steps in order, every write of a buffer
//      (a dispatch's `writes`, a copy's `dst`, any write inside a loop; a write of a
//      view writes each of its members) starts a new version of it. A read is
//      (buffer, texels, version).
//   2. A read whose (buffer, texels, version) is read again later gets a texture of
//      its own, keyed by buffer and extent; other reads share textures by extent and
//      input slot (an upload right before each read, so sharing is safe: memory).
//   3. Each texture remembers the read it last received; a read finding its own
//      (buffer, texels, version) there skips the upload. Every entry call starts with
//      all textures stale (inputs are rewritten per call, params between calls).
//   4. Loop bodies always upload, into shared textures; after a loop, every texture
//      its body used is stale and every buffer it writes has a new version.
// The memory planner keeps a buffer live until its last read by buffer id, which
// includes reads whose upload is skipped, so its value is not overwritten before.
import type { Step, TextureBinding } from '../../runtime/plan';

/** The texture allocator of PlanBuilder: shared by extent and slot, or one per buffer and extent. */
export interface TextureAllocator {
  textureFor(texels: number, slot: number): number;
  textureForBuffer(buffer: number, texels: number): number;
  /** The buffers a write of `buffer` writes: itself, and a view's members. */
  writtenWith(buffer: number): readonly number[];
}

/** The texture id of a TextureBinding that EntryBuilder.dispatch made and this pass has not assigned yet. */
export const UNASSIGNED_TEXTURE = -1;

/** The buffers the steps write, loop bodies included. */
function writtenBy(steps: readonly Step[], out = new Set<number>()): Set<number> {
  for (const s of steps) {
    if (s.kind === 'dispatch') for (const w of s.writes) out.add(w);
    else if (s.kind === 'copy') out.add(s.dst);
    else writtenBy(s.body, out);
  }
  return out;
}

/** Buffer versions along an entry's top-level steps (step 1 above). */
class Versions {
  private readonly at = new Map<number, number>();
  constructor(private readonly alloc: TextureAllocator) {}
  key(buffer: number, texels: number): string {
    return `${buffer}:${texels}:${this.at.get(buffer) ?? 0}`;
  }
  bump(buffers: Iterable<number>): void {
    for (const written of buffers)
      for (const b of this.alloc.writtenWith(written)) this.at.set(b, (this.at.get(b) ?? 0) + 1);
  }
  after(step: Step): void {
    if (step.kind === 'dispatch') this.bump(step.writes);
    else if (step.kind === 'copy') this.bump([step.dst]);
    else this.bump(writtenBy(step.body));
  }
}

/** How often each top-level (buffer, texels, version) is read through a texture. */
function countReads(steps: readonly Step[], alloc: TextureAllocator): Map<string, number> {
  const counts = new Map<string, number>();
  const versions = new Versions(alloc);
  for (const s of steps) {
    if (s.kind === 'dispatch') {
      for (const r of s.textures ?? []) {
        const key = versions.key(s.bindings[r.binding], r.texels);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    versions.after(s);
  }
  return counts;
}

/** Shared textures for a loop body's reads, every one uploading; the textures used go to `used`. */
function resolveBody(steps: readonly Step[], alloc: TextureAllocator, used: Set<number>): Step[] {
  return steps.map((s): Step => {
    if (s.kind === 'copy') return s;
    if (s.kind === 'loop') return { ...s, body: resolveBody(s.body, alloc, used) };
    if (!s.textures || s.textures.length === 0) return s;
    const textures = s.textures.map((r, slot): TextureBinding => {
      const texture = alloc.textureFor(r.texels, slot);
      used.add(texture);
      return { binding: r.binding, texture, texels: r.texels };
    });
    return { ...s, textures };
  });
}

/** Assigns every texture read of an entry's steps its texture and says which reads must upload (see above). */
export function planTextureUploads(steps: readonly Step[], alloc: TextureAllocator): Step[] {
  const counts = countReads(steps, alloc);
  const versions = new Versions(alloc);
  // Texture id → the (buffer, texels, version) it holds; absent: stale.
  const holds = new Map<number, string>();
  return steps.map((s): Step => {
    let out: Step;
    if (s.kind === 'copy') out = s;
    else if (s.kind === 'loop') {
      const used = new Set<number>();
      out = { ...s, body: resolveBody(s.body, alloc, used) };
      for (const t of used) holds.delete(t);
    } else {
      if (!s.textures || s.textures.length === 0) out = s;
      else {
        const textures = s.textures.map((r, slot): TextureBinding => {
          const buffer = s.bindings[r.binding];
          const key = versions.key(buffer, r.texels);
          const texture =
            (counts.get(key) ?? 0) >= 2 ? alloc.textureForBuffer(buffer, r.texels) : alloc.textureFor(r.texels, slot);
          const fresh = holds.get(texture) === key;
          holds.set(texture, key);
          return { binding: r.binding, texture, texels: r.texels, ...(fresh ? { upload: false } : {}) };
        });
        out = { ...s, textures };
      }
    }
    versions.after(s);
    return out;
  });
}
