// How `dlc eval` and `dlc sample` open a trained model: from its checkpoint (which
// may come from another build of the compiler: the note goes to stderr) or from
// weights by name (`--init-from`, one or the other), with the backend and -O level
// only where the command line gave them.
import { DlcError } from '../../../runtime/errors';
import type { ParsedArgs } from '../args';
import { initFromOption, type InitFromOption } from './init-from-option';
import type { OpenOptions } from './open';

export interface CheckpointCommandOptions extends InitFromOption {
  readonly file: string;
  readonly checkpoint?: string;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly optLevel?: number;
  readonly backend?: string;
}

export function checkpointOpenOptions(o: CheckpointCommandOptions, stderr: NodeJS.WritableStream): OpenOptions {
  return {
    file: o.file,
    defines: o.defines,
    ...(o.checkpoint !== undefined ? { checkpoint: o.checkpoint } : {}),
    weightsOnly: (note: string) => stderr.write(`${note}\n`),
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.optLevel !== undefined ? { optLevel: o.optLevel } : {}),
  };
}

/** `--checkpoint PATH` or `--init-from FILE [--init-from-strict]`: exactly one says where the weights come from. */
export function weightsSource(
  command: string,
  args: ParsedArgs,
  usage: string,
): { checkpoint?: string } & InitFromOption {
  const checkpoint = args.values.get('checkpoint');
  const init = initFromOption(args);
  if ((checkpoint === undefined) === (init.initFrom === undefined)) {
    const which = checkpoint === undefined ? 'needs' : 'takes one of';
    throw new DlcError(`dlc ${command} ${which} --checkpoint PATH or --init-from FILE\n${usage}`, 2);
  }
  return checkpoint === undefined ? init : { checkpoint };
}
