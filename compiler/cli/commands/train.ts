// `dlc train FILE ...`: parses the arguments and hands over to compiler/cli/commands/run-train.ts.
import { DATA_ORDERS, type DataOrder } from '../../../runtime/data/batches';
import { DlcError } from '../../../runtime/errors';
import type { Command } from '../command';
import type { LowerFn } from '../../driver';
import { intFlag, oneFile, parseArgs } from '../args';
import { givenValues } from '../given-flags';
import { parseTexturesFlag } from '../textures-flag';
import { parseSparseUpdatesFlag, SPARSE_UPDATES_USAGE } from '../sparse-updates-flag';
import { runTrain, type CommandIO } from './run-train';
import { dlcVersion } from '../version';
import { INIT_FROM_FLAGS, INIT_FROM_USAGE, initFromOption } from './init-from-option';
import { parseAugmentFlag } from './augment-option';

export const TRAIN_USAGE = `usage: dlc train FILE [options]

Trains a model on a dataset: shuffled full batches through the train entry, test
evaluation after every epoch, checkpoints, and a progress bar. A model with a
\`schedule { ... }\` runs its stages in order (docs/language.md "Training schedules").

  --entry NAME         the train entry (default: the model's only train entry, or 'step');
                       with a schedule, trains this one entry instead of the stages
  --stage NAME         run only this stage of the model's schedule
  --data NAME|DIR      mnist, mnist-standardized (each pixel at train mean 0, deviation
                       1), mnist-patches (whitened 8×8 patches of the digits, field x),
                       moby-dick, moby-dick-words (windows of W words of its 5,000
                       most frequent, id = frequency rank, for an i32[batch,W] input),
                       bool-trees (AND/OR expression trees of 2-16 leaves,
                       runtime/data/trees.ts), or a folder of FIELD.npy files (DIR/train and
                       DIR/test, or one folder split 80/20). Default: mnist when the
                       train entry's inputs look like MNIST (one f32[batch,784] or
                       f32[batch,1,28,28] input and at most one i32[batch] label
                       input), moby-dick when its only input is i32[batch,T]
  --bind FIELD=INPUT,… feed dataset field FIELD to model input INPUT. Without it an
                       input takes the field of its name, else the only unused field
                       of its dtype and example size (mnist's x feeds an RBM's v0), and
                       a token dataset's x feeds a model's single token input
  --epochs N           train until N epochs are done (default 1)
  --order O            shuffled (default; a new order every epoch), sequential (stored
                       order: store a curriculum easy to hard), or striped (batch row r
                       reads its own contiguous stream, for state carried across steps)
  --augment shift:N    move each training image by a random whole-pixel offset in
                       [-N, N] along each axis, drawn afresh per example and epoch
                       (zeros fill in; image datasets such as mnist; every stage of a
                       schedule that has data; the test split is never augmented)
  --steps N            train until step N (steps counted from the first run; with a
                       schedule, counted over all its stages)
                       (a train entry with no inputs trains without data: give --steps)
  --seed S             seed of initializers, random ops and data order (default 0)
  --checkpoint PATH    save a checkpoint (safetensors) at the end, PATH.prev keeps the last
  --resume             continue from --checkpoint (same result as one long run)
${INIT_FROM_USAGE}
  --every N            also save every N steps
  --lr-schedule SPEC   constant | step:every=N,gamma=G | exp:gamma=G |
                       linear:total=T[,warmup=W][,final=F] | cosine:total=T[,…]
                       scaling the entry's lr and its param groups' (no recompile)
  --loss-every N       read the loss back every N steps (default 10; each read syncs)
  --max-bad K          stop after K non-finite losses in a row (default 5)
  --plots DIR          write loss.png (recon.png for a train entry with a recon output),
                       accuracy.png and filters.png after every epoch
  --json               one JSON object per epoch ({epoch, step, loss, test_accuracy or
                       test_loss and test_metrics, skipped, seconds}) and a last one with "final": true; loss is the
                       mean of the values read, seconds the epoch's (the run's, at the end)
  --check-numerics     check every kernel's output for NaN/Inf and stop at the first,
                       naming the kernel and its .dl line (slow)
  -D name=value        override a hyperparameter (repeatable)
  -O LEVEL             optimisation level 0, 1 or 2 (default 2; a checkpoint is tied to it)
  --backend B          auto | vulkan | metal | d3d12 | opengles | reference
  --textures on|off    operand textures: kernels read big operands through
                       rgba32float textures (default: on for the register family,
                       which dlc picks on CPU adapters such as llvmpipe)
${SPARSE_UPDATES_USAGE}

Batches: each epoch visits the training examples in a seeded shuffle, in full
batches (the batch size is the model's); the last partial batch is dropped.
A step whose loss (or, after a bad step, whose update) is NaN or ±Inf is undone and
counted; after --max-bad such steps in a row training stops, keeping the last good
weights. NaN weights are never saved.

Evaluation uses the infer entry (predict, or the only one) over the test split in
batches, the last one padded with zero rows that are not counted; test_accuracy is
the argmax of a [batch,K] output against the labels. A model without one gets
test_loss: the train entry's loss over the test split's full batches, with the
weights put back after each (nothing is learned from the test split).`;

