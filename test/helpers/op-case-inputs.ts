// Device feeds for an OpCase: each element from the case's `data` function (or
// 2u - 1) with u from a seeded linear congruential generator per input, converted
// to the input's dtype, so the plain and the packed op-case suites feed the same
// values. (The float64 suites use caseInputs in test/compiler/ops/case-data.ts.)
import type { TensorType } from '../../compiler/ir/types';
import { numel, typeToString } from '../../compiler/ir/types';
import type { OpCase } from './op-case';

export type OpCaseFeed = Float32Array | Int32Array | Uint32Array | Uint8Array;

/** Input `k` of case `c`, of type `t`, as the typed array the executor takes. */
export function opCaseFeed(c: OpCase, k: number, t: TensorType): OpCaseFeed {
  let s = (k + 1) * 7919;
  const values = Array.from({ length: numel(t.shape) }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    return c.data ? c.data(k, i, u) : 2 * u - 1;
  });
  switch (t.dtype) {
    case 'f32':
      return Float32Array.from(values);
    case 'i32':
      return Int32Array.from(values.map((v) => Math.trunc(v)));
    case 'u32':
      return Uint32Array.from(values.map((v) => Math.trunc(v) >>> 0));
    case 'bool':
      return Uint8Array.from(values.map((v) => (v > 0 ? 1 : 0)));
  }
}

/** Every input of case `c` by its argument name `x0`, `x1`, ... */
export function opCaseFeeds(c: OpCase): Record<string, OpCaseFeed> {
  return Object.fromEntries(c.inputs.map((t, k) => [`x${k}`, opCaseFeed(c, k, t)]));
}

/** The test name: the case's label, else `op(types) {attrs}`. */
export const opCaseLabel = (c: OpCase): string =>
  c.label ?? `${c.op}(${c.inputs.map(typeToString).join(', ')})${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`;
