// `dlc eval FILE --checkpoint PATH`: parses the arguments and hands over to compiler/cli/commands/run-eval.ts.
import type { Command } from '../command';
import type { LowerFn } from '../../driver';
import { intFlag, oneFile, parseArgs } from '../args';
import { givenValues } from '../given-flags';
import { weightsSource } from './checkpoint-options';
import { INIT_FROM_FLAGS, INIT_FROM_USAGE } from './init-from-option';
import { runEval } from './run-eval';
import type { CommandIO } from './run-train';

export const EVAL_USAGE = `usage: dlc eval FILE --checkpoint PATH | --init-from FILE [options]

Loads a checkpoint and evaluates the model's infer entry on the test split of the
data it was trained on: test accuracy when the data has labels and the entry returns
[batch,K] scores, else the mean of each output. An entry that returns per-example
free energies as \`energy\` (an RBM's score) also gets pseudo_likelihood: the
stochastic estimate (one random bit flipped per example, seed 0) in nats per
example over the test digits binarised at 0.5. A model with no infer entry (a
language model) gets test_loss: its train entry's loss over the test split with
nothing learned, in striped batches with each state carried from zero when the
checkpoint was trained with --order striped. A checkpoint written by another
build of the compiler is used with a note (resuming training needs the same build).
With --ais N, a model with an AIS entry (a sample entry returning log-weights
\`log_w: f32[chains]\`, as examples/rbm.dl's \`ais\`) also gets its log partition
function log Z and the test log-likelihood in nats per example (the test rows
binarised at 0.5), as the mean and standard deviation over N annealing runs.

  --checkpoint PATH    the checkpoint to evaluate (this or --init-from)
${INIT_FROM_USAGE}
  --entry NAME         the infer entry (default: predict, else score, else the only infer entry)
  --data NAME|DIR      the dataset (default: the one the checkpoint was trained on)
  --bind FIELD=INPUT,… feed dataset field FIELD to model input INPUT
  --ais N              N runs of the model's AIS entry (docs/zoo-generative.md, "AIS")
  --json               print {model, entry, data, step, examples, test_accuracy | test_metrics, ais}
                       (no infer entry: {model, entry, data, step, order, test_loss})
  -D name=value        override a hyperparameter (as when training)
  -O LEVEL             optimisation level (as when training)
  --backend B          auto | vulkan | metal | d3d12 | opengles | reference`;

export function makeEvalCommand(
  lower: LowerFn,
  io: CommandIO = { stdout: process.stdout, stderr: process.stderr },
): Command {
  return {
    name: 'eval',
    summary: 'evaluate a checkpoint on the test split (accuracy or metrics)',
    usage: EVAL_USAGE,
    run(argv) {
      const args = parseArgs('eval', argv, {
        values: ['checkpoint', 'entry', 'data', 'bind', 'backend', 'ais', ...INIT_FROM_FLAGS.values],
        booleans: ['json', ...INIT_FROM_FLAGS.booleans],
      });
      const file = oneFile('eval', args, EVAL_USAGE);
      return runEval(
        lower,
        {
          file,
          ...weightsSource('eval', args, EVAL_USAGE),
          ...givenValues(args, ['entry', 'data', 'bind', 'backend']),
          json: args.booleans.has('json'),
          aisRuns: intFlag(args, 'ais', 1) ?? 0,
          defines: args.defines,
          ...(args.optLevel !== undefined ? { optLevel: args.optLevel } : {}),
        },
        io,
      );
    },
  };
}
