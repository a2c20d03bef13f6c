// Prettier wraps code at 120 columns but cannot split string literals, template
// literals or comments; check here that no tracked source line runs past 160
// characters, so a long message or doc string gets split by hand.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX = 160;
const root = join(__dirname, '../..');

function sourceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.mjs', '*.js'], { cwd: root, encoding: 'utf8' });
  return out
    .split('\0')
    .filter((f) => f !== '')
    .filter((f) => !/(^|\/)(golden|fixtures|node_modules|dist)\//.test(f));
}

describe('line length', () => {
  it(`no tracked source line is over ${MAX} characters`, () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(0);
    const long: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(join(root, file), 'utf8');
      } catch {
        continue; // deleted in the working tree but still in the index
      }
      text.split(/\r?\n/).forEach((line, i) => {
        if (line.length > MAX) long.push(`${file}:${i + 1}: ${line.length} characters`);
      });
    }
    expect(long, `lines over ${MAX} characters:\n${long.join('\n')}`).toEqual([]);
  });
});
