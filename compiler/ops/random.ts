// Random ops on the counter-based Philox generator (runtime/philox.ts holds the
// keying contract). Every op has a `stream` attribute, unique per op in a program,
// and element e of its output draws philoxWords(seed, stream, step, e, iteration) —
// so the reference and the GPU draw the same bits, and a node that recomputes a
// draw with the same attributes and iteration (dropout's gradient) gets the same mask.
//
// Every op takes one optional trailing input, `iteration`: an i32 or u32 scalar
// (its u32 bits go into counter word 2; absent means 0). Inside a repeat/scan body
// the lowering feeds it the loop counter, so each iteration draws afresh.
//
// Words used per element: uniform, bernoulli, dropout → w[0] (u = (w >>> 8)·2^-24);
// normal, gaussian_noise → Box–Muller of w[0], w[1]; salt_and_pepper → w[0] decides
// corruption (u < p), w[1] the value (u < 0.5 gives 0, else 1); categorical → w[0]
// of the row's index, against the running sum of the row's probabilities.
import type { Attrs, Node, TensorType, Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { emitCategoricalKernel, emitRandomKernel } from '../codegen/kernels/random';
import { boxMuller, philoxWords, uniform01 } from '../../runtime/philox';
import { makeTensor, requireDtypes, wgslLiteral } from './broadcast';
import type { AttrSpec, RefContext, Tensor } from './registry';
import type { KernelSpec } from '../codegen/kernel-spec';
import { defineOp, ShapeError } from './registry';

const streamAttr: Record<string, AttrSpec> = {
  stream: { type: 'int', doc: 'which random stream this op draws (assigned by the lowering)' },
};
const f = (v: number): string => wgslLiteral(v, 'f32');
const streamOf = (attrs: Attrs): number => attrs.stream as number;

/**
 * Checks the optional iteration operand that follows an op's `base` data inputs.
 * Inputs past it are caught by the op's arity.
 */
function checkIteration(op: string, inputs: readonly TensorType[], base: number): void {
  if (inputs.length <= base) return;
  const it = inputs[base];
  if ((it.dtype !== 'i32' && it.dtype !== 'u32') || it.shape.length !== 0) {
    throw new ShapeError(
      `${op}: iteration operand ${base + 1} is ${typeToString(it)}, expected an i32 or u32 scalar`,
      base,
    );
  }
}

/** The iteration as u32 bits (an i32 -1 is 0xffffffff, as WGSL's bitcast gives), or 0 without one. */
function iterationOf(inputs: readonly Tensor[], base: number): number {
  return inputs.length > base ? inputs[base].data[0] >>> 0 : 0;
}

/** Fills a tensor of `type` with `g(words, e)` for each element e. */
function draw(
  type: TensorType,
  attrs: Attrs,
  ctx: RefContext,
  iteration: number,
  g: (w: readonly number[], e: number) => number,
): Tensor {
  const out = makeTensor(type);
  for (let e = 0; e < out.data.length; e++)
    out.data[e] = g(philoxWords(ctx.seed, streamOf(attrs), ctx.step, e, iteration), e);
  return out;
}

/** The gradient list of a random op: `data` for its data inputs, none for the iteration. */
function withIterationGrad(node: Node, data: (Value | null)[]): (Value | null)[] {
  return node.inputs.length > data.length ? [...data, null] : data;
}

/** The iteration input of a node, if it has one, to pass on to a node recomputing its draws. */
const iterationInputs = (node: Node, base: number): Value[] => node.inputs.slice(base);

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p < 1)) throw new ShapeError(`${op}: probability ${p} must be in [0, 1)`);
}

