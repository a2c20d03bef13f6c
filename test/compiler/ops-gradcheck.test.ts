// Every differentiable op's gradient, checked against central finite differences in
// float64 on random inputs: one test per case of test/compiler/op-cases/*.ts. Boundary
// rows (OpCase.subgradient) are checked against the gradient they state instead.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import '../../compiler/ops/control';
import { typeToString } from '../../compiler/ir/types';
import { gradcheck } from '../helpers/gradcheck';
import { expectSubgradient, subgradientGraph } from '../helpers/op-case-subgradient';
import { execute } from '../../compiler/reference/execute';
import { caseInputs } from './ops/case-data';
import type { OpCase } from '../helpers/op-case';

const dir = new URL('./op-cases/', import.meta.url);
const files = (() => {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort();
  } catch {
    return [];
  }
})();
const families: { file: string; cases: readonly OpCase[] }[] = [];
for (const file of files) {
  const mod = (await import(new URL(file, dir).href)) as { cases?: readonly OpCase[] };
  families.push({ file, cases: mod.cases ?? [] });
}

const label = (c: OpCase): string => c.label ?? `${c.op}(${c.inputs.map(typeToString).join(', ')})`;

const checkedOps = new Set<string>();
let checkedCases = 0;
let skipped = 0;

describe('gradients of every op against finite differences (float64)', () => {
  it('finds the op case tables', () => {
    expect(families.length).toBeGreaterThan(0);
  });
  for (const { file, cases } of families) {
    describe(file, () => {
      cases.forEach((c, k) => {
        if (c.noGrad) {
          skipped++;
          return;
        }
        if (c.subgradient) {
          it(label(c), () => {
            const inputs = caseInputs(c, 1000 + k);
            const got = execute(subgradientGraph(c), Object.fromEntries(inputs.map((t, j) => [`x${j}`, t]))).results;
            const grads = Object.fromEntries(Object.entries(got).map(([n, t]) => [n, t.data]));
            expectSubgradient(
              c,
              inputs.map((t) => t.data),
              grads,
              1e-12,
            );
            checkedOps.add(c.op);
            checkedCases++;
          });
          return;
        }
        it(label(c), () => {
          const report = gradcheck((b, xs) => [...b.emit(c.op, xs, c.attrs ?? {}).outputs], caseInputs(c, 1000 + k), {
            wrt: c.wrt,
            rtol: c.rtol,
          });
          expect(report.elements).toBeGreaterThan(0);
          checkedOps.add(c.op);
          checkedCases++;
        });
      });
    });
  }
  afterAll(() => {
    console.log(
      `gradient check: ${checkedOps.size} ops, ${checkedCases} cases checked against finite differences (${skipped} cases without gradient skipped)`,
    );
  });
});
