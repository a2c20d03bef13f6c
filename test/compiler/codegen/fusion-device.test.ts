// Fused (-O2) against unfused (-O0) plans of every example, run on the device at
// small sizes: the same parameters and inputs give the same outputs and the same
// persistent tensors after each entry point (train steps included).
import { describe, expect, it } from 'vitest';
import { compileProgram } from '../../../compiler/driver';
import { lowerFile } from '../../../compiler/lower/index';
import type { Program } from '../../../compiler/ir/program';
import type { OptLevel } from '../../../compiler/passes/pipeline';
import { acquireDevice } from '../../../runtime/device';
import { Executor } from '../../../runtime/executor';
import type { OutputValue } from '../../../runtime/executor';

/** Each example at sizes small enough for llvmpipe (every model's batch and widths shrunk). */
const EXAMPLES: Record<string, Record<string, number>> = {
  lenet: { batch: 2 },
  mnist_mlp: { batch: 4, hidden: 16 },
  mnist_sigmoid: { batch: 4, hidden: 16 },
  mnist_maxout: { batch: 4, hidden: 8, pieces: 2 },
  dae: { batch: 4, nv: 16, nh: 8 },
  rbm: { batch: 4, nv: 16, nh: 8 },
  grbm: { batch: 4, nv: 16, nh: 8 },
  char_rnn: { batch: 2, T: 4, vocab: 12, hidden: 8 },
};

function lower(name: string): Program {
  const lowered = lowerFile(`examples/${name}.dl`, { defines: EXAMPLES[name] });
  if (!lowered.program) throw new Error(`${name}: ${lowered.diagnostics.map((d) => d.message).join('; ')}`);
  return lowered.program;
}

/** Deterministic inputs: floats in [0, 1), integers in [0, 10) (labels and tokens fit every example). */
function inputsFor(exec: Executor, entry: string, seed: number): Record<string, Float32Array | Int32Array> {
  const out: Record<string, Float32Array | Int32Array> = {};
  let s = seed;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (const input of exec.plan.entries.find((e) => e.name === entry)!.inputs) {
    const n = input.shape.reduce((a, b) => a * b, 1);
    if (input.dtype === 'f32') out[input.name] = Float32Array.from({ length: n }, next);
    else out[input.name] = Int32Array.from({ length: n }, () => Math.floor(next() * 10));
  }
  return out;
}

/** The float tensors replaced by values in [-0.5, 0.5); integer ones kept. */
function randomized(
  tensors: Record<string, Float32Array | Int32Array | Uint32Array>,
): Record<string, Float32Array | Int32Array | Uint32Array> {
  let s = 5;
  const out: Record<string, Float32Array | Int32Array | Uint32Array> = {};
  for (const [name, t] of Object.entries(tensors)) {
    out[name] =
      t instanceof Float32Array
        ? t.map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32 - 0.5))
        : t;
  }
  return out;
}

function flat(v: OutputValue | ArrayLike<number>): number[] {
  return typeof v === 'number' ? [v] : typeof v === 'boolean' ? [v ? 1 : 0] : Array.from(v as ArrayLike<number>);
}

function expectClose(
  what: string,
  got: OutputValue | ArrayLike<number>,
  want: OutputValue | ArrayLike<number>,
  tol = 2e-4,
): void {
  const a = flat(got);
  const b = flat(want);
  expect(a.length, what).toBe(b.length);
  a.forEach((x, i) => {
    if (!(Math.abs(x - b[i]) <= tol * (1 + Math.abs(b[i]))))
      throw new Error(`${what}[${i}]: fused ${x}, unfused ${b[i]}`);
  });
}

type Family = 'register' | 'shared';

async function executorAt(program: Program, level: OptLevel, family: Family | undefined): Promise<Executor> {
  const acquired = await acquireDevice();
  const { plan } = compileProgram(program, {
    level,
    family: family ?? (acquired.software ? 'register' : 'shared'),
    limits: acquired.limits,
  });
  return Executor.create(plan, { device: acquired.device, seed: 3 });
}

// Every example in the device's own kernel family; the conv and matmul examples in
// both, and rbm (bernoulli drawn in matmul epilogues) in both.
const CASES: readonly (readonly [string, Family | undefined])[] = [
  ...Object.keys(EXAMPLES).map((name) => [name, undefined] as const),
  ['lenet', 'register'],
  ['lenet', 'shared'],
  ['mnist_sigmoid', 'register'],
  ['mnist_sigmoid', 'shared'],
  ['rbm', 'register'],
  ['rbm', 'shared'],
];

describe('fused plans agree with unfused plans on the device', () => {
  for (const [name, family] of CASES) {
    it(`${name}${family ? ` (${family} kernels)` : ''}: every entry point, outputs and persistent tensors`, async () => {
      const program = lower(name);
      const unfused = await executorAt(program, 0, family);
      const fused = await executorAt(program, 2, family);
      try {
        // Random parameters (biases start at zero, which would hide a lost bias).
        const names = unfused.persistentNames();
        const start = randomized(await unfused.readTensors(unfused.persistentNames(['param'])));
        unfused.writeTensors(start, 'test');
        fused.writeTensors(start, 'test');
        for (const [k, entry] of program.entries.entries()) {
          const inputs = inputsFor(unfused, entry.name, 11 + k);
          const want = await unfused.run(entry.name, inputs);
          const got = await fused.run(entry.name, inputs);
          for (const out of Object.keys(want)) expectClose(`${name}.${entry.name}: ${out}`, got[out], want[out]);
          const [after, afterFused] = await Promise.all([unfused.readTensors(names), fused.readTensors(names)]);
          for (const p of names) expectClose(`${name}.${entry.name}: ${p} after the call`, afterFused[p], after[p]);
        }
      } finally {
        unfused.destroy();
        fused.destroy();
      }
    }, 120_000);
  }
});
