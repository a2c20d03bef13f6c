// `dlc check FILE...`: parses, resolves and type/shape-checks each file (the
// lowering of compiler/lower, compiler/lower/check.ts), prints diagnostics to stderr.
// Exit 0 when clean, 1 when any file has errors, 2 for usage or I/O problems.
import type { Command } from '../command';
import { formatDiagnostic } from '../../../dsl/diagnostics';
import { checkFiles } from '../../lower/check';

const usage = `usage: dlc check FILE...

Parses and checks each .dl file (syntax, names, calls, then the types and
shapes of every model, as dlc compile elaborates them) and prints every
diagnostic to stderr. Exit status: 0 clean, 1 errors, 2 usage or I/O problem.`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'check .dl files for errors',
  usage,
  async run(argv) {
    if (argv.length === 0 || argv.some((a) => a.startsWith('-'))) {
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    const r = checkFiles(argv);
    for (const load of r.loads) if (load.ioMessage) process.stderr.write(`dlc: error: ${load.ioMessage}\n`);
    const lookup = (f: string) => r.sources.get(f);
    for (const d of r.diagnostics) process.stderr.write(`${formatDiagnostic(d, lookup)}\n`);
    if (r.ioError) return 2;
    return r.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
  },
};
