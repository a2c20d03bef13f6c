// The recurrent models' training steps at small sizes, compiled at -O2 (memory
// planned) and run on the device, against the reference executor on the lowered
// program: the loss and every parameter, state and optimizer slot agree after two
// steps. At -O2 the backward scan accumulates the gradient of `xs[:, t]` in place in
// its carried buffer (scatter_add_rows, compiler/codegen/loops.ts) and joins the
// gates' gradients with one concat instead of padding each
// (compiler/passes/simplify-partial-sums.ts), and its fused gate kernels read the
// gate slices in place (vec4 at hidden 8, scalar at 6 and 5), so those kernels are checked here.
import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../../compiler/codegen/generate-plan';
import { lowerFile } from '../../../compiler/lower/index';
import { planMemory } from '../../../compiler/memory/memory';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import type { Tensor } from '../../../compiler/ops/registry';
import { acquireDevice } from '../../../runtime/device';
import { Executor } from '../../../runtime/executor';
import type { Plan } from '../../../runtime/plan';

const SEED = 11;

interface Case {
  readonly file: string;
  readonly defines: Record<string, number>;
  /** Gate slices joined by one concat (LSTMs); a tanh RNN has none. */
  readonly concat: boolean;
}

const CASES: readonly Case[] = [
  { file: 'bench/models/charlstm.dl', defines: { batch: 3, T: 5, vocab: 7, dim: 4, hidden: 8 }, concat: true },
  { file: 'examples/char_rnn.dl', defines: { batch: 3, T: 5, vocab: 7, hidden: 6 }, concat: false },
  { file: 'examples/deep_lstm.dl', defines: { batch: 2, T: 4, vocab: 7, hidden: 5 }, concat: true },
];

function expectClose(what: string, got: ArrayLike<number> | number, want: Tensor): void {
  const g = typeof got === 'number' ? [got] : Array.from(got);
  expect(g.length, what).toBe(want.data.length);
  g.forEach((x, i) => {
    const w = want.data[i];
    if (!(Math.abs(x - w) <= 1e-4 * (1 + Math.abs(w)))) throw new Error(`${what}[${i}]: device ${x}, reference ${w}`);
  });
}

/** Token ids in [0, vocab) from a fixed LCG. */
function tokens(n: number, vocab: number, seed: number): Int32Array {
  let s = seed;
  return Int32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % vocab));
}

function kernelNames(plan: Plan, entry: string): string[] {
  const used = new Set<number>();
  const walk = (steps: Plan['entries'][number]['steps']): void => {
    for (const s of steps) {
      if (s.kind === 'dispatch') used.add(s.kernel);
      else if (s.kind === 'loop') walk(s.body);
    }
  };
  walk(plan.entries.find((e) => e.name === entry)!.steps);
  return [...used].map((k) => plan.kernels[k].name);
}

describe('recurrent training steps at -O2 on the device', () => {
  for (const c of CASES) {
    it(
      `${c.file}: loss and every persistent tensor match the reference executor after two steps`,
      { timeout: 600_000 },
      async () => {
        const lowered = lowerFile(c.file, { defines: c.defines });
        if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
        const program = lowered.program;
        const optimized = optimizeProgram(program, { level: 2, dump: '' }).program;
        const acquired = await acquireDevice();
        const generated = generatePlan(optimized, {
          family: acquired.software ? 'register' : 'shared',
          limits: acquired.limits,
        });
        const plan = JSON.parse(JSON.stringify(planMemory(generated, acquired.limits, { pack: true }))) as Plan;
        const names = kernelNames(plan, 'step');
        expect(names.some((n) => n.startsWith('scatter_add_rows_'))).toBe(true);
        expect(names.some((n) => n.startsWith('pad_'))).toBe(false);
        expect(names.some((n) => n.startsWith('concat_'))).toBe(c.concat);

        const exec = await Executor.create(plan, { device: acquired.device, seed: SEED });
        try {
          const persistent = exec.persistentNames();
          const start = await exec.readTensors(persistent);
          let state: Record<string, Tensor> = {};
          for (const p of program.persistent) state[p.name] = tensor(p.type, start[p.name]);
          const { batch, T, vocab } = c.defines;
          for (let step = 0; step < 2; step++) {
            const ids = tokens(batch * (T + 1), vocab, 17 + step);
            const out = await exec.run('step', { tokens: ids });
            const feeds = { tokens: tensor({ dtype: 'i32', shape: [batch, T + 1] }, ids) };
            const ref = executeEntry(program, 'step', feeds, state, { precision: 'f32', seed: SEED, step });
            expectClose(`step ${step} loss`, out.loss as number, ref.results.loss);
            state = { ...state, ...ref.assigns };
          }
          const after = await exec.readTensors(persistent);
          for (const name of persistent) expectClose(name, after[name], state[name]);
        } finally {
          exec.destroy();
        }
      },
    );
  }
});
