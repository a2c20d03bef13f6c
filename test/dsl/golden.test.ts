// Golden files: test/dsl/golden/ast/X.dl → X.ast (declaration summary with spans)
// and test/dsl/golden/errors/X.dl → X.txt (exact `dlc check` diagnostics; the
// type and shape errors have their own goldens in test/compiler/lower/golden/).
// Refresh with UPDATE_GOLDEN=1 and review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatDiagnostics } from '../../dsl/diagnostics';
import { checkFiles } from '../../compiler/lower/check';
import { parseSource } from '../../dsl/parse';
import { printFile } from './print-ast';

const root = join(__dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

function golden(path: string, actual: string): void {
  if (update || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('source → AST summary', () => {
  for (const name of readdirSync(join(root, 'ast')).filter((f) => f.endsWith('.dl'))) {
    test(name, () => {
      const text = readFileSync(join(root, 'ast', name), 'utf8');
      const r = parseSource(text, name);
      expect(formatDiagnostics(r.diagnostics, text)).toBe('');
      golden(join(root, 'ast', name.replace(/\.dl$/, '.ast')), printFile(r.ast!));
    });
  }
});

describe('source → diagnostics', () => {
  for (const name of readdirSync(join(root, 'errors')).filter((f) => f.endsWith('.dl'))) {
    test(name, () => {
      // Paths relative to the repo root so the text is the same on every machine.
      const path = relative(process.cwd(), join(root, 'errors', name));
      const r = checkFiles([path]);
      const text = formatDiagnostics(r.diagnostics, (f) => r.sources.get(f));
      expect(text).not.toBe('');
      golden(join(root, 'errors', name.replace(/\.dl$/, '.txt')), text);
    });
  }
});
