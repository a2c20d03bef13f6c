// A `fused [pattern="pool_grad"]` body (compiler/passes/fuse-pool-grad.ts:
// max_pool_grad(y, g) · f32(y > 0)) as the masked max-pool-gradient kernel.
import type { Graph, Value } from '../ir/types';
import type { FusedKernel } from './fused-kernel';
import { poolWindowOf } from '../ops/fusion-rules';
import { emitMaxPoolGradTiled } from './kernels/pool-fused';

export function emitFusedPoolGrad(body: Graph, name: string): FusedKernel {
  const grad = body.nodes.find((n) => n.op === 'max_pool_grad');
  const gt = body.nodes.find((n) => n.op === 'gt');
  const zero = body.nodes.find((n) => n.op === 'constant');
  if (!grad || !gt || !zero || zero.attrs.value !== 0 || gt.inputs[0] !== grad.inputs[0] || body.results.length !== 1) {
    throw new Error(`fused pool gradient '${name}' is not max_pool_grad(y, g) · f32(y > 0)`);
  }
  const argIndex = (v: Value): number => {
    const k = body.args.findIndex((a) => a.value === v);
    if (k < 0) throw new Error(`fused pool gradient '${name}': %${v.id} is not a body argument`);
    return k;
  };
  const [y, g] = grad.inputs;
  const x = y.type.shape;
  const out = g.type.shape;
  const spec = emitMaxPoolGradTiled(
    `${name}_${x.join('x')}`,
    poolWindowOf(grad.attrs),
    { planes: x[0] * x[1], inHW: [x[2], x[3]], outHW: [out[2], out[3]] },
    (gv, yv) => `${gv} * select(0.0, 1.0, ${yv} > 0.0)`,
  );
  return { spec, inputs: [argIndex(y), argIndex(g)], outputs: [0] };
}
