// Every example at small sizes (the sizes the model-zoo tests use), with the long
// sampling chains shortened (one float32 rounding difference can flip a Bernoulli
// draw in a 1000-step chain), and deterministic feeds for every entry's inputs.
import type { Program } from '../../../compiler/ir/program';
import { lowerExample } from '../../examples/zoo-harness';
import type { Call } from './compile-run';

export interface ExampleCase {
  readonly name: string;
  readonly defines: Record<string, number>;
  readonly shorten?: Record<string, string>;
}

export const EXAMPLE_CASES: readonly ExampleCase[] = [
  { name: 'mnist_mlp', defines: { batch: 8, hidden: 32 } },
  { name: 'mnist_maxout', defines: { batch: 8, hidden: 16, pieces: 3 } },
  { name: 'mnist_sigmoid', defines: { batch: 8, hidden: 32 } },
  { name: 'lenet', defines: { batch: 4 } },
  { name: 'rbm', defines: { batch: 8, nh: 32, k: 2, chains: 4, temps: 3 }, shorten: { 'steps = 1000)': 'steps = 3)' } },
  {
    name: 'grbm',
    defines: { batch: 8, nh: 32 },
    shorten: { 'dream(v0, steps = 1000)': 'dream(v0, steps = 3)', 'fantasy(steps = 1000)': 'fantasy(steps = 3)' },
  },
  { name: 'dae', defines: { batch: 8, nh: 32 }, shorten: { 'steps = 100)': 'steps = 3)' } },
  { name: 'char_rnn', defines: { batch: 4, T: 6, hidden: 16, vocab: 12 }, shorten: { 'length = 200': 'length = 8' } },
];

export function lowerCase(c: ExampleCase): Program {
  const program = lowerExample(c.name, c.defines, c.shorten ?? {});
  // lowerExample reports an unreadable (or no longer shortenable) file as no program.
  if (!program) throw new Error(`examples/${c.name}.dl did not lower with ${JSON.stringify(c.shorten ?? {})}`);
  return program;
}

/**
 * Each entry called twice in program order (so optimizer slots are read after
 * being written): f32 inputs in [0, 1) from a fixed LCG, integer inputs 0/1
 * alternating (a valid label, token or action for every example).
 */
export function exampleCalls(program: Program): Call[] {
  let s = 12345;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const calls: Call[] = [];
  for (let round = 0; round < 2; round++) {
    for (const entry of program.entries) {
      const inputs: Record<string, Float32Array | Int32Array | Uint32Array> = {};
      for (const a of entry.graph.args.filter((x) => x.kind === 'input')) {
        const n = a.value.type.shape.reduce((x, y) => x * y, 1);
        switch (a.value.type.dtype) {
          case 'f32':
            inputs[a.name] = Float32Array.from({ length: n }, next);
            break;
          case 'i32':
            inputs[a.name] = Int32Array.from({ length: n }, (_, i) => i % 2);
            break;
          case 'u32':
          case 'bool':
            inputs[a.name] = Uint32Array.from({ length: n }, (_, i) => i % 2);
            break;
          default: {
            const never: never = a.value.type.dtype;
            throw new Error(`unknown dtype ${String(never)}`);
          }
        }
      }
      calls.push({ entry: entry.name, inputs });
    }
  }
  return calls;
}
