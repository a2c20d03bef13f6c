import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { gradients } from '../../../compiler/autodiff/differentiate';
import { hessianVectorProduct } from '../../../compiler/autodiff/hvp';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { TensorType, Value } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import type { Tensor } from '../../../compiler/ops/registry';
import { execute } from '../../../compiler/reference/execute';
import { rng } from '../../helpers/gradcheck';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

// f(W, b) = Σ softplus(x·W + b)², a small non-quadratic loss.
function loss(b: GraphBuilder, x: Value, W: Value, bias: Value): Value {
  const z = b.op('softplus', [b.op('add', [b.op('matmul', [x, W]), bias])]);
  return b.op('sum', [b.op('mul', [z, z])], { axes: [0, 1], keepdims: false });
}

describe('Hessian-vector products', () => {
  it('match finite differences of the gradient along v', () => {
    const r = rng(99);
    const rand = (type: TensorType): Tensor => ({
      type,
      data: Float64Array.from({ length: type.shape.reduce((a, d) => a * d, 1) }, () => 2 * r() - 1),
    });
    const feeds = { x: rand(f32(3, 4)), W: rand(f32(4, 2)), b: rand(f32(2)), vW: rand(f32(4, 2)), vb: rand(f32(2)) };

    const hb = new GraphBuilder('hvp');
    const [x, W, bias, vW, vb] = (['x', 'W', 'b', 'vW', 'vb'] as const).map((n) => hb.arg('input', n, feeds[n].type));
    const [hW, hbias] = hessianVectorProduct(hb, loss(hb, x, W, bias), [W, bias], [vW, vb]);
    const hvpGraph = hb.finish({ hW, hb: hbias });
    verifyGraph(hvpGraph);
    const hv = execute(hvpGraph, feeds).results;

    const gb = new GraphBuilder('grad');
    const [x2, W2, b2] = (['x', 'W', 'b'] as const).map((n) => gb.arg('input', n, feeds[n].type));
    const [gW, gbias] = gradients(gb, loss(gb, x2, W2, b2), [W2, b2]);
    const gradGraph = gb.finish({ gW, gb: gbias });
    const eps = 1e-5;
    const at = (sign: number) =>
      execute(gradGraph, {
        x: feeds.x,
        W: { type: feeds.W.type, data: feeds.W.data.map((w, i) => w + sign * eps * feeds.vW.data[i]) },
        b: { type: feeds.b.type, data: feeds.b.data.map((w, i) => w + sign * eps * feeds.vb.data[i]) },
      }).results;
    const plus = at(1);
    const minus = at(-1);
    const fd = (name: 'gW' | 'gb') => plus[name].data.map((p, i) => (p - minus[name].data[i]) / (2 * eps));
    fd('gW').forEach((v, i) => expect(hv.hW.data[i]).toBeCloseTo(v, 7));
    fd('gb').forEach((v, i) => expect(hv.hb.data[i]).toBeCloseTo(v, 7));
  });
});
