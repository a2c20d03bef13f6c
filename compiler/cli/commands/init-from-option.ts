// `--init-from FILE [--init-from-strict]` as train, eval and sample take it: the
// file is read before the device starts (a missing file is a usage error), and
// loaded into the runner's params once it exists, with a report of what was loaded.
import { readFileSync } from 'node:fs';
import { DlcError } from '../../../runtime/errors';
import { describeInitFrom, initFrom } from '../../../runtime/train/init-from';
import type { ModelRunner } from '../../../runtime/train/runner';
import type { ParsedArgs } from '../args';

export const INIT_FROM_FLAGS = { values: ['init-from'], booleans: ['init-from-strict'] } as const;

export const INIT_FROM_USAGE = `  --init-from FILE     start the params from the tensors of the same names in FILE (a
                       dlc checkpoint of another model, or any safetensors file such as
                       a converted PyTorch state_dict); each must have the param's
                       dtype and shape. Params FILE lacks keep their initializers;
                       state and optimizer slots start afresh. Prints what it loaded
  --init-from-strict   with --init-from: every param must be in FILE`;

export interface InitFromOption {
  readonly initFrom?: string;
  readonly initFromStrict?: boolean;
}

export function initFromOption(args: ParsedArgs): InitFromOption {
  const initFrom = args.values.get('init-from');
  const strict = args.booleans.has('init-from-strict');
  if (strict && initFrom === undefined) throw new DlcError('--init-from-strict needs --init-from FILE', 2);
  return initFrom === undefined ? {} : { initFrom, initFromStrict: strict };
}

/** The file's bytes, read early so that a missing file stops the command before the device starts. */
export function readInitFrom(o: InitFromOption): Uint8Array | undefined {
  if (o.initFrom === undefined) return undefined;
  try {
    return readFileSync(o.initFrom);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new DlcError(`--init-from: cannot read ${o.initFrom}: ${reason}`, 2);
  }
}

/** Loads the params and writes the report to `out`. */
export async function applyInitFrom(
  runner: ModelRunner,
  o: InitFromOption,
  bytes: Uint8Array | undefined,
  out: NodeJS.WritableStream,
): Promise<void> {
  if (o.initFrom === undefined || bytes === undefined) return;
  out.write(describeInitFrom(o.initFrom, await initFrom(runner, bytes, o.initFrom, o.initFromStrict === true)));
}
