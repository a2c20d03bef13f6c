// `dlc export FILE --checkpoint PATH [--entry NAME] -o model.onnx`: parses the
// arguments and hands over to ./run-export.ts.
import type { Command } from '../command';
import { givenValues, requiredValue } from '../given-flags';
import { intFlag, oneFile, parseArgs } from '../args';
import { DlcError } from '../../../runtime/errors';
import type { LowerFn } from '../../driver';
import { runExport } from './run-export';
import type { ExportIO, ExportOptions } from './run-export';

export const EXPORT_USAGE = `usage: dlc export FILE [--checkpoint PATH | --seed S] -o OUT.onnx [--entry NAME]
                  [--fixed-batch] [-D name=value]...

Writes an infer entry as a standard ONNX model (opset 18) for ONNX Runtime,
TensorRT or Triton: the entry's graph as lowered (before dlc's fusion), the
checkpoint's params and state as initializers, inputs and outputs named as in
the .dl file. The batch axis is symbolic (N) where it follows the model's
\`batch\` hyperparameter. Ops with no ONNX equivalent (random draws, loops,
custom pools) are refused at their .dl line.

  --checkpoint PATH  the trained weights (a checkpoint from dlc train)
  --seed S           without --checkpoint: the initial weights dlc train --seed S
                     starts from (default 0), for checking a model's structure
  -o, --out PATH     the .onnx file to write (required)
  --entry NAME       the infer entry (default: predict, else score, else the only one)
  --fixed-batch      keep every shape as lowered (batch = the model's, or -D batch=N)
  -D name=value      override a hyperparameter (as when training)

Exit status: 0 written, 1 the model has errors or ops ONNX cannot express,
2 usage or I/O problem.`;

export function makeExportCommand(lower: LowerFn, io: ExportIO = process): Command {
  return {
    name: 'export',
    summary: 'write an infer entry and its trained weights as an ONNX model',
    usage: EXPORT_USAGE,
    async run(argv) {
      try {
        const args = parseArgs(
          'export',
          argv.map((a) => (a === '-o' ? '--out' : a)),
          {
            values: ['checkpoint', 'seed', 'out', 'entry'],
            booleans: ['fixed-batch'],
          },
        );
        const file = oneFile('export', args, EXPORT_USAGE);
        const out = requiredValue('export', args, 'out', 'OUT.onnx', EXPORT_USAGE);
        const seed = intFlag(args, 'seed', 0);
        if (seed !== undefined && args.values.has('checkpoint')) {
          throw new DlcError('--seed picks initial weights; a --checkpoint has its own (give one of them)', 2);
        }
        const options: ExportOptions = {
          file,
          out,
          fixedBatch: args.booleans.has('fixed-batch'),
          defines: args.defines,
          ...givenValues(args, ['checkpoint', 'entry']),
          ...(seed !== undefined ? { seed } : {}),
        };
        return await runExport(lower, options, io);
      } catch (err) {
        if (!(err instanceof DlcError)) throw err;
        io.stderr.write(`dlc: error: ${err.message}\n`);
        return err.exitCode;
      }
    },
  };
}
