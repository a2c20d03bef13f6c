// The training step every jax-js column runs: one `jit` of valueAndGrad of the loss
// plus the optimizer's update, carrying the parameters and the optimizer's state
// (momentum slots; Adam's m, v and step count) from call to call. The optimizers
// match TF.js's (tf.train.sgd, momentum, adam) and dlc's. jax-js arrays are
// reference counted: every use consumes one reference, so an array used twice is
// passed as `.ref` first.
import type * as JAX from '@jax-js/jax';
import type { StepRunner } from '../timing';

type Jax = typeof JAX;
export type Arr = JAX.Array;
export type Params = Record<string, Arr>;
/** The loss of `p` on the step's inputs (consumes every argument). */
export type LossFn = (p: Params, ...inputs: Arr[]) => Arr;

/** An optimizer's state is a pytree of arrays; `apply` consumes p, g and the state. */
export interface JaxOptimizer {
  readonly init: (p: Params) => Record<string, Params | Arr>;
  readonly apply: (p: Params, g: Params, state: Record<string, Params | Arr>) => [Params, Record<string, Params | Arr>];
}

export type OptimizerSpec =
  | { kind: 'sgd'; lr: number }
  | { kind: 'momentum'; lr: number; momentum: number }
  | { kind: 'adam'; lr: number; beta1: number; beta2: number; eps: number };

export function jaxOptimizer(jax: Jax, spec: OptimizerSpec): JaxOptimizer {
  const { numpy: np, tree } = jax;
  const zerosOf = (p: Params): Params => tree.map((a: Arr) => np.zerosLike(a.ref), p) as Params;
  switch (spec.kind) {
    case 'sgd':
      return {
        init: () => ({}),
        apply: (p, g, s) => [tree.map((pi: Arr, gi: Arr) => pi.sub(gi.mul(spec.lr)), p, g) as Params, s],
      };
    case 'momentum':
      // m ← μ m + g; p ← p − lr m (tf.train.momentum, dlc's momentum).
      return {
        init: (p) => ({ m: zerosOf(p) }),
        apply: (p, g, s) => {
          const m = tree.map((mi: Arr, gi: Arr) => mi.mul(spec.momentum).add(gi), s.m as Params, g) as Params;
          const p2 = tree.map((pi: Arr, mi: Arr) => pi.sub(mi.mul(spec.lr)), p, tree.ref(m)) as Params;
          return [p2, { m }];
        },
      };
    case 'adam': {
      // t ← t + 1; m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
      // p ← p − lr (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)   (tf.train.adam, dlc's adam).
      const { lr, beta1, beta2, eps } = spec;
      return {
        init: (p) => ({ m: zerosOf(p), v: zerosOf(p), t: np.zeros([]) }),
        apply: (p, g, s) => {
          const t = (s.t as Arr).add(1);
          const c1 = np
            .exp(t.ref.mul(Math.log(beta1)))
            .neg()
            .add(1); // 1 − β1^t
          const c2 = np
            .exp(t.ref.mul(Math.log(beta2)))
            .neg()
            .add(1); // 1 − β2^t
          const m = tree.map(
            (mi: Arr, gi: Arr) => mi.mul(beta1).add(gi.mul(1 - beta1)),
            s.m as Params,
            tree.ref(g),
          ) as Params;
          const v = tree.map(
            (vi: Arr, gi: Arr) => vi.mul(beta2).add(np.square(gi).mul(1 - beta2)),
            s.v as Params,
            g,
          ) as Params;
          const p2 = tree.map(
            (pi: Arr, mi: Arr, vi: Arr) =>
              pi.sub(
                mi
                  .div(c1.ref)
                  .div(np.sqrt(vi.div(c2.ref)).add(eps))
                  .mul(lr),
              ),
            p,
            tree.ref(m),
            tree.ref(v),
          ) as Params;
          c1.dispose();
          c2.dispose();
          return [p2, { m, v, t }];
        },
      };
    }
    default:
      throw new Error(`unknown optimizer ${(spec satisfies never as { kind: string }).kind}`);
  }
}

export interface TrainerSpec {
  readonly params: Params;
  readonly loss: LossFn;
  readonly optimizer: JaxOptimizer;
  /** The step's inputs, fresh references each call (the step consumes them). */
  readonly feeds: () => Arr[];
  /**
   * Inside the jit, before the gradient: turns the feeds into the loss's inputs (the RBM's
   * Gibbs chain). It borrows `p`: it takes a `.ref` of each parameter it uses.
   */
  readonly prepare?: (p: Params, feeds: Arr[]) => Arr[];
  /** Arrays to dispose with the runner (the held inputs). */
  readonly held: Arr[];
}

/** A StepRunner over one jitted step; each step reads the loss back. */
export function jaxTrainer(jax: Jax, spec: TrainerSpec): StepRunner {
  const { tree } = jax;
  const { loss, optimizer, prepare } = spec;
  const step = jax.jit((p: Params, s: Record<string, Params | Arr>, feeds: Arr[]) => {
    const inputs = prepare ? prepare(p, feeds) : feeds;
    const [value, g] = jax.valueAndGrad(loss)(tree.ref(p), ...inputs) as [Arr, Params];
    const [p2, s2] = optimizer.apply(p, g, s);
    return [value, p2, s2];
  });
  let p = spec.params;
  let s = optimizer.init(p);
  return {
    async step() {
      const [value, p2, s2] = step(p, s, spec.feeds()) as unknown as [Arr, Params, Record<string, Params | Arr>];
      p = p2;
      s = s2;
      const [v] = await value.data();
      return v;
    },
    dispose() {
      tree.dispose(p);
      tree.dispose(s);
      for (const a of spec.held) a.dispose();
      step.dispose();
    },
  };
}
