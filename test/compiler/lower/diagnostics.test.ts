// Golden files for the type and shape checks: test/compiler/lower/golden/X.dl →
// X.txt, the exact text `dlc check X.dl` prints (every file here has errors the
// front end does not see, so each is caught by the lowering). Refresh with
// UPDATE_GOLDEN=1 and review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkFiles } from '../../../compiler/cli/commands/check';
import { formatDiagnostics } from '../../../dsl/diagnostics';

const root = join(__dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

describe('dlc check: types and shapes', () => {
  for (const name of readdirSync(root).filter((f) => f.endsWith('.dl'))) {
    test(name, () => {
      // Paths relative to the repo root so the text is the same on every machine.
      const path = relative(process.cwd(), join(root, name));
      const r = checkFiles([path]);
      expect(r.loads[0].diagnostics, 'the front end finds nothing; the lowering does').toEqual([]);
      const text = formatDiagnostics(r.diagnostics, (f) => r.sources.get(f));
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.diagnostics.every((d) => d.code !== 'internal-error')).toBe(true);
      const golden = join(root, name.replace(/\.dl$/, '.txt'));
      if (update || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }
});
