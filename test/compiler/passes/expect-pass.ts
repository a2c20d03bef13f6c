// IR text in, IR text out: parses `input`, verifies it, runs the pass, verifies the
// result and compares its printed text with `output`. Indentation common to every
// line of a template literal is removed, so tests can indent their IR.
import { expect } from 'vitest';
import '../../../compiler/ops/index';
import { parseGraph } from '../../../compiler/ir/parse';
import { printGraph } from '../../../compiler/ir/print';
import { verifyGraph } from '../../../compiler/ir/verify';
import type { Graph } from '../../../compiler/ir/types';
import type { Pass, PassContext } from '../../../compiler/passes/context';

export const CTX: PassContext = { entry: 'test', level: 1 };

export function ir(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

/** Runs `pass` on the parsed `input`, checks the verifier before and after, and returns the result. */
export function runPass(pass: Pass, input: string): { before: Graph; after: Graph } {
  const before = parseGraph(ir(input));
  verifyGraph(before, { persistent: ['w'] });
  const after = pass(before, CTX);
  verifyGraph(after, { persistent: ['w'] });
  return { before, after };
}

export function expectPass(pass: Pass, input: string, output: string): void {
  const { after } = runPass(pass, input);
  expect(printGraph(after)).toBe(ir(output));
}

/** The pass has nothing to do: it hands back the very same graph object. */
export function expectUnchanged(pass: Pass, input: string): void {
  const { before, after } = runPass(pass, input);
  expect(after).toBe(before);
}