function checkShapeAttr(op: string, shape: readonly number[]): TensorType {
  if (shape.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ShapeError(`${op}: invalid shape [${shape.join(',')}]`);
  return { dtype: 'f32', shape: [...shape] };
}

/** The kernel of a random op with `base` data inputs and one output of the node's shape. */
function randomKernel(node: Node, op: string, base: number, body: string): KernelSpec[] {
  return [
    emitRandomKernel(
      op,
      streamOf(node.attrs),
      node.inputs.map((v) => v.type.dtype),
      node.outputs[0].type.dtype,
      node.outputs[0].type.shape,
      body,
      node.inputs.length > base,
    ),
  ];
}

defineOp({
  name: 'uniform',
  kind: 'random',
  doc: 'Uniform draws in [low, high), optional iteration: `%1: f32[4,3] = uniform %0 [high=1, low=0, shape=[4,3], stream=0]`',
  arity: [0, 1],
  attrs: {
    ...streamAttr,
    low: { type: 'float', default: 0 },
    high: { type: 'float', default: 1 },
    shape: { type: 'ints' },
  },
  infer(inputs, attrs) {
    checkIteration('uniform', inputs, 0);
    return [checkShapeAttr('uniform', attrs.shape as number[])];
  },
  reference(inputs, attrs, ctx) {
    const [lo, hi] = [attrs.low as number, attrs.high as number];
    return [
      draw(
        checkShapeAttr('uniform', attrs.shape as number[]),
        attrs,
        ctx,
        iterationOf(inputs, 0),
        (w) => lo + (hi - lo) * uniform01(w[0]),
      ),
    ];
  },
  kernel: (node) =>
    randomKernel(
      node,
      'uniform',
      0,
      `  y[i] = ${f(node.attrs.low as number)} + ${f((node.attrs.high as number) - (node.attrs.low as number))} * philox_uniform01(w.x);`,
    ),
});

defineOp({
  name: 'normal',
  kind: 'random',
  doc: 'Gaussian draws by Box–Muller, optional iteration: `%0: f32[4,3] = normal [mean=0, shape=[4,3], std=1, stream=0]`',
  arity: [0, 1],
  attrs: {
    ...streamAttr,
    mean: { type: 'float', default: 0 },
    std: { type: 'float', default: 1 },
    shape: { type: 'ints' },
  },
  infer(inputs, attrs) {
    checkIteration('normal', inputs, 0);
    return [checkShapeAttr('normal', attrs.shape as number[])];
  },
  reference(inputs, attrs, ctx) {
    const [mean, std] = [attrs.mean as number, attrs.std as number];
    return [
      draw(
        checkShapeAttr('normal', attrs.shape as number[]),
        attrs,
        ctx,
        iterationOf(inputs, 0),
        (w) => mean + std * boxMuller(w[0], w[1]),
      ),
    ];
  },
  kernel: (node) =>
    randomKernel(
      node,
      'normal',
      0,
      `  y[i] = ${f(node.attrs.mean as number)} + ${f(node.attrs.std as number)} * philox_normal(w.x, w.y);`,
    ),
});

defineOp({
  name: 'bernoulli',
  kind: 'random',
  doc: '1.0 with probability p else 0.0, per element, optional iteration: `%2: f32[4,3] = bernoulli %0, %1 [stream=0]`',
  arity: [1, 2],
  attrs: streamAttr,
  infer(inputs) {
    requireDtypes('bernoulli', inputs, ['f32'], [0]);
    checkIteration('bernoulli', inputs, 1);
    return [inputs[0]];
  },
  // u is exact in f32 and p is rounded to f32 as the GPU stores it, so both sides compare the same numbers.
  reference(inputs, attrs, ctx) {
    const p = inputs[0];
    return [
      draw(p.type, attrs, ctx, iterationOf(inputs, 1), (w, e) => (uniform01(w[0]) < Math.fround(p.data[e]) ? 1 : 0)),
    ];
  },
  kernel: (node) => randomKernel(node, 'bernoulli', 1, '  y[i] = select(0.0, 1.0, philox_uniform01(w.x) < x0[i]);'),
  // The same draw as the kernel's, the iteration (if any) taken as u32 bits.
  drawWgsl: (args, attrs, element, inputs) => {
    const iteration = inputs.length < 2 ? '0u' : inputs[1].dtype === 'u32' ? args[1] : `bitcast<u32>(${args[1]})`;
    return `select(0.0, 1.0, philox_uniform01(philox_draw(${element}, ${streamOf(attrs) >>> 0}u, ${iteration}).x) < ${args[0]})`;
  },
});

/** The shape a categorical draws from one table, or undefined for one draw per row. */
const samplesOf = (attrs: Attrs): number[] | undefined => {
  const s = (attrs.samples as number[] | undefined) ?? [];
  return s.length === 0 ? undefined : s;
};

defineOp({
  name: 'categorical',
  kind: 'random',
  doc:
    'A class index per row drawn with the row’s (unnormalized) probabilities, optional iteration: ' +
    '`%1: i32[32] = categorical %0 [stream=0]`; with `samples`, every element of that shape is drawn from ' +
    'the one table %0: `%1: i32[64,5] = categorical %0 [samples=[64,5], stream=1]`',
  arity: [1, 2],
  attrs: {
    ...streamAttr,
    samples: { type: 'ints', default: [], doc: 'the shape drawn from one table (a 1-D p); [] draws per row' },
  },
  infer(inputs, attrs) {
    const probs = inputs[0];
    requireDtypes('categorical', inputs, ['f32'], [0]);
    if (probs.shape.length < 1)
      throw new ShapeError(`categorical: probabilities ${typeToString(probs)} need a class axis`, 0);
    checkIteration('categorical', inputs, 1);
    const samples = samplesOf(attrs);
    if (samples === undefined) return [{ dtype: 'i32', shape: probs.shape.slice(0, -1) }];
    if (probs.shape.length !== 1)
      throw new ShapeError(`categorical: with a shape, p is one table of probabilities, not ${typeToString(probs)}`, 0);
    return [{ ...checkShapeAttr('categorical', samples), dtype: 'i32' }];
  },
  // Sums are rounded to f32 step by step, in the GPU kernel's order, so the same u picks the same class.
  reference(inputs, attrs, ctx) {
    const probs = inputs[0];
    const k = probs.type.shape[probs.type.shape.length - 1];
    const samples = samplesOf(attrs);
    const type: TensorType = { dtype: 'i32', shape: samples ?? probs.type.shape.slice(0, -1) };
    return [
      draw(type, attrs, ctx, iterationOf(inputs, 1), (w, e) => {
        const row = samples === undefined ? e : 0; // with samples every draw reads the one table
        const p = (j: number): number => Math.fround(Math.max(Math.fround(probs.data[row * k + j]), 0));
        let total = 0;
        for (let j = 0; j < k; j++) total = Math.fround(total + p(j));
        const target = Math.fround(uniform01(w[0]) * total);
        let acc = 0;
        let last = -1;
        for (let j = 0; j < k; j++) {
          acc = Math.fround(acc + p(j));
          if (p(j) > 0) last = j;
          if (target < acc && p(j) > 0) return j;
        }
        return last >= 0 ? last : k - 1;
      }),
    ];
  },
  kernel: (node) => [
    emitCategoricalKernel(
      streamOf(node.attrs),
      node.inputs[0].type.shape,
      node.inputs[1]?.type.dtype ?? null,
      samplesOf(node.attrs),
    ),
  ],
});

// --- corruption of an input (on in train mode; the lowering drops them in infer mode) ---

const probabilityAttr = (doc: string): Record<string, AttrSpec> => ({ p: { type: 'float', doc } });

function checkFloatInput(op: string, inputs: readonly TensorType[], attrs: Attrs): TensorType[] {
  requireDtypes(op, inputs, ['f32'], [0]);
  checkIteration(op, inputs, 1);
  if ('p' in attrs) checkProbability(op, attrs.p as number);
  return [inputs[0]];
}

defineOp({
  name: 'dropout',
  kind: 'random',
  doc: 'Inverted dropout: zero with probability p, else x/(1-p), optional iteration: `%2: f32[128,512] = dropout %0, %1 [p=0.5, stream=2]`',
  arity: [1, 2],
  attrs: { ...streamAttr, ...probabilityAttr('probability of dropping an element') },
  infer: (inputs, attrs) => checkFloatInput('dropout', inputs, attrs),
  // Linear in x with the same mask: the gradient is dropout of g with the same stream and iteration.
  grad: (b, node, [g]) =>
    withIterationGrad(node, [g ? b.op('dropout', [g, ...iterationInputs(node, 1)], node.attrs) : null]),
  reference(inputs, attrs, ctx) {
    const x = inputs[0];
    const p = attrs.p as number;
    checkProbability('dropout', p);
    const scale = 1 / (1 - p);
    return [draw(x.type, attrs, ctx, iterationOf(inputs, 1), (w, e) => (uniform01(w[0]) >= p ? x.data[e] * scale : 0))];
  },
  kernel: (node) => {
    const p = node.attrs.p as number;
    return randomKernel(
      node,
      'dropout',
      1,
      `  y[i] = select(0.0, x0[i] * ${f(1 / (1 - p))}, philox_uniform01(w.x) >= ${f(p)});`,
    );
  },
});

defineOp({
  name: 'salt_and_pepper',
  kind: 'random',
  doc:
    'With probability p replace an element by 0 or 1 (even odds), else keep it, optional iteration: ' +
    '`%1: f32[64,784] = salt_and_pepper %0 [p=0.25, stream=1]`',
  arity: [1, 2],
  attrs: { ...streamAttr, ...probabilityAttr('probability of corrupting an element') },
  infer: (inputs, attrs) => checkFloatInput('salt_and_pepper', inputs, attrs),
  // sp(g) - sp(0) = g·keep: the kept elements pass the gradient, with the same draws (same iteration too).
  grad(b, node, [g]) {
    if (!g) return withIterationGrad(node, [null]);
    const zeros: Value = b.constant(0, g.type);
    const it = iterationInputs(node, 1);
    return withIterationGrad(node, [
      b.op('sub', [
        b.op('salt_and_pepper', [g, ...it], node.attrs),
        b.op('salt_and_pepper', [zeros, ...it], node.attrs),
      ]),
    ]);
  },
  reference(inputs, attrs, ctx) {
    const x = inputs[0];
    const p = attrs.p as number;
    checkProbability('salt_and_pepper', p);
    return [
      draw(x.type, attrs, ctx, iterationOf(inputs, 1), (w, e) =>
        uniform01(w[0]) < p ? (uniform01(w[1]) < 0.5 ? 0 : 1) : x.data[e],
      ),
    ];
  },
  kernel: (node) =>
    randomKernel(
      node,
      'salt_and_pepper',
      1,
      `  y[i] = select(x0[i], select(1.0, 0.0, philox_uniform01(w.y) < 0.5), philox_uniform01(w.x) < ${f(node.attrs.p as number)});`,
    ),
});

defineOp({
  name: 'gaussian_noise',
  kind: 'random',
  doc: 'x plus Gaussian noise of standard deviation std, optional iteration: `%1: f32[64,784] = gaussian_noise %0 [std=0.1, stream=3]`',
  arity: [1, 2],
  attrs: { ...streamAttr, std: { type: 'float', doc: 'standard deviation of the noise' } },
  infer: (inputs, attrs) => checkFloatInput('gaussian_noise', inputs, attrs),
  grad: (_b, node, [g]) => withIterationGrad(node, [g]),
  reference(inputs, attrs, ctx) {
    const x = inputs[0];
    const std = attrs.std as number;
    return [draw(x.type, attrs, ctx, iterationOf(inputs, 1), (w, e) => x.data[e] + std * boxMuller(w[0], w[1]))];
  },
  kernel: (node) =>
    randomKernel(
      node,
      'gaussian_noise',
      1,
      `  y[i] = x0[i] + ${f(node.attrs.std as number)} * philox_normal(w.x, w.y);`,
    ),
});
