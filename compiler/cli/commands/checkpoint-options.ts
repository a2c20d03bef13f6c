// How `dlc eval` and `dlc sample` open a trained model: from its checkpoint (which
// may come from another build of the compiler: the note goes to stderr), with the
// backend and -O level only where the command line gave them.
import type { OpenOptions } from './open';

export interface CheckpointCommandOptions {
  readonly file: string;
  readonly checkpoint: string;
  readonly defines: Readonly<Record<string, number | boolean>>;
  readonly optLevel?: number;
  readonly backend?: string;
}

export function checkpointOpenOptions(o: CheckpointCommandOptions, stderr: NodeJS.WritableStream): OpenOptions {
  return {
    file: o.file,
    defines: o.defines,
    checkpoint: o.checkpoint,
    weightsOnly: (note: string) => stderr.write(`${note}\n`),
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.optLevel !== undefined ? { optLevel: o.optLevel } : {}),
  };
}
