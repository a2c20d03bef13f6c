// Command-line parsing shared by the dlc subcommands (train, eval, sample, ir, and
// compile's -D): long flags with a value (`--steps 10` or `--steps=10`), boolean
// flags, repeatable `-D name=value` hyperparameter overrides, `-O level`, and
// positional FILEs.
// Every mistake is a DlcError with exit code 2 that names the flag.
import { DlcError } from '../../runtime/errors';

export interface FlagSpec {
  /** Flags that take a value. */
  readonly values: readonly string[];
  /** Flags that take none. */
  readonly booleans: readonly string[];
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly booleans: Set<string>;
  readonly defines: Record<string, number | boolean>;
  /** `-O level`, when given. */
  readonly optLevel?: number;
}

export function parseDefine(text: string): [string, number | boolean] {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  if (eq <= 0 || raw === '') throw new DlcError(`-D expects name=value, got '${text}'`, 2);
  if (raw === 'true' || raw === 'false') return [name, raw === 'true'];
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new DlcError(`-D ${name}: '${raw}' is not a number or true/false`, 2);
  return [name, value];
}

function parseOptLevel(text: string): number {
  if (!/^[0-3]$/.test(text)) throw new DlcError(`-O expects a level 0..3, got '${text}'`, 2);
  return Number(text);
}

export function parseArgs(command: string, argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  const defines: Record<string, number | boolean> = {};
  let optLevel: number | undefined;
  const next = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new DlcError(`${flag} needs a value (see 'dlc help ${command}')`, 2);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-D') {
      const [k, v] = parseDefine(next(++i, '-D'));
      defines[k] = v;
    } else if (arg.startsWith('-D')) {
      const [k, v] = parseDefine(arg.slice(2));
      defines[k] = v;
    } else if (arg === '-O') {
      optLevel = parseOptLevel(next(++i, '-O'));
    } else if (/^-O./.test(arg)) {
      optLevel = parseOptLevel(arg.slice(2));
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const flag = eq < 0 ? arg : arg.slice(0, eq);
      const name = flag.slice(2);
      if (spec.values.includes(name)) {
        const v = eq < 0 ? next(++i, flag) : arg.slice(eq + 1);
        if (values.has(name)) throw new DlcError(`${flag} is given twice`, 2);
        values.set(name, v);
      } else if (spec.booleans.includes(name)) {
        if (eq >= 0) throw new DlcError(`${flag} takes no value`, 2);
        booleans.add(name);
      } else {
        throw new DlcError(`unknown option '${flag}' for 'dlc ${command}' (see 'dlc help ${command}')`, 2);
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new DlcError(`unknown option '${arg}' for 'dlc ${command}' (see 'dlc help ${command}')`, 2);
    } else {
      positional.push(arg);
    }
  }
  return optLevel === undefined
    ? { positional, values, booleans, defines }
    : { positional, values, booleans, defines, optLevel };
}

/** A flag's value as an integer ≥ min. */
export function intFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min) {
    throw new DlcError(`--${name} must be an integer ≥ ${min}, got '${raw}'`, 2);
  }
  return v;
}

/** The single FILE argument. */
export function oneFile(command: string, args: ParsedArgs, usage: string): string {
  if (args.positional.length === 0) throw new DlcError(`dlc ${command} needs a FILE\n${usage}`, 2);
  if (args.positional.length > 1)
    throw new DlcError(`dlc ${command} takes one FILE, got ${args.positional.map((p) => `'${p}'`).join(' and ')}`, 2);
  return args.positional[0]!;
}
