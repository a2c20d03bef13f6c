// The full training run of each example: the `dlc train` arguments meant to reach
// the quality bars.
import { MNIST_TRAIN_COUNT } from '../../runtime/data/mnist';

export interface Recipe {
  readonly name: string;
  readonly file: string;
  /** `--entry` when the model has several train entries. */
  readonly entry?: string;
  readonly epochs: number;
  readonly batch: number;
  /** Steps per epoch × epochs, for schedules that end with the run. */
  readonly schedule?: (totalSteps: number) => string;
  /** `--data` when not the default for the model's inputs. */
  readonly data?: string;
  /** `-D NAME=VALUE` overrides of the model's hyperparameters. */
  readonly defines?: Readonly<Record<string, number>>;
  /** The test accuracy the issue asks for (0: no bar). */
  readonly bar: number;
  /**
   * A model with a schedule gives no --epochs: its stage lengths are these
   * hyperparameters (in epochs, or steps for a stage without data), set with -D; a
   * quick check's --epochs N sets each to N.
   */
  readonly stageLengths?: Readonly<Record<string, number>>;
  /** `--stage`: run one stage of the model's schedule. */
  readonly stage?: string;
}

const mnistSteps = (batch: number): number => Math.floor(MNIST_TRAIN_COUNT / batch);
const cosine = (total: number): string => `cosine:total=${total}`;
const DBN_EPOCHS = { pre_epochs: 3, fine_epochs: 12 };
const DBM_EPOCHS = { pre_epochs: 1, epochs: 2 };

export const RECIPES: readonly Recipe[] = [
  // Hinton et al. 2012 recipe; cosine decay to 0 over the run (the PyTorch calibration run reached 96.9% after 30 constant-lr epochs).
  { name: 'mnist_mlp', file: 'examples/mnist_mlp.dl', epochs: 50, batch: 128, schedule: cosine, bar: 0.97 },
  { name: 'mnist_maxout', file: 'examples/mnist_maxout.dl', epochs: 50, batch: 128, schedule: cosine, bar: 0.97 },
  // The baseline: plain sigmoid units, no dropout, constant learning rate.
  { name: 'mnist_sigmoid', file: 'examples/mnist_sigmoid.dl', epochs: 30, batch: 128, bar: 0 },
  { name: 'lenet', file: 'examples/lenet.dl', epochs: 20, batch: 64, schedule: cosine, bar: 0.98 },
  // CD-1 with lr 0.1 for 15 epochs, as the deeplearning.net RBM tutorial.
  { name: 'rbm', file: 'examples/rbm.dl', entry: 'cd', epochs: 15, batch: 20, bar: 0 },
  { name: 'grbm', file: 'examples/grbm.dl', entry: 'cd', epochs: 15, batch: 20, data: 'mnist-standardized', bar: 0 },
  // PCD with visibles of deviation 0.5 (docs/zoo-generative.md: why unit variance gives no digits).
  {
    name: 'grbm_pcd',
    file: 'examples/grbm.dl',
    entry: 'pcd',
    defines: { sigma: 0.5 },
    epochs: 4,
    batch: 20,
    data: 'mnist-standardized',
    bar: 0,
  },
  { name: 'dae', file: 'examples/dae.dl', epochs: 15, batch: 20, bar: 0 },
  { name: 'sparse_ae', file: 'examples/sparse_ae.dl', epochs: 10, batch: 64, bar: 0 },
  { name: 'cae', file: 'examples/cae.dl', epochs: 20, batch: 64, bar: 0 },
  { name: 'char_rnn', file: 'examples/char_rnn.dl', epochs: 1, batch: 32, bar: 0 },
  // Second-order methods written with grad and hvp as values: one batch of 1000 per step, 8 steps per epoch.
  { name: 'lbfgs', file: 'examples/lbfgs.dl', entry: 'step', epochs: 25, batch: 1000, bar: 0.96 },
  // Their baseline: the same net and objective by SGD with momentum, batch 100.
  {
    name: 'lbfgs_momentum',
    file: 'examples/lbfgs.dl',
    entry: 'momentum',
    defines: { batch: 100 },
    epochs: 20,
    batch: 100,
    bar: 0.96,
  },
  { name: 'hessian_free', file: 'examples/hessian_free.dl', epochs: 8, batch: 1000, bar: 0.96 },
  // Greedy CD-1 pretraining of two RBMs, then fine-tuning under a cosine decay: the schedule in the file.
  { name: 'dbn', file: 'examples/dbn.dl', epochs: 0, batch: 64, bar: 0.975, stageLengths: DBN_EPOCHS },
  // DBM: doubled-input RBM pretraining of both layers, then mean-field + PCD, one schedule.
  { name: 'dbm', file: 'examples/dbm.dl', epochs: 0, batch: 100, bar: 0, stageLengths: DBM_EPOCHS },
  // The same net and fine-tuning from random init: the schedule's last stage alone.
  {
    name: 'dbn_random',
    file: 'examples/dbn.dl',
    epochs: 0,
    batch: 64,
    bar: 0.975,
    stageLengths: DBN_EPOCHS,
    stage: 'finetune',
  },
  // DQN on Catch, no data: 2000 ε-greedy steps of 32 games, the target synced every 50, greedy games every 500.
  { name: 'dqn_catch', file: 'examples/dqn_catch.dl', epochs: 0, batch: 1, bar: 0, stageLengths: { steps: 2000 } },
];

/** Training steps per epoch on the dataset the recipe uses (only MNIST recipes have schedules). */
export function totalSteps(recipe: Recipe, epochs: number): number {
  return mnistSteps(recipe.batch) * epochs;
}

/**
 * The `dlc train` arguments of a recipe's run of `epochs` epochs, saving to `checkpoint`;
 * for a scheduled recipe, `epochs` overrides every stage length when given.
 */
export function recipeArgs(recipe: Recipe, epochs: number | undefined, checkpoint: string): string[] {
  if (recipe.stageLengths) {
    const lengths = Object.entries(recipe.stageLengths).flatMap(([k, v]) => ['-D', `${k}=${epochs ?? v}`]);
    const stage = recipe.stage !== undefined ? ['--stage', recipe.stage] : [];
    return [recipe.file, '--json', '--seed', '0', ...lengths, ...stage, '--checkpoint', checkpoint];
  }
  epochs ??= recipe.epochs;
  const args = [recipe.file, '--json', '--seed', '0', '--epochs', String(epochs), '--checkpoint', checkpoint];
  if (recipe.entry !== undefined) args.push('--entry', recipe.entry);
  if (recipe.schedule) args.push('--lr-schedule', recipe.schedule(totalSteps(recipe, epochs)));
  if (recipe.data !== undefined) args.push('--data', recipe.data);
  for (const [k, v] of Object.entries(recipe.defines ?? {})) args.push('-D', `${k}=${v}`);
  return args;
}
