// bench/timing.ts with fake runners on a fake clock: the columns of a model are
// timed in interleaved rounds (order rotated each round), a slow runner joins no
// round, a failing one drops out alone, and each column reports its best round.
import { describe, expect, it } from 'vitest';
import type { RoundOptions, StepRunner } from '../../bench/timing';
import { median, SLOW_STEP_MS, timeInterleaved } from '../../bench/timing';

/** A runner whose n-th step takes durations[n] ms of the shared fake clock (the last one repeats). */
function fake(clock: { t: number }, durations: number[], log: string[], name: string): StepRunner {
  let n = 0;
  return {
    async step() {
      clock.t += durations[Math.min(n++, durations.length - 1)];
      log.push(name);
      return 1;
    },
    activate() {
      log.push(`activate ${name}`);
    },
    gpuBytes: () => 42,
    dispose() {},
  };
}

const OPTS: Omit<RoundOptions, 'clock'> = { warmup: 2, rounds: 3, burstMs: 1000, minSteps: 3, maxSteps: 3 };

describe('timeInterleaved', () => {
  it('rotates the order of the bursts each round', async () => {
    const clock = { t: 0 };
    const log: string[] = [];
    const bursts: string[] = [];
    const runners = new Map(['a', 'b', 'c'].map((k) => [k, fake(clock, [10], log, k)]));
    await timeInterleaved(runners, { ...OPTS, clock: () => clock.t, onBurst: (k, r) => bursts.push(`${r}:${k}`) });
    expect(bursts).toEqual(['0:a', '0:b', '0:c', '1:b', '1:c', '1:a', '2:c', '2:a', '2:b']);
    // Each burst activates its runner before its steps: warm-up 2 steps each, then 3 per burst.
    const afterWarmup = log.slice(9);
    expect(afterWarmup.slice(0, 8)).toEqual(['activate a', 'a', 'a', 'a', 'activate b', 'b', 'b', 'b']);
  });

  it('reports the lowest round median per column, with every round median', async () => {
    const clock = { t: 0 };
    const log: string[] = [];
    // Two warm-up steps, then rounds of 3 steps: medians 30, 12, 20 → best 12.
    const a = fake(clock, [500, 5, 30, 31, 29, 50, 12, 11, 20, 20, 21], log, 'a');
    const b = fake(clock, [500, 5, 7], log, 'b');
    const out = await timeInterleaved(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      { ...OPTS, clock: () => clock.t },
    );
    const ta = out.get('a')!;
    if (!('timing' in ta)) throw new Error('a failed');
    expect(ta.timing.roundMs).toEqual([30, 12, 20]);
    expect(ta.timing.bestMs).toBe(12);
    expect(ta.timing.steps).toBe(9);
    expect(ta.timing.gpuBytes).toBe(42);
    const tb = out.get('b')!;
    expect('timing' in tb && tb.timing.bestMs).toBe(7);
  });

  it('times a slow runner on its second and third steps only, outside the rounds', async () => {
    const clock = { t: 0 };
    const log: string[] = [];
    const bursts: string[] = [];
    const slow = fake(clock, [9000, SLOW_STEP_MS + 500, SLOW_STEP_MS + 100, 1], log, 'slow');
    const quick = fake(clock, [10], log, 'quick');
    const out = await timeInterleaved(
      new Map([
        ['slow', slow],
        ['quick', quick],
      ]),
      { ...OPTS, clock: () => clock.t, onBurst: (k) => bursts.push(k) },
    );
    expect(bursts).toEqual(['quick', 'quick', 'quick']);
    expect(log.filter((l) => l === 'slow')).toHaveLength(3);
    const t = out.get('slow')!;
    if (!('timing' in t)) throw new Error('slow failed');
    expect(t.timing).toMatchObject({ slow: true, steps: 2, roundMs: [], bestMs: SLOW_STEP_MS + 500 });
  });

  it('drops a runner that throws and keeps timing the others', async () => {
    const clock = { t: 0 };
    const log: string[] = [];
    let n = 0;
    const broken: StepRunner = {
      async step() {
        if (++n > 3) throw new Error('device lost');
        return 1;
      },
      dispose() {},
    };
    const out = await timeInterleaved(
      new Map([
        ['broken', broken],
        ['ok', fake(clock, [10], log, 'ok')],
      ]),
      { ...OPTS, clock: () => clock.t },
    );
    const b = out.get('broken')!;
    expect('error' in b && (b.error as Error).message).toBe('device lost');
    const ok = out.get('ok')!;
    expect('timing' in ok && ok.timing.roundMs).toEqual([10, 10, 10]);
  });

  it('takes the upper median of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([5, 1, 9])).toBe(5);
  });
});
