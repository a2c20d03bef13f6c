// A model's training schedule as the lowering hands it to `dlc train`: the stages
// of its `schedule { ... }` block with every count evaluated (hyperparameters and
// -D overrides applied). runtime/train/stages.ts runs it.
import { parseSchedule, type Schedule } from '../schedule';

export interface StageLength {
  readonly count: number;
  readonly unit: 'epochs' | 'steps';
}

/** `every 3 steps call sync` (with `every`), `at end call sync` (without). */
export interface StageCallPlan {
  readonly entry: string;
  readonly every?: StageLength;
}

export interface StagePlan {
  readonly name: string;
  /** The train entry the stage steps. */
  readonly entry: string;
  readonly length: StageLength;
  readonly data?: string;
  readonly bind?: string;
  /** An `--lr-schedule` spec; linear and cosine without `total` decay over the stage. */
  readonly lrSchedule?: string;
  /** Evaluate after every `evalEvery` epochs or steps (and at the stage's end); null: never. */
  readonly evalEvery: StageLength | null;
  /** `easiest F by ENTRY`: the stage trains on the fraction F of the examples ENTRY scores lowest. */
  readonly easiest?: StageSubsetPlan;
  readonly calls: readonly StageCallPlan[];
}

export interface StageSubsetPlan {
  readonly fraction: number;
  /** The infer entry whose first output scores each example (lower: easier). */
  readonly entry: string;
}

/** How many of `n` examples a stage with `easiest fraction` keeps: ⌈fraction·n⌉, at least one. */
export function subsetSize(fraction: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(fraction * n - 1e-9)));
}

export interface TrainingSchedule {
  readonly stages: readonly StagePlan[];
}

/** The stage's lr schedule over its `steps` steps: linear and cosine default their `total` to the stage's length. */
export function stageLrSchedule(spec: string | undefined, steps: number): Schedule {
  if (spec === undefined) return { kind: 'constant' };
  const decays = /^(linear|cosine)\b/.test(spec) && !/\btotal=/.test(spec);
  if (!decays) return parseSchedule(spec);
  return parseSchedule(`${spec}${spec.includes(':') ? ',' : ':'}total=${Math.max(steps, 1)}`);
}
