// Value flags as the run*Command options take them: only the flags the command line
// gave become properties (an absent flag leaves its optional property unset), and a
// flag a command cannot do without is a usage error naming it.
import { DlcError } from '../../runtime/errors';
import type { ParsedArgs } from './args';

/** The given flags among `names`, keyed by flag name. */
export function givenValues<K extends string>(args: ParsedArgs, names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = args.values.get(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The value of `--name`, which `dlc command` needs: `dlc eval needs --checkpoint PATH` and the usage otherwise. */
export function requiredValue(
  command: string,
  args: ParsedArgs,
  name: string,
  placeholder: string,
  usage: string,
): string {
  const value = args.values.get(name);
  if (value === undefined) throw new DlcError(`dlc ${command} needs --${name} ${placeholder}\n${usage}`, 2);
  return value;
}
