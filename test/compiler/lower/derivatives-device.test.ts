// grad, jvp and hvp on the WebGPU device (llvmpipe here): each entry agrees with
// the reference executor run in float32 from the same state, the products taken
// inside a loop body included; and an SGD written with grad and `<-` moves the params
// exactly as `minimize ... with sgd` does, bit for bit.
import { describe, expect, it } from 'vitest';
import { compareEntriesToReference, SEED } from '../../../bench/reference-check';
import type { Feeds } from '../../../bench/reference-check';
import { createRunner } from '../../../compiler/cli/commands/load-model';
import { FEEDS, lowerDerivativesModel } from './derivatives-fixture';

const GPU_FEEDS: Feeds = Object.fromEntries(
  Object.entries(FEEDS).map(([k, t]) => [
    k,
    t.type.dtype === 'i32' ? Int32Array.from(t.data) : Float32Array.from(t.data),
  ]),
);

describe('derivatives as values on the device', () => {
  it('grad, hvp, jvp and the Gauss–Newton product (in and out of loops) match the reference executor', async () => {
    const p = lowerDerivativesModel(`
  infer g(x, y) -> l, gW, gb, gV {
    l = loss(x, y)
    gW, gb, gV = grad(l, [W, b, V])
  }
  infer h(x, y, vW, vb, vV) -> hW, hb, hV {
    hW, hb, hV = hvp(loss(x, y), [W, b, V], [vW, vb, vV])
  }
  infer j(x, vW, vb, vV) -> jz { jz = jvp(z(x), [W, b, V], [vW, vb, vV]) }
  infer gn(x, y, vW, vb, vV) -> gW, gb, gV {
    zz = z(x)
    gW, gb, gV = hvp(mean(cross_entropy(zz, y)), [W, b, V], [vW, vb, vV], gauss_newton = zz)
  }
  infer cg(x, y, vW, vb, vV) -> aW, ab, aV {
    zz = z(x)
    l = mean(cross_entropy(zz, y))
    aW, ab, aV = repeat 3 carry pW = vW, pb = vb, pV = vV {
      hW, hb, hV = hvp(l, [W, b, V], [pW, pb, pV], gauss_newton = zz)
      pW = 0.5 * hW + pW
      pb = 0.5 * hb + pb
      pV = 0.5 * hV + pV
    }
  }
  `);
    const runner = await createRunner(p, { seed: SEED });
    try {
      const { compared, mismatches } = await compareEntriesToReference(p, runner, GPU_FEEDS);
      expect(mismatches).toEqual([]);
      expect(compared).toEqual(['g', 'h', 'j', 'gn', 'cg']);
    } finally {
      runner.destroy();
    }
  });

  it('SGD by hand with grad and <- equals minimize with sgd over four steps, bit for bit', async () => {
    const p = lowerDerivativesModel(`
  train by_hand(x, y) -> l {
    l = loss(x, y)
    gW, gb, gV = grad(l, [W, b, V])
    W <- W - 0.1 * gW
    b <- b - 0.1 * gb
    V <- V - 0.1 * gV
  }
  train by_sgd(x, y) -> l {
    l = loss(x, y)
    minimize l with sgd(lr = 0.1)
  }
  `);
    const params = async (entry: string): Promise<Record<string, number[]>> => {
      const runner = await createRunner(p, { seed: SEED });
      try {
        for (let step = 0; step < 4; step++) await runner.run(entry, { x: GPU_FEEDS.x, y: GPU_FEEDS.y });
        const saved = await runner.save();
        return Object.fromEntries(['W', 'b', 'V'].map((n) => [n, Array.from(saved[n] as Float32Array)]));
      } finally {
        runner.destroy();
      }
    };
    const hand = await params('by_hand');
    const sgd = await params('by_sgd');
    expect(hand).toEqual(sgd);
    const fresh = await createRunner(p, { seed: SEED });
    const start = await fresh.save();
    fresh.destroy();
    expect(hand.W).not.toEqual(Array.from(start.W as Float32Array));
  });
});
