// Operand textures (compiler/codegen/wgsl/texture.ts) against storage buffers: every
// example compiled at -O2 for the register family with and without them, run on the
// device from the same seed on the same feeds, agrees within float32 tolerance; the
// textured plans really read operands through textures, including ones whose last
// texture row is partial (the two-copy upload in runtime/executor/record.ts).
import { describe, expect, it } from 'vitest';
import { dispatchSteps } from '../../../compiler/codegen/stats';
import { TEXTURE_ROW_TEXELS } from '../../../runtime/plan';
import type { Plan } from '../../../runtime/plan';
import { acquireDevice } from '../../../runtime/device';
import { compareRecords, compileAt, runCalls } from './compile-run';
import type { ExampleCase } from './example-cases';
import { EXAMPLE_CASES, exampleCalls, lowerCase } from './example-cases';

const SEED = 9;

function textureUses(plan: Plan): { texels: number }[] {
  return plan.entries.flatMap((e) => dispatchSteps(e.steps).flatMap((d) => d.textures ?? []));
}

const CASES: readonly ExampleCase[] = [
  ...EXAMPLE_CASES.filter((c) => ['mnist_mlp', 'lenet', 'rbm', 'char_rnn'].includes(c.name)),
  // 100 × 784 inputs: 19,600 texels, 76 whole rows and a partial one.
  { name: 'mnist_mlp', defines: { batch: 100, hidden: 44 } },
];

describe('operand textures against storage buffers on the device', () => {
  for (const c of CASES) {
    it(`${c.name} ${JSON.stringify(c.defines)}: every output and trained tensor agrees`, async () => {
      const acquired = await acquireDevice();
      const program = lowerCase(c);
      const calls = exampleCalls(program);
      const buffers = compileAt(program, 2, acquired, { family: 'register', textures: false });
      const textured = compileAt(program, 2, acquired, { family: 'register', textures: true });
      expect(textureUses(buffers)).toEqual([]);
      const uses = textureUses(textured);
      expect(uses.length).toBeGreaterThan(0);
      if (c.defines.batch === 100)
        expect(uses.some((u) => u.texels > TEXTURE_ROW_TEXELS && u.texels % TEXTURE_ROW_TEXELS !== 0)).toBe(true);
      const want = await runCalls(buffers, calls, acquired, SEED);
      const got = await runCalls(textured, calls, acquired, SEED);
      expect(compareRecords(want, got)).toEqual([]);
    });
  }
});
