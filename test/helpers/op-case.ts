// One row of the op test tables: an op applied to inputs of given types. The op
// suites (shape rules, float64 gradient checks, WGSL kernels vs reference) iterate
// every case of every op family from test/compiler/op-cases/.
import type { Attrs, TensorType } from '../../compiler/ir/types';

export interface OpCase {
  readonly op: string;
  readonly inputs: readonly TensorType[];
  readonly attrs?: Attrs;
  /** A label shown by the test runner, where op + shapes are not enough. */
  readonly label?: string;
  /**
   * Value of element `index` of input `input` given a uniform draw u in [0,1);
   * default: 2u - 1. Integer inputs (labels, indices) must be given here.
   */
  readonly data?: (input: number, index: number, u: number) => number;
  /** Inputs to differentiate with respect to; default all float inputs. */
  readonly wrt?: readonly number[];
  /** Why the gradient is not checked (non-differentiable op, discontinuity). */
  readonly noGrad?: string;
  /**
   * A boundary row, at a kink or pole of the op's derivative where finite differences
   * do not apply: the gradient the op defines there (of Σ outputs, i.e. seeded with
   * ones), one array per differentiated input, from the input values. The suites check
   * it instead of a finite-difference check, in float64 and on the device.
   */
  readonly subgradient?: (inputs: readonly ArrayLike<number>[]) => readonly (readonly number[])[];
  /** Relative tolerance of the finite-difference check (default 1e-6). */
  readonly rtol?: number;
}
