// The hand-built programs of the code generator's tests, with feeds and persistent
// state to run them: what the pipeline and memory-planning tests run on.
import type { Program } from '../../../compiler/ir/program';
import { tensor } from '../../../compiler/reference/execute';
import type { Tensor } from '../../../compiler/ops/registry';
import type { TensorType } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import {
  bpttProgram,
  generateProgram,
  mlpProgram,
  nestedProgram,
  optimizedMlpProgram,
  repeatProgram,
  scanProgram,
  swapProgram,
} from '../codegen/programs';

export const SAMPLE_PROGRAMS: readonly { readonly name: string; readonly make: () => Program }[] = [
  { name: 'mlp', make: mlpProgram },
  {
    name: 'mlp+sgd',
    make: () =>
      optimizedMlpProgram({
        name: 'sgd',
        options: { lr: 0.3, momentum: 0.9, nesterov: true, weight_decay: 1e-3, max_norm: 1.5, clip_norm: 0.5 },
      }),
  },
  { name: 'mlp+adam', make: () => optimizedMlpProgram({ name: 'adam', options: { lr: 0.05 } }) },
  { name: 'repeat', make: repeatProgram },
  { name: 'scan', make: () => scanProgram(false) },
  { name: 'scan reverse', make: () => scanProgram(true) },
  { name: 'bptt', make: bpttProgram },
  { name: 'swap', make: swapProgram },
  { name: 'generate', make: generateProgram },
  { name: 'nested', make: nestedProgram },
];

/** Deterministic values in [-1, 1) for f32, zeros for integer and bool tensors. */
export function sampleData(type: TensorType, seed: number): Float32Array | Int32Array | Uint32Array {
  const n = numel(type.shape);
  if (type.dtype === 'i32') return new Int32Array(n);
  if (type.dtype !== 'f32') return new Uint32Array(n);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Host feeds for every input of an entry. */
export function sampleFeeds(
  program: Program,
  entry: string,
  seed = 1,
): Record<string, Float32Array | Int32Array | Uint32Array> {
  const graph = program.entries.find((e) => e.name === entry)!.graph;
  const feeds: Record<string, Float32Array | Int32Array | Uint32Array> = {};
  graph.args
    .filter((a) => a.kind === 'input')
    .forEach((a, k) => (feeds[a.name] = sampleData(a.value.type, seed + 17 * k)));
  return feeds;
}

export function asTensors(
  program: Program,
  entry: string,
  values: Record<string, ArrayLike<number>>,
): Record<string, Tensor> {
  const graph = program.entries.find((e) => e.name === entry)!.graph;
  const out: Record<string, Tensor> = {};
  for (const a of graph.args) if (a.name in values) out[a.name] = tensor(a.value.type, values[a.name]);
  return out;
}

/**
 * Persistent tensors filled with sample data (as the reference executor takes them);
 * optimizer slots are made non-negative (second moments, accumulators).
 */
export function sampleState(program: Program, seed = 5): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  program.persistent.forEach((p, k) => {
    const data = sampleData(p.type, seed + 31 * k);
    state[p.name] = tensor(p.type, p.kind === 'slot' ? data.map(Math.abs) : data);
  });
  return state;
}
