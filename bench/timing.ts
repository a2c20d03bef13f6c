// How a training step is timed, the same way for every column: a few warm-up steps
// (shader compilation, allocation), then steps until a time budget or a step count
// is reached; the median (the upper one of an even count), in milliseconds. Each
// step ends by reading back the loss.

/** A first step slower than this marks a peer as slow (see timeSteps). */
const SLOW_STEP_MS = 2000;

export interface StepRunner {
  /** One full training step; resolves with the loss once it is on the CPU. */
  step(): Promise<number>;
  /** GPU bytes the framework reports holding after the timed steps, where it reports any. */
  gpuBytes?(): number | null;
  dispose(): void;
}

export interface StepTiming {
  readonly medianMs: number;
  readonly steps: number;
  readonly lastLoss: number;
  readonly gpuBytes: number | null;
}

export async function timeSteps(runner: StepRunner, opts: { warmup?: number; budgetMs?: number; maxSteps?: number; minSteps?: number } = {}): Promise<StepTiming> {
  const { warmup = 2, budgetMs = 8000, maxSteps = 30 } = opts;
  let { minSteps = 3 } = opts;
  let loss = await runner.step(); // compiles shaders / traces the jit
  const t0 = performance.now();
  loss = await runner.step();
  const second = performance.now() - t0;
  // A peer taking seconds per step (TF.js CPU on lenet) is timed on its second and
  // third steps only, so that a whole run stays within a few minutes.
  const slow = second > SLOW_STEP_MS;
  const times: number[] = slow ? [second] : [];
  if (slow) minSteps = 2;
  for (let i = 2; !slow && i < warmup; i++) loss = await runner.step();
  const start = performance.now();
  while (times.length < maxSteps && (times.length < minSteps || (!slow && performance.now() - start < budgetMs))) {
    const t = performance.now();
    loss = await runner.step();
    times.push(performance.now() - t);
  }
  if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss}`);
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], steps: times.length, lastLoss: loss, gpuBytes: runner.gpuBytes?.() ?? null };
}
