// The masked max-pool gradients (pool-fused.ts) that feed the conv backward of a
// fused conv → relu → max_pool: on the device (guarded) against max_unpool /
// max_pool_grad followed by the relu mask, in float64 from the registry.
import { describe, expect, it } from 'vitest';
import type { Attrs, TensorType } from '../../../compiler/ir/types';
import type { Tensor } from '../../../compiler/ops/registry';
import type { PoolWindow } from '../../../compiler/codegen/kernels/pool';
import { emitMaxPoolGradTiled, emitMaxUnpoolMasked } from '../../../compiler/codegen/kernels/pool-fused';
import { RELU_GRAD_MASK } from '../../../compiler/codegen/kernels/fused-conv';
import { runKernel } from '../../helpers/kernel';
import { expectClose, f32, randomTensor, ref } from './fused-conv-reference';

const input = (t: Tensor) => ({ type: t.type, data: t.data });
const poolAttrs = (w: PoolWindow): Attrs => ({ size: [...w.size], stride: [...w.stride], padding: [...w.padding] });

const CASES: { label: string; act: TensorType; window: PoolWindow }[] = [
  { label: 'LeNet conv1', act: f32(64, 20, 24, 24), window: { size: [2, 2], stride: [2, 2], padding: [0, 0] } },
  { label: 'LeNet conv2', act: f32(64, 50, 8, 8), window: { size: [2, 2], stride: [2, 2], padding: [0, 0] } },
  {
    label: 'ragged 13x13 under 2x3',
    act: f32(2, 3, 13, 13),
    window: { size: [2, 3], stride: [2, 3], padding: [0, 0] },
  },
];

/** A relu activation, its pooling with switches, a pooled gradient, and the masked unpooled gradient. */
function setup(c: (typeof CASES)[number]) {
  const act = ref('relu', [randomTensor(c.act, 41)])[0];
  const [pooled, switches] = ref('max_pool_with_switches', [act], poolAttrs(c.window));
  const gp = randomTensor(pooled.type, 42);
  const routed = ref('max_pool_grad', [act, gp], poolAttrs(c.window))[0];
  const want = routed.data.map((v, i) => (act.data[i] > 0 ? v : 0));
  const shape = {
    planes: c.act.shape[0] * c.act.shape[1],
    inHW: [c.act.shape[2], c.act.shape[3]] as const,
    outHW: [pooled.type.shape[2], pooled.type.shape[3]] as const,
  };
  return { act, pooled, switches, gp, want, shape };
}

describe('max pool gradient with the relu mask in one kernel', () => {
  for (const c of CASES) {
    it(`${c.label}: from the switches`, async () => {
      const { pooled, switches, gp, want, shape } = setup(c);
      const spec = emitMaxUnpoolMasked('fused_max_unpool_relu_grad', c.window, shape, RELU_GRAD_MASK.expr);
      const [got] = await runKernel(spec, [input(gp), input(switches), input(pooled)], [c.act], { guard: true });
      expectClose(`${c.label} dx`, got, want);
      expect(got.some((v) => v !== 0)).toBe(true);
    });
    it(`${c.label}: from the activation`, async () => {
      const { act, gp, want, shape } = setup(c);
      const spec = emitMaxPoolGradTiled('fused_max_pool_grad_relu_grad', c.window, shape, RELU_GRAD_MASK.expr);
      const [got] = await runKernel(spec, [input(act), input(gp)], [c.act], { guard: true });
      expectClose(`${c.label} dx`, got, want);
    });
  }

  it('without a mask, unpooling through the switches is max_unpool', async () => {
    const c = CASES[2];
    const { act, switches, gp, shape } = setup(c);
    const want = ref('max_unpool', [gp, switches], {
      ...poolAttrs(c.window),
      out: [c.act.shape[2], c.act.shape[3]],
    })[0];
    const [got] = await runKernel(
      emitMaxUnpoolMasked('max_unpool_tiled', c.window, shape),
      [input(gp), input(switches)],
      [act.type],
      { guard: true },
    );
    expectClose('unpool', got, want.data);
  });

  it('refuses windows that do not tile', () => {
    const shape = { planes: 1, inHW: [9, 9] as const, outHW: [4, 4] as const };
    expect(() => emitMaxUnpoolMasked('k', { size: [3, 3], stride: [2, 2], padding: [0, 0] }, shape)).toThrow(
      'must tile the plane',
    );
  });
});
