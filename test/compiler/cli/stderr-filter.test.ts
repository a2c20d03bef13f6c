// Dawn's two native "maxDynamic...artificially reduced" warnings are dropped from the
// CLI's stderr (bin/stderr-filter.js), and nothing else is: other lines, partial lines
// (progress bars) and the exit code pass through.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of bin/, without declarations
import { createStderrFilter } from '../../../bin/stderr-filter.js';
import { runCli } from '../../helpers/cli';

const WARNINGS =
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n' +
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.\n';

function filtered(chunks: readonly string[]): string {
  const filter = createStderrFilter();
  return chunks.map((c) => filter.push(c)).join('') + filter.flush();
}

describe('stderr filter', () => {
  it('drops the warnings, split anywhere, and keeps every other line', () => {
    const text = `before\n${WARNINGS}Warning: something else\nafter`;
    expect(filtered([text])).toBe('before\nWarning: something else\nafter');
    const chars = [...text];
    expect(filtered(chars)).toBe('before\nWarning: something else\nafter');
    expect(filtered([text.slice(0, 30), text.slice(30, 100), text.slice(100)])).toBe(
      'before\nWarning: something else\nafter',
    );
  });

  it('passes a progress line drawn with carriage returns at once', () => {
    const filter = createStderrFilter();
    expect(filter.push('\rstep 1/10')).toBe('\rstep 1/10');
    expect(filter.push('Warn')).toBe('');
    expect(filter.push('ing: disk\n')).toBe('Warning: disk\n');
  });

  it('leaves no Dawn warning in what a CLI command prints', async () => {
    const { stdout, stderr, code } = await runCli(['devices']);
    expect(code).toBe(0);
    expect(stdout).not.toBe('');
    expect(`${stdout}${stderr}`).not.toMatch(/artificially reduced/);
  });

  it('keeps the exit code and the error of a failing command', async () => {
    const { stderr, code } = await runCli(['compile', 'no-such-file.dl', '-o', 'out']);
    expect(code).toBe(2);
    expect(stderr).toBe("dlc: error: cannot read 'no-such-file.dl': no such file\n");
  });
});
