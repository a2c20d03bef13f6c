// Entry point of the `dlc` command: dispatches to a subcommand and turns every
// failure into a message without a stack trace.
import { DlcError } from '../../runtime/errors';
import { commands } from './commands/index';

function printHelp(): void {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  process.stdout.write(
    `usage: dlc <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'dlc help <command>' for a command's options.\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    if (topic) process.stdout.write(topic.usage + '\n');
    else printHelp();
    return 0;
  }
  if (name === '--version') {
    process.stdout.write(`${DLC_VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`dlc: unknown command '${name}' (commands: ${commands.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  return command.run(rest);
}

declare const DLC_VERSION: string;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof DlcError) {
      process.stderr.write(`dlc: error: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const where = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `dlc: internal error: ${where}\n(this is a bug in dlc; set DLC_DEBUG=1 for the stack trace)\n`,
    );
    if (process.env.DLC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 3;
  },
);
