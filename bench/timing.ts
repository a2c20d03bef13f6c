// How training steps are timed, the same way for every column of a model. The
// columns are measured interleaved, so that a noisy minute on a shared machine
// slows every column rather than whichever one it lands on:
//   1. warm-up, one runner after another: a first step (shader compilation, jit
//      tracing), a second one timed to spot slow peers, then the rest of the warm-up;
//   2. `rounds` rounds; each round times a short burst of steps of every fast runner
//      in turn, the order rotated by one each round; a burst runs until `burstMs` or
//      `maxSteps`, at least `minSteps`;
//   3. per runner, the median of each burst (the upper one of an even count) and the
//      lowest of those: the best round (other load only ever slows a round down).
// A runner whose second step takes over SLOW_STEP_MS (TF.js CPU on lenet) is timed
// on its second and third steps only and joins no round, so that a run stays within
// a few minutes. Every step ends by reading back the loss.

/** A second step slower than this marks a runner as slow (timed on two steps only). */
export const SLOW_STEP_MS = 2000;

export interface StepRunner {
  /** One full training step; resolves with the loss once it is on the CPU. */
  step(): Promise<number>;
  /**
   * Makes this runner's framework state current before its steps (TF.js's backend,
   * jax-js's default device), since several runners share one process; untimed.
   */
  activate?(): Promise<void> | void;
  /** GPU bytes the framework reports holding after the timed steps, where it reports any. */
  gpuBytes?(): number | null;
  dispose(): void;
}

export interface RoundOptions {
  /** Steps before timing, the first (compilation) and second (slow check) included. */
  readonly warmup: number;
  readonly rounds: number;
  /** A burst runs steps until this many ms have passed (at least minSteps, at most maxSteps). */
  readonly burstMs: number;
  readonly minSteps: number;
  readonly maxSteps: number;
  /** Milliseconds now; performance.now by default (tests pass a fake clock). */
  readonly clock?: () => number;
  /** Called with the runner's key before each burst (tests record the order). */
  readonly onBurst?: (key: string, round: number) => void;
}

export const DEFAULT_ROUNDS: RoundOptions = { warmup: 2, rounds: 5, burstMs: 1200, minSteps: 3, maxSteps: 5 };

export interface ColumnTiming {
  /** The lowest round median in ms (a slow runner: the median of its two timed steps). */
  readonly bestMs: number;
  /** Each round's median, in round order (a slow runner: empty). */
  readonly roundMs: readonly number[];
  readonly steps: number;
  readonly slow: boolean;
  readonly lastLoss: number;
  readonly gpuBytes: number | null;
}

export type ColumnResult = { readonly timing: ColumnTiming } | { readonly error: unknown };

/** The median of `times` (the upper one of an even count). */
export function median(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Live {
  readonly key: string;
  readonly runner: StepRunner;
  slow: boolean;
  steps: number;
  loss: number;
  slowTimes: number[];
  readonly roundMs: number[];
}

async function timedStep(live: Live, now: () => number): Promise<number> {
  const t = now();
  live.loss = await live.runner.step();
  live.steps++;
  return now() - t;
}

/**
 * Warms up every runner of `runners` (keyed by column), then times the fast ones in
 * interleaved rounds (see the header). A runner that throws drops out with its error;
 * the others go on. Runners are not disposed here.
 */
export async function timeInterleaved(
  runners: ReadonlyMap<string, StepRunner>,
  opts: RoundOptions = DEFAULT_ROUNDS,
): Promise<Map<string, ColumnResult>> {
  const now = opts.clock ?? (() => performance.now());
  const results = new Map<string, ColumnResult>();
  const live: Live[] = [];
  const fail = (l: Live, error: unknown) => {
    results.set(l.key, { error });
    live.splice(live.indexOf(l), 1);
  };
  for (const [key, runner] of runners)
    live.push({ key, runner, slow: false, steps: 0, loss: NaN, slowTimes: [], roundMs: [] });

  for (const l of [...live]) {
    try {
      await l.runner.activate?.();
      l.loss = await l.runner.step(); // compiles shaders / traces the jit
      const second = await timedStep(l, now);
      l.slow = second > SLOW_STEP_MS;
      if (l.slow) l.slowTimes = [second, await timedStep(l, now)];
      else for (let i = 2; i < opts.warmup; i++) l.loss = await l.runner.step();
      l.steps = l.slow ? 2 : 0;
    } catch (err) {
      fail(l, err);
    }
  }

  const fast = () => live.filter((l) => !l.slow);
  for (let round = 0; round < opts.rounds; round++) {
    const order = fast();
    for (let k = 0; k < order.length; k++) {
      const l = order[(k + round) % order.length];
      try {
        opts.onBurst?.(l.key, round);
        await l.runner.activate?.();
        const times: number[] = [];
        const start = now();
        while (times.length < opts.maxSteps && (times.length < opts.minSteps || now() - start < opts.burstMs))
          times.push(await timedStep(l, now));
        l.roundMs.push(median(times));
      } catch (err) {
        fail(l, err);
      }
    }
  }

  for (const l of live) {
    try {
      if (!Number.isFinite(l.loss)) throw new Error(`the loss is ${l.loss}`);
      await l.runner.activate?.();
      const bestMs = l.slow ? median(l.slowTimes) : Math.min(...l.roundMs);
      results.set(l.key, {
        timing: {
          bestMs,
          roundMs: l.roundMs,
          steps: l.steps,
          slow: l.slow,
          lastLoss: l.loss,
          gpuBytes: l.runner.gpuBytes?.() ?? null,
        },
      });
    } catch (err) {
      results.set(l.key, { error: err });
    }
  }
  return new Map([...runners.keys()].map((k) => [k, results.get(k)!]));
}
