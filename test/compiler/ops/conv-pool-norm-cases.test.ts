// Every case of op-cases/vision.ts run on the device (guarded) against the
// float64 reference.
import { describe, it } from 'vitest';
import { typeToString } from '../../../compiler/ir/types';
import { getOp } from '../../../compiler/ops/registry';
import { cases } from '../op-cases/vision';
import { expectKernelMatches } from './vision-kernel';

describe('vision op cases: kernels vs reference on the device', () => {
  for (const c of cases) {
    if (!getOp(c.op).kernel) continue;
    it(c.label ?? `${c.op}(${c.inputs.map(typeToString).join(', ')})`, async () => {
      await expectKernelMatches(c.op, c.inputs, c.attrs ?? {}, { fill: c.data });
    });
  }
});
