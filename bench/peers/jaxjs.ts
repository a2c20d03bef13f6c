// jax-js columns: the same models as one `jit`ted step — valueAndGrad of the loss
// plus the optimizer's update (bench/peers/jaxjs-train.ts) — on jax-js's WebGPU
// device (over the benchmark's Dawn navigator.gpu) or its Wasm device. jax-js arrays
// are reference counted: every use consumes a reference, so an array used twice is
// passed as `.ref` first.
import type * as JAX from '@jax-js/jax';
import type { ModelName } from '../models';
import {
  ADAM,
  BATCH,
  initWeights,
  LEARNING_RATE,
  makeBatch,
  MLP_SIZES,
  MOMENTUM,
  RBM_HIDDEN,
  RBM_VISIBLE,
} from '../models';
import type { StepRunner } from '../timing';
import { jaxjsCharLstm, jaxjsSkipgram } from './jaxjs-seq';
import type { Arr, LossFn, Params } from './jaxjs-train';
import { jaxOptimizer, jaxTrainer } from './jaxjs-train';

export type JaxjsDevice = 'webgpu' | 'wasm';

/** Loads jax-js and makes `device` the default; throws with the reason when it is unavailable. */
export async function useJaxjs(device: JaxjsDevice): Promise<typeof JAX> {
  const jax = await import('@jax-js/jax');
  const started = await jax.init(device);
  if (!started.includes(device))
    throw new Error(`jax-js could not start its '${device}' device (init gave [${started.join(', ')}])`);
  jax.defaultDevice(device);
  return jax;
}

type Jax = typeof JAX;

/** The mlp's parameters under dlc's names (bench/models/mlp.dl: fc1, fc2, out), from `init` where it names them. */
const MLP_LAYERS = ['fc1', 'fc2', 'out'] as const;

export interface MlpOptions {
  readonly batch?: number;
  readonly data?: { readonly x: Float32Array; readonly oneHot: Float32Array };
  readonly init?: Readonly<Record<string, Float32Array>>;
}

/** The mlp forward pass and softmax cross-entropy against one-hot `y`. */
function mlpLoss(jax: Jax): LossFn {
  const { numpy: np, nn } = jax;
  return (p, x, y) => {
    let h = x;
    MLP_LAYERS.forEach((l, i) => {
      h = np.matmul(h, p[`${l}.W`]).add(p[`${l}.b`]);
      if (i < MLP_LAYERS.length - 1) h = nn.relu(h);
    });
    return crossEntropy(jax, h, y);
  };
}

function crossEntropy(jax: Jax, logits: Arr, y: Arr): Arr {
  const { numpy: np, nn } = jax;
  return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).neg();
}

/** adam_mlp (and the mlp's forward pass with momentum, for `jaxjsModel('mlp')`): the whole step in one jit. */
export function jaxjsMlp(jax: Jax, optimizer: 'adam' | 'momentum', opts: MlpOptions = {}): StepRunner {
  const { numpy: np } = jax;
  const batch = opts.batch ?? BATCH;
  const data = opts.data ?? makeBatch('mlp');
  const params: Params = {};
  MLP_LAYERS.forEach((l, i) => {
    const [fanIn, fanOut] = [MLP_SIZES[i], MLP_SIZES[i + 1]];
    params[`${l}.W`] = np
      .array(opts.init?.[`${l}.W`] ?? initWeights(fanIn * fanOut, fanIn, fanOut, i + 1))
      .reshape([fanIn, fanOut]);
    params[`${l}.b`] = opts.init?.[`${l}.b`] ? np.array(opts.init[`${l}.b`]) : np.zeros([fanOut]);
  });
  const x = np.array(data.x).reshape([batch, MLP_SIZES[0]]);
  const y = np.array(data.oneHot).reshape([batch, 10]);
  return jaxTrainer(jax, {
    params,
    loss: mlpLoss(jax),
    optimizer: jaxOptimizer(
      jax,
      optimizer === 'adam' ? { kind: 'adam', ...ADAM } : { kind: 'momentum', lr: LEARNING_RATE, momentum: MOMENTUM },
    ),
    feeds: () => [x.ref, y.ref],
    held: [x, y],
  });
}

export async function jaxjsModel(device: JaxjsDevice, model: ModelName): Promise<StepRunner> {
  const jax = await useJaxjs(device);
  switch (model) {
    case 'charlstm':
      return jaxjsCharLstm(jax);
    case 'skipgram':
      return jaxjsSkipgram(jax);
    case 'mlp':
      return jaxjsMlp(jax, 'momentum');
    case 'adam_mlp':
      return jaxjsMlp(jax, 'adam');
    case 'lenet':
      return jaxjsLenet(jax);
    case 'rbm':
      return jaxjsRbm(jax);
    default:
      throw new Error(`unknown model ${model satisfies never}`);
  }
}

