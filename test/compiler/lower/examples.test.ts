import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../../compiler/lower/index';
import { verifyGraph } from '../../../compiler/ir/verify';
import { printGraph } from '../../../compiler/ir/print';

describe('lowering the examples', () => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.dl'));

  it.each(files)('%s lowers to verified graphs', (file) => {
    const r = lowerFile(`examples/${file}`);
    expect(
      r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.span.line}:${d.span.col} ${d.message}`),
    ).toEqual([]);
    // An update entry may write a tensor it never reads (dqn_catch's `t1 <- q1`): the program's persistent tensors.
    const persistent = r.program!.persistent.map((p) => p.name);
    for (const e of r.program!.entries) verifyGraph(e.graph, { persistent });
  });

  it('gives random ops in loop bodies the iteration as their last input', () => {
    const rbm = lowerFile('examples/rbm.dl').program!;
    const text = printGraph(rbm.entries.find((e) => e.name === 'dream')!.graph);
    expect(text).toMatch(/bernoulli %\S+, %iter/);
  });
});
