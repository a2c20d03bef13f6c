// How a training step is timed, the same way for every column: a few warm-up steps
// (shader compilation, allocation), then steps until a time budget or a step count
// is reached; the median, in milliseconds. Each step ends by reading back the loss.

export interface StepRunner {
  /** One full training step; resolves with the loss once it is on the CPU. */
  step(): Promise<number>;
  dispose(): void;
}

export interface StepTiming {
  readonly medianMs: number;
  readonly steps: number;
  readonly lastLoss: number;
}

export async function timeSteps(runner: StepRunner, opts: { warmup?: number; budgetMs?: number; maxSteps?: number; minSteps?: number } = {}): Promise<StepTiming> {
  const { warmup = 2, budgetMs = 8000, maxSteps = 30, minSteps = 3 } = opts;
  let loss = NaN;
  for (let i = 0; i < warmup; i++) loss = await runner.step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxSteps && (times.length < minSteps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    loss = await runner.step();
    times.push(performance.now() - t0);
  }
  if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss}`);
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], steps: times.length, lastLoss: loss };
}
