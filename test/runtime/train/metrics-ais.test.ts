// AIS (runtime/train/metrics/ais.ts over examples/rbm.dl's `ais` entry) against the
// exact log Z of a tiny RBM (10 visible × 6 hidden), where
//   log Z = log Σ_h exp(b·h) Π_i (1 + exp(a_i + (W h)_i))
// enumerates the 2^6 hidden vectors. Fixed seed and counters, so each backend gives
// one number; both must be within TOLERANCE nats of the exact value.
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../../compiler/lower/index';
import { createRunner } from '../../../compiler/cli/commands/load-model';
import type { ModelRunner } from '../../../runtime/train/runner';
import { aisEntry, aisLogZ, aisReport, baseRates, logMeanExp } from '../../../runtime/train/metrics/ais';

const NV = 10;
const NH = 6;
/** Nats: 100 chains × 100 temperatures land within 0.05 of the exact 18.429 (measured: 18.408, 18.382). */
const TOLERANCE = 0.1;

/** Weights large enough that p(v) is far from the base model (a fixed LCG, not Math.random). */
function tinyWeights(): { W: Float32Array; a: Float32Array; b: Float32Array } {
  let s = 2024;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return {
    W: Float32Array.from({ length: NV * NH }, () => 2 * next()),
    a: Float32Array.from({ length: NV }, () => next()),
    b: Float32Array.from({ length: NH }, () => next()),
  };
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

function exactLogZ(w: ReturnType<typeof tinyWeights>): number {
  const terms: number[] = [];
  for (let mask = 0; mask < 1 << NH; mask++) {
    let t = 0;
    for (let j = 0; j < NH; j++) if (mask & (1 << j)) t += w.b[j]!;
    for (let i = 0; i < NV; i++) {
      let x = w.a[i]!;
      for (let j = 0; j < NH; j++) if (mask & (1 << j)) x += w.W[i * NH + j]!;
      t += softplus(x);
    }
    terms.push(t);
  }
  return logMeanExp(terms) + Math.log(terms.length);
}

async function tinyRunner(backend: string): Promise<ModelRunner> {
  const lowered = await lowerFile('examples/rbm.dl', {
    defines: { nv: NV, nh: NH, batch: 4, chains: 100, temps: 100 },
  });
  expect(lowered.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const runner = await createRunner(lowered.program!, { backend, seed: 0 });
  runner.load({ ...(await runner.save()), ...tinyWeights() });
  return runner;
}

describe('AIS estimate of log Z', () => {
  const exact = exactLogZ(tinyWeights());
  // A base model that is not the RBM's marginal: AIS has to do the work.
  const base = baseRates(Float32Array.from([1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0]), NV);

  for (const backend of ['reference', 'auto']) {
    it(`is within ${TOLERANCE} nats of the enumerated value (${backend})`, async () => {
      const runner = await tinyRunner(backend);
      try {
        const entry = aisEntry(runner.entries)!;
        expect(entry.name).toBe('ais');
        const runs = await aisLogZ(runner, entry, base, 2);
        expect(runs.chains).toBe(100);
        expect(runs.logZ[0]).not.toBe(runs.logZ[1]);
        for (const z of runs.logZ) expect(Math.abs(z - exact)).toBeLessThan(TOLERANCE);
        const report = aisReport(runs, 0, false);
        expect(report.log_likelihood).toBeCloseTo(-report.log_z, 10);
      } finally {
        runner.destroy();
      }
    }, 120_000);
  }

  it('the base rates are Laplace-smoothed log-odds', () => {
    const r = baseRates(Float32Array.from([1, 0, 1, 1, 1, 0]), 2);
    expect(r[0]).toBeCloseTo(Math.log(4 / 1), 6);
    expect(r[1]).toBeCloseTo(Math.log(2 / 3), 6);
  });
});
