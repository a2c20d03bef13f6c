// Pieces the hand-built test programs (test/compiler/codegen/programs.ts,
// test/compiler/memory/wide-program.ts) share: parameter arguments declared from the
// persistent list, and the gradient + optimizer tail of a train step.
import { gradients } from '../../compiler/autodiff/differentiate';
import type { GraphBuilder } from '../../compiler/ir/builder';
import type { PersistentTensor } from '../../compiler/ir/program';
import type { TensorType, Value } from '../../compiler/ir/types';
import { applyOptimizer } from '../../compiler/optim/index';
import type { OptimizerSpec, OptimizerUpdate } from '../../compiler/optim/index';

export const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

/** A `param` argument of `b` for each persistent tensor, keyed by its name, declared in list order. */
export function paramArgs(b: GraphBuilder, persistent: readonly PersistentTensor[]): Record<string, Value> {
  return Object.fromEntries(persistent.map((p) => [p.name, b.arg('param', p.name, p.type)]));
}

/** d loss / d each of `params` (in key order), handed to `optimizer`: its slots, scalars and assigns. */
export function optimizerStep(
  tb: GraphBuilder,
  params: Readonly<Record<string, Value>>,
  loss: Value,
  optimizer: OptimizerSpec,
): OptimizerUpdate {
  const names = Object.keys(params);
  const grads = gradients(
    tb,
    loss,
    names.map((n) => params[n]),
  );
  return applyOptimizer(tb, {
    params: names.map((n, k) => ({ name: n, value: params[n], grad: grads[k] })),
    optimizer,
  });
}
