// Runs every case of test/compiler/op-cases/core.ts through its op's shape rule and
// float64 reference, and checks each differentiable one against finite differences.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import { numel, typeToString } from '../../../compiler/ir/types';
import { getOp } from '../../../compiler/ops/registry';
import { gradcheck } from '../../helpers/gradcheck';
import { caseInputs } from './case-data';
import type { OpCase } from '../../helpers/op-case';
import { cases } from '../op-cases/core';

const title = (c: OpCase): string =>
  `${c.op}(${c.inputs.map(typeToString).join(', ')})${c.label ? ` — ${c.label}` : ''}`;

describe('core op cases', () => {
  let checked = 0;
  for (const c of cases) {
    it(`${title(c)}: shape rule agrees with the reference`, () => {
      const def = getOp(c.op);
      const attrs = normalizeAttrs(def, c.attrs ?? {});
      const types = def.infer(c.inputs, attrs);
      const outs = def.reference(caseInputs(c), attrs, { seed: 3, step: 1 });
      expect(outs.map((o) => o.type)).toEqual(types);
      outs.forEach((o) => expect(o.data.length).toBe(numel(o.type.shape)));
    });
    // Boundary rows sit on a kink: ops-gradcheck checks their stated subgradient instead.
    if (c.noGrad || c.subgradient) continue;
    it(`${title(c)}: gradient matches finite differences`, () => {
      const report = gradcheck((b, xs) => b.opN(c.op, xs, c.attrs ?? {}), caseInputs(c), {
        wrt: c.wrt,
        rtol: c.rtol ?? 1e-6,
      });
      expect(report.elements).toBeGreaterThan(0);
      checked++;
    });
  }
  // Coverage of the registry is test/compiler/op-cases/coverage.test.ts.
  it('checks some gradients', () => expect(checked).toBeGreaterThan(0));
});