/** Glorot-initialised parameter `shape` with weights seed `seed`. */
function glorot(jax: Jax, shape: number[], fanIn: number, fanOut: number, seed: number): Arr {
  const count = shape.reduce((a, b) => a * b, 1);
  return jax.numpy.array(initWeights(count, fanIn, fanOut, seed)).reshape(shape);
}

function jaxjsLenet(jax: Jax): StepRunner {
  const { numpy: np, nn, lax } = jax;
  const data = makeBatch('lenet');
  const params: Params = {
    c1: glorot(jax, [20, 1, 5, 5], 25, 500, 1),
    cb1: np.zeros([20]),
    c2: glorot(jax, [50, 20, 5, 5], 500, 1250, 2),
    cb2: np.zeros([50]),
    f1: glorot(jax, [800, 500], 800, 500, 3),
    fb1: np.zeros([500]),
    f2: glorot(jax, [500, 10], 500, 10, 4),
    fb2: np.zeros([10]),
  };
  /** 2×2 max-pool of [N, C, H, W] by reshaping. */
  const pool = (x: Arr): Arr => {
    const [n, c, h, w] = x.shape;
    return np.max(x.reshape([n, c, h / 2, 2, w / 2, 2]), [3, 5]);
  };
  const loss: LossFn = (p, x, y) => {
    let h = pool(nn.relu(lax.conv(x, p.c1, [1, 1], 'VALID').add(p.cb1.reshape([1, 20, 1, 1]))));
    h = pool(nn.relu(lax.conv(h, p.c2, [1, 1], 'VALID').add(p.cb2.reshape([1, 50, 1, 1]))));
    h = nn.relu(np.matmul(h.reshape([BATCH, 800]), p.f1).add(p.fb1));
    return crossEntropy(jax, np.matmul(h, p.f2).add(p.fb2), y);
  };
  const x = np.array(data.x).reshape([BATCH, 1, 28, 28]);
  const y = np.array(data.oneHot).reshape([BATCH, 10]);
  return jaxTrainer(jax, {
    params,
    loss,
    optimizer: jaxOptimizer(jax, { kind: 'momentum', lr: LEARNING_RATE, momentum: MOMENTUM }),
    feeds: () => [x.ref, y.ref],
    held: [x, y],
  });
}

function jaxjsRbm(jax: Jax): StepRunner {
  const { numpy: np, nn, random, tree } = jax;
  const data = makeBatch('rbm');
  const params: Params = {
    W: glorot(jax, [RBM_VISIBLE, RBM_HIDDEN], RBM_VISIBLE, RBM_HIDDEN, 1),
    a: np.zeros([RBM_VISIBLE]),
    b: np.zeros([RBM_HIDDEN]),
  };
  // F(v) = -v·a - Σ softplus(vW + b); cost = mean F(v0) - mean F(v1).
  const freeEnergy = (p: Params, v: Arr): Arr =>
    np
      .matmul(v.ref, p.a)
      .neg()
      .sub(np.sum(nn.softplus(np.matmul(v, p.W).add(p.b)), -1));
  const loss: LossFn = (p, v0, v1) => np.mean(freeEnergy(tree.ref(p), v0)).sub(np.mean(freeEnergy(p, v1)));
  const v0 = np.array(data.x).reshape([BATCH, RBM_VISIBLE]);
  let count = 0;
  return jaxTrainer(jax, {
    params,
    loss,
    optimizer: jaxOptimizer(jax, { kind: 'momentum', lr: LEARNING_RATE, momentum: MOMENTUM }),
    feeds: () => [v0.ref, random.key(count++)],
    // The Gibbs step (v0 → h0 → v1, sampled) runs inside the jit but outside the gradient.
    prepare: (p, [v, key]) => {
      const keys = random.split(key, 2);
      const [k1, k2] = [keys.ref.slice(0), keys.slice(1)];
      const h0 = random.bernoulli(k1, nn.sigmoid(np.matmul(v.ref, p.W.ref).add(p.b.ref)));
      const v1 = random.bernoulli(k2, nn.sigmoid(np.matmul(h0, p.W.ref.transpose()).add(p.a.ref))).astype(np.float32);
      return [v, v1];
    },
    held: [v0],
  });
}
