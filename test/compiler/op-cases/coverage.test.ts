// Every op in the registry has at least one case in the op-case tables (which the
// shape/reference/gradient and device suites run), so a new op without cases fails
// here. The exemptions are graph-structure ops that a single-op case cannot express;
// their tests are named beside each.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { allOps } from '../../../compiler/ops/registry';
import { cases as core } from './core';
import { cases as matmul } from './matmul';
import { cases as vision } from './vision';

const STRUCTURAL: Readonly<Record<string, string>> = {
  assign: 'writes a persistent tensor (test/compiler/optim/optimizers.test.ts)',
  fused: 'built by the fusion passes (test/compiler/passes/fuse.test.ts)',
  repeat: 'a loop over a body graph (test/compiler/autodiff/loops.test.ts)',
  scan: 'a loop over a body graph (test/compiler/autodiff/loops.test.ts)',
  stack_get: 'made by autodiff of loops (test/compiler/autodiff/loops.test.ts)',
  stack_put: 'made by autodiff of loops (test/compiler/autodiff/loops.test.ts)',
  stop_gradient: 'identity whose point is autodiff (test/compiler/autodiff/differentiate.test.ts)',
};

describe('op-case tables', () => {
  const covered = new Set([...core, ...matmul, ...vision].map((c) => c.op));
  const names = allOps().map((op) => op.name);

  it('cover every registered op', () => {
    const missing = names.filter((n) => !covered.has(n) && !(n in STRUCTURAL));
    expect(missing).toEqual([]);
  });

  it('exempt only registered ops that really have no case', () => {
    for (const name of Object.keys(STRUCTURAL)) {
      expect(names, name).toContain(name);
      expect(covered.has(name), name).toBe(false);
    }
  });
});
