// TensorFlow.js columns: the same models with tf.train.momentum(lr, 0.9) (adam_mlp:
// tf.train.adam with ADAM's settings) and
// optimizer.minimize, on the WebGPU backend (given the benchmark's Dawn
// navigator.gpu) or the plain-JS CPU backend. TF.js is a benchmark-only devDependency.
import type * as TF from '@tensorflow/tfjs-core';
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

export type TfjsBackend = 'webgpu' | 'cpu';

let tfPromise: Promise<typeof TF> | undefined;

/** Loads tfjs-core and both backends once (the WebGPU one registers only if navigator.gpu exists). */
function loadTf(): Promise<typeof TF> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    // tfjs-core alone registers no gradients; the full `tfjs` package would import these.
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-backend-webgpu');
    return tf;
  })();
  return tfPromise;
}

/** Switches TF.js to `backend`; throws with TF.js's reason when it cannot start. */
export async function useTfjs(backend: TfjsBackend): Promise<typeof TF> {
  const tf = await loadTf();
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend '${backend}' failed to initialise`);
  await tf.ready();
  return tf;
}

/** GFLOP/s of TF.js's matMul for size×size operands (median of a few, after warm-up). */
export async function tfjsMatmulGflops(size: number): Promise<number> {
  const tf = await useTfjs('webgpu');
  const a = tf.randomUniform([size, size]);
  const b = tf.randomUniform([size, size]);
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < (size >= 1024 ? 3 : 6); i++) times.push(await once());
  a.dispose();
  b.dispose();
  return (2 * size ** 3) / (Math.min(...times) * 1e6);
}

/** A training step for `model` on the current TF.js backend. */
export async function tfjsModel(backend: TfjsBackend, model: ModelName): Promise<StepRunner> {
  const tf = await useTfjs(backend);
  const data = makeBatch(model);
  const optimizer =
    model === 'adam_mlp'
      ? tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps)
      : tf.train.momentum(LEARNING_RATE, MOMENTUM);
  const vars: TF.Variable[] = [];
  const param = (shape: number[], fanIn: number, fanOut: number): TF.Variable => {
    const v = tf.variable(
      tf.tensor(
        initWeights(
          shape.reduce((a, b) => a * b, 1),
          fanIn,
          fanOut,
          vars.length + 1,
        ),
        shape,
      ),
    );
    vars.push(v);
    return v;
  };
  const zeros = (shape: number[]): TF.Variable => {
    const v = tf.variable(tf.zeros(shape));
    vars.push(v);
    return v;
  };
  const y = tf.tensor2d(data.oneHot, [BATCH, 10]);
  const inputs: TF.Tensor[] = [y];
  let loss: () => TF.Scalar;
  let before = (): void => {};
  switch (model) {
    case 'mlp':
    case 'adam_mlp': {
      const x = tf.tensor2d(data.x, [BATCH, 784]);
      inputs.push(x);
      const layers = MLP_SIZES.slice(1).map((n, i) => ({
        W: param([MLP_SIZES[i], n], MLP_SIZES[i], n),
        b: zeros([n]),
      }));
      loss = () => {
        let h: TF.Tensor2D = x;
        layers.forEach((l, i) => {
          h = tf.add(tf.matMul(h, l.W), l.b);
          if (i < layers.length - 1) h = tf.relu(h);
        });
        return tf.losses.softmaxCrossEntropy(y, h) as TF.Scalar;
      };
      break;
    }
    case 'lenet': {
      const x = tf.tensor4d(data.x, [BATCH, 28, 28, 1]);
      inputs.push(x);
      const c1 = { W: param([5, 5, 1, 20], 25, 500), b: zeros([20]) };
      const c2 = { W: param([5, 5, 20, 50], 500, 1250), b: zeros([50]) };
      const f1 = { W: param([800, 500], 800, 500), b: zeros([500]) };
      const f2 = { W: param([500, 10], 500, 10), b: zeros([10]) };
      loss = () => {
        const block = (h: TF.Tensor4D, W: TF.Variable, b: TF.Variable): TF.Tensor4D =>
          tf.maxPool(tf.relu(tf.add(tf.conv2d(h, W as TF.Tensor4D, 1, 'valid'), b)) as TF.Tensor4D, 2, 2, 'valid');
        const h = block(block(x, c1.W, c1.b), c2.W, c2.b);
        const flat = tf.reshape(h, [BATCH, 800]) as TF.Tensor2D;
        const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(flat, f1.W), f1.b)), f2.W), f2.b);
        return tf.losses.softmaxCrossEntropy(y, logits) as TF.Scalar;
      };
      break;
    }
    case 'rbm': {
      const v0 = tf.tensor2d(data.x, [BATCH, RBM_VISIBLE]);
      inputs.push(v0);
      const W = param([RBM_VISIBLE, RBM_HIDDEN], RBM_VISIBLE, RBM_HIDDEN);
      const a = zeros([RBM_VISIBLE]);
      const b = zeros([RBM_HIDDEN]);
      const bernoulli = (p: TF.Tensor): TF.Tensor2D =>
        tf.cast(tf.less(tf.randomUniform(p.shape), p), 'float32') as TF.Tensor2D;
      // F(v) = -v·a - Σ softplus(vW + b); cost = mean F(v0) - mean F(v1), v1 one Gibbs step from v0.
      const freeEnergy = (v: TF.Tensor2D): TF.Tensor =>
        tf.sub(
          tf.neg(tf.squeeze(tf.matMul(v, tf.reshape(a, [RBM_VISIBLE, 1])), [1])),
          tf.sum(tf.softplus(tf.add(tf.matMul(v, W), b)), 1),
        );
      // The Gibbs chain is sampled outside the gradient (stop_gradient), then the cost is minimised.
      let v1: TF.Tensor2D | undefined;
      before = () => {
        v1?.dispose();
        v1 = tf.tidy(() => {
          const h0 = bernoulli(tf.sigmoid(tf.add(tf.matMul(v0, W), b)));
          return bernoulli(tf.sigmoid(tf.add(tf.matMul(h0, W, false, true), a)));
        });
      };
      loss = () => tf.sub(tf.mean(freeEnergy(v0)), tf.mean(freeEnergy(v1!))) as TF.Scalar;
      break;
    }
    default:
      throw new Error(`unknown model ${model satisfies never}`);
  }
  return {
    async step() {
      before();
      const l = optimizer.minimize(loss, true, vars)!;
      const [value] = await l.data();
      l.dispose();
      return value;
    },
    gpuBytes() {
      // The WebGPU backend's buffer manager: bytes allocated on the device (pool included).
      const m = tf.memory() as TF.MemoryInfo & { numBytesAllocatedInGPU?: number };
      return backend === 'webgpu' ? (m.numBytesAllocatedInGPU ?? null) : null;
    },
    dispose() {
      optimizer.dispose();
      for (const t of [...vars, ...inputs]) t.dispose();
    },
  };
}
