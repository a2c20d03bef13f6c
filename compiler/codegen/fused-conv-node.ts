// A `fused [pattern="conv"]` body as one kernel of compiler/codegen/kernels/fused-conv.ts.
// The body, as compiler/passes/fuse-conv.ts builds it, in order:
//   conv2d(x, w) → [reshape(b)] → [add(·, bias)] → [activation(·)] → [lrn | max_pool | avg_pool(·)]
// where the bias holds one value per output channel and the activation is a
// one-operand elementwise op with a WGSL template. The kernel writes the pooled
// values and, when the body returns it, the value before pooling (what the
// backward pass of the pooling and the activation read); with lrn, the normalised
// values and, when returned, the values before it.
import type { Graph, Node, Value } from '../ir/types';
import type { KernelContext } from './kernel-spec';
import { isActivation, isPool, poolCoversOutput, poolWindowOf } from '../ops/fusion-rules';
import type { Conv2dFused, ConvEpilogue } from './kernels/fused-conv';
import { activation, convParamsOf, emitConv2dEpilogue, emitConv2dNorm, emitConv2dPool } from './kernels/fused-conv';
import type { FusedKernel } from './fused-kernel';

/** The parts of a conv chain; each later part reads the previous part's value. */
export interface ConvChain {
  readonly conv: Node;
  /** The reshape that turns the bias parameter into [1, O, 1, 1], when it is in the chain. */
  readonly biasReshape?: Node;
  /** The add of the per-channel bias; `bias` is its bias operand. */
  readonly add?: Node;
  readonly bias?: Value;
  readonly act?: Node;
  /** An lrn across the channels (never with `pool`). */
  readonly norm?: Node;
  readonly pool?: Node;
}

/** Reads a fused conv body back into its chain. */
export function readConvChain(body: Graph): ConvChain {
  const [conv, ...rest] = body.nodes;
  if (!conv || conv.op !== 'conv2d') throw new Error(`fused conv body '${body.name}' does not start with conv2d`);
  let v = conv.outputs[0];
  let biasReshape: Node | undefined;
  let add: Node | undefined;
  let bias: Value | undefined;
  let act: Node | undefined;
  let pool: Node | undefined;
  let norm: Node | undefined;
  for (const n of rest) {
    if (n.op === 'reshape' && !add && !biasReshape) {
      biasReshape = n;
      continue;
    }
    if (n.op === 'add' && !add && !act && !pool && n.inputs.includes(v)) {
      add = n;
      bias = n.inputs[0] === v ? n.inputs[1] : n.inputs[0];
    } else if (!act && !pool && !norm && isActivation(n) && n.inputs[0] === v) act = n;
    else if (!pool && !norm && n.op === 'lrn' && n.inputs[0] === v) norm = n;
    else if (!pool && !norm && isPool(n) && n.inputs[0] === v) pool = n;
    else throw new Error(`fused conv body '${body.name}': unexpected ${n.op} %${n.id}`);
    v = n.outputs[0];
  }
  return { conv, biasReshape, add, bias, act, norm, pool };
}

/** `ctx` decides whether the kernel reads its operands through textures (see ConvNestOptions.ctx). */
export function emitFusedConv(
  body: Graph,
  name: string,
  ctx?: Pick<KernelContext, 'textures' | 'limits'>,
): FusedKernel {
  const chain = readConvChain(body);
  const argIndex = (v: Value): number => {
    const k = body.args.findIndex((a) => a.value === v);
    if (k < 0) throw new Error(`fused conv '${name}': %${v.id} is not a body argument`);
    return k;
  };
  const [x, w] = chain.conv.inputs;
  const inputs = [argIndex(x), argIndex(w)];
  if (chain.bias)
    inputs.push(
      argIndex(
        chain.biasReshape && chain.bias === chain.biasReshape.outputs[0] ? chain.biasReshape.inputs[0] : chain.bias,
      ),
    );
  const epilogue: ConvEpilogue | undefined =
    chain.bias || chain.act
      ? {
          ...(chain.bias ? { bias: true } : {}),
          ...(chain.act ? { expr: actExpr(chain.act) } : {}),
        }
      : undefined;
  const conv = convParamsOf(chain.conv.attrs);
  const resultIndex = (v: Value): number => body.results.findIndex((r) => r.value === v);
  const prePoolValue = (chain.act ?? chain.add ?? chain.conv).outputs[0];
  if (chain.norm)
    return normKernel(chain.norm, prePoolValue, body, { name, x: x.type, w: w.type, conv, epilogue, ctx }, inputs);
  if (!chain.pool) {
    if (resultIndex(prePoolValue) < 0 || body.results.length !== 1)
      throw new Error(`fused conv '${name}' must return exactly its last value`);
    return {
      spec: emitConv2dEpilogue({ name, x: x.type, w: w.type, conv, epilogue, ctx }),
      inputs,
      outputs: [resultIndex(prePoolValue)],
    };
  }
  const window = poolWindowOf(chain.pool.attrs);
  const pooled = resultIndex(chain.pool.outputs[0]);
  const prePool = resultIndex(prePoolValue);
  if (pooled < 0) throw new Error(`fused conv '${name}' does not return its pooled value`);
  if (body.results.length !== (prePool >= 0 ? 2 : 1))
    throw new Error(`fused conv '${name}' returns values its kernel cannot write`);
  if (prePool >= 0 && !poolCoversOutput(prePoolValue.type, window))
    throw new Error(`fused conv '${name}': pooling windows do not cover the conv output`);
  const spec = emitConv2dPool({
    name,
    x: x.type,
    w: w.type,
    conv,
    epilogue,
    ctx,
    pool: { kind: chain.pool.op === 'max_pool' ? 'max' : 'avg', window },
    ...(prePool >= 0 ? { prePool: true } : {}),
  });
  return { spec, inputs, outputs: prePool >= 0 ? [pooled, prePool] : [pooled] };
}

/** The kernel of a chain ending in lrn: its output, and the value before it when the body returns that too. */
function normKernel(norm: Node, before: Value, body: Graph, conv: Conv2dFused, inputs: number[]): FusedKernel {
  const resultIndex = (v: Value): number => body.results.findIndex((r) => r.value === v);
  const normed = resultIndex(norm.outputs[0]);
  const input = resultIndex(before);
  if (normed < 0 || body.results.length !== (input >= 0 ? 2 : 1))
    throw new Error(`fused conv '${conv.name}' returns values its kernel cannot write`);
  const num = (k: string, fallback: number): number =>
    typeof norm.attrs[k] === 'number' ? Number(norm.attrs[k]) : fallback;
  const lrn = { size: num('size', 5), alpha: num('alpha', 1e-4), beta: num('beta', 0.75), k: num('k', 2) };
  return {
    spec: emitConv2dNorm({ ...conv, lrn, ...(input >= 0 ? { writeInput: true } : {}) }),
    inputs,
    outputs: input >= 0 ? [normed, input] : [normed],
  };
}

function actExpr(act: Node): (v: string) => string {
  return activation(act.op, act.attrs);
}
