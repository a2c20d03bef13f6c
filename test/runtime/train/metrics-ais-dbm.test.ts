// AIS of a DBM's log Z (examples/dbm.dl's `ais` entry, run by runtime/train/metrics/ais.ts)
// against the exact value of a tiny DBM (10 visible, 6 + 4 hidden), enumerated over the
// 2^6 first-layer vectors with v and h2 summed out (test/helpers/dbm-exact.ts). Fixed
// seed and counters, so each run gives one number; every run must land within
// TOLERANCE nats. As metrics-ais.test.ts does for rbm.dl, in the reference executor
// only: test/examples/zoo-dbm.test.ts checks that the device's `ais` agrees with it.
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../../compiler/cli/commands/load-model';
import type { ModelRunner } from '../../../runtime/train/runner';
import { aisEntry, aisLogZ, baseRates } from '../../../runtime/train/metrics/ais';
import { lowerExample } from '../../examples/zoo-harness';
import type { Dbm } from '../../helpers/dbm-exact';
import { exactLogZ } from '../../helpers/dbm-exact';
import { rng } from '../../helpers/rng';

const NV = 10;
const NH1 = 6;
const NH2 = 4;
/** Nats: 100 chains × 200 temperatures land within 0.06 of the exact 21.402 (measured: 21.397, 21.403, 21.348, 21.439). */
const TOLERANCE = 0.1;

/** Weights of deviation ≈ 1.2, so p(v) is far from the base model. */
function tinyDbm(): Dbm & Record<'W1' | 'W2' | 'a' | 'b1' | 'b2', Float32Array> {
  const next = rng(2024);
  const u = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * (2 * next() - 1));
  return {
    nv: NV,
    nh1: NH1,
    nh2: NH2,
    W1: u(NV * NH1, 2),
    W2: u(NH1 * NH2, 2),
    a: u(NV, 1),
    b1: u(NH1, 1),
    b2: u(NH2, 1),
  };
}

async function tinyRunner(backend: string): Promise<ModelRunner> {
  const program = lowerExample('dbm', { nv: NV, nh1: NH1, nh2: NH2, batch: 4, chains: 100, temps: 200 });
  const runner = await createRunner(program, { backend, seed: 0 });
  const { W1, W2, a, b1, b2 } = tinyDbm();
  runner.load({ ...(await runner.save()), W1, W2, a, b1, b2 });
  return runner;
}

describe('AIS estimate of a DBM log Z', () => {
  const exact = exactLogZ(tinyDbm());
  const base = baseRates(Float32Array.from([1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0]), NV);

  it(`is within ${TOLERANCE} nats of the enumerated value`, async () => {
    const runner = await tinyRunner('reference');
    try {
      const entry = aisEntry(runner.entries)!;
      expect(entry.name).toBe('ais');
      const runs = await aisLogZ(runner, entry, base, 2);
      expect(runs.chains).toBe(100);
      expect(runs.logZ[0]).not.toBe(runs.logZ[1]);
      for (const z of runs.logZ) expect(Math.abs(z - exact), `log Ẑ ${z}, exact ${exact}`).toBeLessThan(TOLERANCE);
    } finally {
      runner.destroy();
    }
  }, 120_000);
});
