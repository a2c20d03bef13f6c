// Runs the built CLI (`node bin/dlc.js ...`, after `npm run build`) as a child
// process and captures what it printed and its exit code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface CliOptions {
  /** Extra environment variables (merged over this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Text written to the command's stdin. */
  readonly input?: string;
  /** Milliseconds before the command is killed (default 120 s). */
  readonly timeoutMs?: number;
}

/** Runs `dlc ARGS...`; throws if the CLI has not been built. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const bundle = join(repoRoot, 'dist', 'dlc.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run 'npm run build' first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'dlc.js'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code: code ?? (signal ? 128 : 1) }));
    child.stdin.end(opts.input ?? '');
  });
}

/** stderr without Dawn's own warning lines (it prints them for every adapter it opens). */
export function dlcStderr(result: CliResult): string {
  return result.stderr
    .split('\n')
    .filter((line) => !/^Warning: |^\s+at operator\(\)|^$/.test(line))
    .join('\n');
}
