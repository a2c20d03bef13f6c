#!/usr/bin/env node
// The `dlc` command. The CLI is bundled by `npm run build` (run by `npm install`
// through `prepare`); when the bundle is missing we build it first. The CLI runs in a
// child process whose stderr is filtered (bin/stderr-filter.js: Dawn's native
// warnings); the child is told whether our stderr is a terminal, for progress bars.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { createStderrFilter } from './stderr-filter.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'dlc.js');
const CHILD = 'DLC_STDERR_FILTERED';

if (process.env[CHILD]) {
  // In the child: stderr is our parent's pipe; it stands for a terminal when the parent's is one.
  const columns = Number(process.env[CHILD]);
  if (columns > 0) Object.assign(process.stderr, { isTTY: true, columns, rows: 24 });
  delete process.env[CHILD];
  await import(bundle);
} else {
  if (!existsSync(bundle)) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  }
  const tty = process.stderr.isTTY ? String(process.stderr.columns || 80) : '0';
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: ['inherit', 'inherit', 'pipe'],
      env: { ...process.env, [CHILD]: tty },
    },
  );
  const filter = createStderrFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => process.stderr.write(filter.push(chunk)));
  child.stderr.on('end', () => process.stderr.write(filter.flush()));
  // A signal goes on to the child (Ctrl-C reaches it anyway); we exit as the child did.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => {
    if (!signal) return void (process.exitCode = code ?? 1);
    for (const s of signals) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
}
