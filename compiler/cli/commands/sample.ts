// `dlc sample FILE --checkpoint PATH`: parses the arguments and hands over to compiler/cli/commands/run-sample.ts.
import { DlcError } from '../../../runtime/errors';
import type { Command } from '../command';
import type { LowerFn } from '../../driver';
import { oneFile, parseArgs } from '../args';
import { givenValues } from '../given-flags';
import { weightsSource } from './checkpoint-options';
import { INIT_FROM_FLAGS, INIT_FROM_USAGE } from './init-from-option';
import { runSampleCommand } from './run-sample';
import type { CommandIO } from './run-train';

export const SAMPLE_USAGE = `usage: dlc sample FILE --checkpoint PATH | --init-from FILE [options]

Loads a checkpoint and runs a sample entry. Image outputs (last dimension 784, or
[...,1,28,28]) become a PNG grid; integer token outputs become text through the
vocabulary of the corpus the model was trained on. An entry whose inputs are all
float (a chain's start, as an RBM's dream(v0)) gets the first test examples of the
training data (with --init-from: of --data, else MNIST for a digit-shaped input);
samples of a standardised dataset are mapped back to pixel values.

  --checkpoint PATH    the trained weights (this or --init-from)
${INIT_FROM_USAGE}
  --entry NAME         the sample entry (default: the model's only sample entry)
  --out FILE.png|.txt  where to write (default: MODEL-ENTRY.png for images, stdout for text)
  --output NAME        which output of the entry to show (default: the first that fits)
  --scale N            draw each image value as an N×N block of pixels (default 2)
  --prime TEXT         text fed to the entry's integer inputs (token models)
  --data NAME          the dataset that starts chains / decodes tokens (default: the training data)
  -D name=value        override a hyperparameter (as when training)
  -O LEVEL             optimisation level (as when training)
  --backend B          auto | vulkan | metal | d3d12 | opengles | reference`;

export function makeSampleCommand(
  lower: LowerFn,
  io: CommandIO = { stdout: process.stdout, stderr: process.stderr },
): Command {
  return {
    name: 'sample',
    summary: 'run a sample entry from a checkpoint (PNG grid or text)',
    usage: SAMPLE_USAGE,
    run(argv) {
      const args = parseArgs('sample', argv, {
        values: [
          'checkpoint',
          'entry',
          'out',
          'output',
          'scale',
          'prime',
          'data',
          'backend',
          ...INIT_FROM_FLAGS.values,
        ],
        booleans: [...INIT_FROM_FLAGS.booleans],
      });
      const file = oneFile('sample', args, SAMPLE_USAGE);
      return runSampleCommand(
        lower,
        {
          file,
          ...weightsSource('sample', args, SAMPLE_USAGE),
          ...givenValues(args, ['entry', 'out', 'output', 'prime', 'data', 'backend']),
          ...(args.values.has('scale') ? { scale: pixelScale(args.values.get('scale')!) } : {}),
          defines: args.defines,
          ...(args.optLevel !== undefined ? { optLevel: args.optLevel } : {}),
        },
        io,
      );
    },
  };
}

/** `--scale N`: a whole number of pixels per image value, 1 to 32. */
function pixelScale(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new DlcError(`--scale must be a whole number from 1 to 32, got '${text}'`, 2);
  return n;
}