export function makeTrainCommand(
  lower: LowerFn,
  io: CommandIO = { stdout: process.stdout, stderr: process.stderr },
): Command {
  return {
    name: 'train',
    summary: 'train a model on a dataset (progress, evaluation, checkpoints, plots)',
    usage: TRAIN_USAGE,
    run(argv) {
      const args = parseArgs('train', argv, {
        values: [
          ...['entry', 'data', 'bind', 'epochs', 'steps', 'seed', 'checkpoint', 'every', 'plots', 'lr-schedule'],
          ...['loss-every', 'max-bad', 'backend', 'textures', 'order', 'augment', 'stage', 'sparse-updates'],
          ...INIT_FROM_FLAGS.values,
        ],
        booleans: ['resume', 'json', 'check-numerics', ...INIT_FROM_FLAGS.booleans],
      });
      const get = (k: string) => args.values.get(k);
      const epochs = intFlag(args, 'epochs', 1);
      const steps = intFlag(args, 'steps', 1);
      const seed = intFlag(args, 'seed', 0);
      const every = intFlag(args, 'every', 1);
      const textures = parseTexturesFlag(args.values.get('textures'));
      const sparseUpdates = parseSparseUpdatesFlag(args.values.get('sparse-updates'));
      const order = parseOrderFlag(get('order'));
      const augment = parseAugmentFlag(get('augment'));
      return runTrain(
        lower,
        {
          file: oneFile('train', args, TRAIN_USAGE),
          ...givenValues(args, ['entry', 'data', 'bind', 'checkpoint', 'plots', 'backend', 'stage']),
          ...(epochs !== undefined ? { epochs } : {}),
          ...(steps !== undefined ? { steps } : {}),
          ...(seed !== undefined ? { seed } : {}),
          resume: args.booleans.has('resume'),
          ...initFromOption(args),
          ...(every !== undefined ? { every } : {}),
          json: args.booleans.has('json'),
          ...(get('lr-schedule') !== undefined ? { lrSchedule: get('lr-schedule')! } : {}),
          checkNumerics: args.booleans.has('check-numerics'),
          defines: args.defines,
          ...(args.optLevel !== undefined ? { optLevel: args.optLevel } : {}),
          ...(textures !== undefined ? { textures } : {}),
          ...(sparseUpdates !== undefined ? { sparseUpdates } : {}),
          ...(order !== undefined ? { order } : {}),
          ...(augment !== undefined ? { augment } : {}),
          lossEvery: intFlag(args, 'loss-every', 1) ?? 10,
          maxBad: intFlag(args, 'max-bad', 1) ?? 5,
          dlcVersion: dlcVersion(),
        },
        io,
      );
    },
  };
}

function parseOrderFlag(raw: string | undefined): DataOrder | undefined {
  if (raw === undefined) return undefined;
  if ((DATA_ORDERS as readonly string[]).includes(raw)) return raw as DataOrder;
  throw new DlcError(`--order must be one of ${DATA_ORDERS.join(', ')}, got '${raw}'`, 2);
}
