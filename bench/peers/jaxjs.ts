// jax-js columns: the same models as one `jit`ted step — valueAndGrad of the loss
// plus the momentum update — on jax-js's WebGPU device (over the benchmark's Dawn
// navigator.gpu) or its Wasm device. jax-js arrays are reference counted: every
// use consumes a reference, so an array used twice is passed as `.ref` first.
import type * as JAX from '@jax-js/jax';
import type { ModelName } from '../models';
import { BATCH, initWeights, LEARNING_RATE, makeBatch, MLP_SIZES, MOMENTUM, RBM_HIDDEN, RBM_VISIBLE } from '../models';
import type { StepRunner } from '../timing';

export type JaxjsDevice = 'webgpu' | 'wasm';
type Arr = JAX.Array;
type Params = Record<string, Arr>;

/** Loads jax-js and makes `device` the default; throws with the reason when it is unavailable. */
export async function useJaxjs(device: JaxjsDevice): Promise<typeof JAX> {
  const jax = await import('@jax-js/jax');
  const started = await jax.init(device);
  if (!started.includes(device))
    throw new Error(`jax-js could not start its '${device}' device (init gave [${started.join(', ')}])`);
  jax.defaultDevice(device);
  return jax;
}

export async function jaxjsModel(device: JaxjsDevice, model: ModelName): Promise<StepRunner> {
  const jax = await useJaxjs(device);
  const { numpy: np, nn, lax, random, tree } = jax;
  const data = makeBatch(model);
  const params: Params = {};
  let seed = 1;
  const param = (name: string, shape: number[], fanIn: number, fanOut: number) => {
    params[name] = np
      .array(
        initWeights(
          shape.reduce((a, b) => a * b, 1),
          fanIn,
          fanOut,
          seed++,
        ),
      )
      .reshape(shape);
  };
  const zeros = (name: string, shape: number[]) => {
    params[name] = np.zeros(shape);
  };
  const crossEntropy = (logits: Arr, y: Arr): Arr => np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).neg();
  /** 2×2 max-pool of [N, C, H, W] by reshaping. */
  const pool = (x: Arr): Arr => {
    const [n, c, h, w] = x.shape;
    return np.max(x.reshape([n, c, h / 2, 2, w / 2, 2]), [3, 5]);
  };

  let lossFn: (p: Params, x: Arr, y: Arr) => Arr;
  let x: Arr;
  const y: Arr = np.array(data.oneHot).reshape([BATCH, 10]);
  switch (model) {
    case 'adam_mlp':
      throw new Error('adam_mlp is not written for jax-js here (its step carries one momentum tree)');
    case 'mlp': {
      x = np.array(data.x).reshape([BATCH, 784]);
      for (let i = 1; i < MLP_SIZES.length; i++) {
        param(`W${i}`, [MLP_SIZES[i - 1], MLP_SIZES[i]], MLP_SIZES[i - 1], MLP_SIZES[i]);
        zeros(`b${i}`, [MLP_SIZES[i]]);
      }
      lossFn = (p, x, y) => {
        let h = x;
        for (let i = 1; i < MLP_SIZES.length; i++) {
          h = np.matmul(h, p[`W${i}`]).add(p[`b${i}`]);
          if (i < MLP_SIZES.length - 1) h = nn.relu(h);
        }
        return crossEntropy(h, y);
      };
      break;
    }
    case 'lenet': {
      x = np.array(data.x).reshape([BATCH, 1, 28, 28]);
      param('c1', [20, 1, 5, 5], 25, 500);
      zeros('cb1', [20]);
      param('c2', [50, 20, 5, 5], 500, 1250);
      zeros('cb2', [50]);
      param('f1', [800, 500], 800, 500);
      zeros('fb1', [500]);
      param('f2', [500, 10], 500, 10);
      zeros('fb2', [10]);
      lossFn = (p, x, y) => {
        let h = pool(nn.relu(lax.conv(x, p.c1, [1, 1], 'VALID').add(p.cb1.reshape([1, 20, 1, 1]))));
        h = pool(nn.relu(lax.conv(h, p.c2, [1, 1], 'VALID').add(p.cb2.reshape([1, 50, 1, 1]))));
        h = nn.relu(np.matmul(h.reshape([BATCH, 800]), p.f1).add(p.fb1));
        return crossEntropy(np.matmul(h, p.f2).add(p.fb2), y);
      };
      break;
    }
    case 'rbm': {
      x = np.array(data.x).reshape([BATCH, RBM_VISIBLE]);
      param('W', [RBM_VISIBLE, RBM_HIDDEN], RBM_VISIBLE, RBM_HIDDEN);
      zeros('a', [RBM_VISIBLE]);
      zeros('b', [RBM_HIDDEN]);
      // F(v) = -v·a - Σ softplus(vW + b); cost = mean F(v0) - mean F(v1). Here `y` carries v1.
      const freeEnergy = (p: Params, v: Arr): Arr =>
        np
          .matmul(v.ref, p.a)
          .neg()
          .sub(np.sum(nn.softplus(np.matmul(v, p.W).add(p.b)), -1));
      lossFn = (p, v0, v1) => np.mean(freeEnergy(tree.ref(p), v0)).sub(np.mean(freeEnergy(p, v1)));
      break;
    }
    default:
      throw new Error(`unknown model ${model satisfies never}`);
  }

  const update = (p: Params, m: Params, x: Arr, y: Arr): [Arr, Params, Params] => {
    const [loss, g] = jax.valueAndGrad(lossFn)(tree.ref(p), x, y) as [Arr, Params];
    const m2 = tree.map((mi: Arr, gi: Arr) => mi.mul(MOMENTUM).add(gi), m, g) as Params;
    const p2 = tree.map((pi: Arr, mi: Arr) => pi.sub(mi.mul(LEARNING_RATE)), p, tree.ref(m2)) as Params;
    return [loss, p2, m2];
  };
  // The RBM's Gibbs step (v0 → h0 → v1, sampled) runs inside the jit but outside the gradient.
  const step =
    model === 'rbm'
      ? jax.jit((p: Params, m: Params, v0: Arr, key: Arr): [Arr, Params, Params] => {
          const keys = random.split(key, 2);
          const [k1, k2] = [keys.ref.slice(0), keys.slice(1)];
          const h0 = random.bernoulli(k1, nn.sigmoid(np.matmul(v0.ref, p.W.ref).add(p.b.ref)));
          const v1 = random
            .bernoulli(k2, nn.sigmoid(np.matmul(h0, p.W.ref.transpose()).add(p.a.ref)))
            .astype(np.float32);
          return update(p, m, v0, v1);
        })
      : jax.jit(update);

  let p = params;
  let m = tree.map((a: Arr) => np.zerosLike(a.ref), p) as Params;
  let count = 0;
  return {
    async step() {
      const extra = model === 'rbm' ? random.key(count++) : y.ref;
      const [loss, p2, m2] = step(p, m, x.ref, extra) as [Arr, Params, Params];
      p = p2;
      m = m2;
      const [value] = await loss.data();
      return value;
    },
    dispose() {
      tree.dispose(p);
      tree.dispose(m);
      x.dispose();
      y.dispose();
      step.dispose();
    },
  };
}
