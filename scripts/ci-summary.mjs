// Runs vitest (arguments pass through) with its default reporter plus the JSON one,
// then prints one closing line `N passed, M failed`, the line CI reads. A test file
// that fails to load counts as one failed test. Exits with vitest's exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, 'out', 'vitest-report.json');
mkdirSync(dirname(report), { recursive: true });
rmSync(report, { force: true });

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  for (const file of json.testResults ?? []) {
    const failedInFile = (file.assertionResults ?? []).filter((t) => t.status === 'failed').length;
    if (file.status === 'failed' && failedInFile === 0) failed += 1;
  }
} else {
  failed = 1; // vitest did not even write its report
}
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // vitest failed for a reason outside any test (e.g. an unhandled error)
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(code);
