// The shape of one `dlc` subcommand. Each lives in its own file under commands/
// and is listed once in commands/index.ts.

export interface Command {
  readonly name: string;
  /** One line for `dlc --help`. */
  readonly summary: string;
  /** The usage block printed by `dlc help NAME` and on usage errors. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
