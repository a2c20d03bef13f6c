import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkFiles } from '../../compiler/cli/commands/check';
import { formatDiagnostics } from '../../dsl/diagnostics';

const dir = join(__dirname, '../../examples');
const examples = readdirSync(dir).filter((f) => f.endsWith('.dl'));

describe('every example passes dlc check', () => {
  test('there are examples', () => expect(examples.length).toBeGreaterThanOrEqual(8));
  for (const name of examples) {
    test(name, () => {
      const r = checkFiles([join(dir, name)]);
      expect(formatDiagnostics(r.diagnostics, (f) => r.sources.get(f))).toBe('');
      expect(r.ioError).toBe(false);
      expect(r.loads[0]!.program).toBeDefined();
    });
  }
});
