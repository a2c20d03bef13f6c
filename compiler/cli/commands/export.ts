// `dlc export FILE --checkpoint PATH [--entry NAME] -o model.onnx`: parses the
// arguments and hands over to compiler/export/run-export.ts.
import type { Command } from '../command';
import { oneFile, parseArgs } from '../args';
import { requiredValue } from '../given-flags';
import { DlcError } from '../../../runtime/errors';
import type { StageLowerFn } from '../stages';
import { runExport } from '../../export/run-export';
import type { ExportIO } from '../../export/run-export';

export const EXPORT_USAGE = `usage: dlc export FILE --checkpoint PATH -o OUT.onnx [--entry NAME] [--fixed-batch] [-D name=value]...

Writes an infer entry as a standard ONNX model (opset 18) for ONNX Runtime,
TensorRT or Triton: the entry's graph as lowered (before dlc's fusion), the
checkpoint's params and state as initializers, inputs and outputs named as in
the .dl file. The batch axis is symbolic (N) where it follows the model's
\`batch\` hyperparameter. Ops with no ONNX equivalent (random draws, loops,
custom pools) are refused at their .dl line.

  --checkpoint PATH  the trained weights (required; for the initial weights,
                     save a checkpoint with dlc train --steps 0)
  -o, --out PATH     the .onnx file to write (required)
  --entry NAME       the infer entry (default: predict, or the only infer entry)
  --fixed-batch      keep every shape as lowered (batch = the model's, or -D batch=N)
  -D name=value      override a hyperparameter (as when training)

Exit status: 0 written, 1 the model has errors or ops ONNX cannot express,
2 usage or I/O problem.`;

export function makeExportCommand(lower: StageLowerFn, io: ExportIO = process): Command {
  return {
    name: 'export',
    summary: 'write an infer entry and its trained weights as an ONNX model',
    usage: EXPORT_USAGE,
    async run(argv) {
      try {
        const args = parseArgs('export', argv.map((a) => (a === '-o' ? '--out' : a)), { values: ['checkpoint', 'out', 'entry'], booleans: ['fixed-batch'] });
        const file = oneFile('export', args, EXPORT_USAGE);
        const checkpoint = requiredValue('export', args, 'checkpoint', 'PATH', EXPORT_USAGE);
        const out = requiredValue('export', args, 'out', 'OUT.onnx', EXPORT_USAGE);
        const entry = args.values.get('entry');
        const options = { file, checkpoint, out, fixedBatch: args.booleans.has('fixed-batch'), defines: args.defines };
        return await runExport(lower, entry !== undefined ? { ...options, entry } : options, io);
      } catch (err) {
        if (!(err instanceof DlcError)) throw err;
        io.stderr.write(`dlc: error: ${err.message}\n`);
        return err.exitCode;
      }
    },
  };
}
