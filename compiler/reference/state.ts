// The starting persistent tensors of a program for the reference executor, drawn by
// the runtime's host initializers so they are bit-identical to what the GPU backend
// starts from (same model seed, same Philox streams keyed by tensor name).
import { initialize } from '../../runtime/init';
import type { Program } from '../ir/program';
import type { Tensor } from '../ops/registry';

export function initialState(program: Program, seed: number): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const p of program.persistent) {
    const data = initialize(p.init, p.type.dtype, p.type.shape, seed, p.name);
    state[p.name] = { type: p.type, data: Float64Array.from(data) };
  }
  return state;
}
