// The fused conv kernels on the device (guarded bindings) against the float64
// composition of the registry ops they replace.
import { describe, expect, it } from 'vitest';
import type { Attrs, TensorType } from '../../../compiler/ir/types';
import type { Tensor } from '../../../compiler/ops/registry';
import type { ConvParams, PoolWindow } from '../../../compiler/codegen/kernels/fused-conv';
import {
  activation,
  biasActivation,
  conv2dPoolOutputs,
  emitConv2dEpilogue,
  emitConv2dPool,
  conv2dOutputType,
  convParamsOf,
} from '../../../compiler/codegen/kernels/fused-conv';
import { poolCoversOutput, poolWindowOf } from '../../../compiler/ops/fusion-rules';
import { normalizeAttrs } from '../../../compiler/ir/attrs';
import { getOp } from '../../../compiler/ops/registry';
import { runKernel } from '../../helpers/kernel';
import { convBiasAct, expectClose, f32, randomTensor, ref } from './fused-conv-reference';

const attrsOf = (c: ConvParams): Attrs => ({ stride: [...c.stride], padding: [...c.padding], groups: c.groups });
const poolAttrs = (w: PoolWindow): Attrs => ({ size: [...w.size], stride: [...w.stride], padding: [...w.padding] });
const input = (t: Tensor) => ({ type: t.type, data: t.data });

interface PoolCase {
  readonly label: string;
  readonly x: TensorType;
  readonly w: TensorType;
  readonly conv: ConvParams;
  readonly window: PoolWindow;
}

const LENET1: PoolCase = {
  label: 'LeNet conv1',
  x: f32(64, 1, 28, 28),
  w: f32(20, 1, 5, 5),
  conv: { stride: [1, 1], padding: [0, 0], groups: 1 },
  window: { size: [2, 2], stride: [2, 2], padding: [0, 0] },
};
const LENET2: PoolCase = {
  label: 'LeNet conv2',
  x: f32(64, 20, 12, 12),
  w: f32(50, 20, 5, 5),
  conv: { stride: [1, 1], padding: [0, 0], groups: 1 },
  window: { size: [2, 2], stride: [2, 2], padding: [0, 0] },
};
const ODD: PoolCase[] = [
  // groups, stride, padding on the conv; a ragged, padded, non-square pool whose stride exceeds its width.
  {
    label: 'odd ragged',
    x: f32(3, 6, 11, 13),
    w: f32(9, 2, 3, 4),
    conv: { stride: [2, 1], padding: [1, 2], groups: 3 },
    window: { size: [3, 2], stride: [2, 3], padding: [1, 0] },
  },
  // overlapping windows (stride < size), 25 output channels (a partial channel block), 7 pooled columns.
  {
    label: 'odd overlapping',
    x: f32(2, 2, 17, 19),
    w: f32(25, 2, 3, 3),
    conv: { stride: [1, 1], padding: [1, 1], groups: 1 },
    window: { size: [3, 3], stride: [2, 2], padding: [1, 1] },
  },
];

/** The pool window (in the conv output plane) of pooled element `k`, checked to contain `sw`. */
function inWindow(k: number, sw: number, y: TensorType, pooled: TensorType, w: PoolWindow): boolean {
  const [, , OH, OW] = y.shape;
  const [, , PH, PW] = pooled.shape;
  const px = k % PW;
  const py = Math.floor(k / PW) % PH;
  const sy = Math.floor(sw / OW);
  const sx = sw % OW;
  const y0 = py * w.stride[0] - w.padding[0];
  const x0 = px * w.stride[1] - w.padding[1];
  return sw >= 0 && sy < OH && sy >= y0 && sy < y0 + w.size[0] && sx >= x0 && sx < x0 + w.size[1];
}

/** `textures`: let the kernel read operand textures and expect these bound ('x' binding 0, 'w' binding 1). */
async function checkPool(
  c: PoolCase,
  kind: 'max' | 'avg',
  opts: { switches: boolean; prePool: boolean; tile?: { to: number; tx: number; ty?: number }; textures?: string },
): Promise<void> {
  const x = randomTensor(c.x, 1);
  const w = randomTensor(c.w, 2);
  const bias = randomTensor(f32(c.w.shape[0]), 3);
  const act = convBiasAct(x, w, bias, 'relu', attrsOf(c.conv));
  const pooled = ref(kind === 'max' ? 'max_pool' : 'avg_pool', [act], poolAttrs(c.window))[0];
  const { textures, ...flags } = opts;
  const ctx = textures !== undefined ? { textures: true, limits: {} } : undefined;
  const p = {
    name: `fused_conv2d_add_relu_${kind}_pool`,
    x: c.x,
    w: c.w,
    conv: c.conv,
    epilogue: biasActivation('relu'),
    pool: { kind, window: c.window },
    ctx,
    ...flags,
  };
  const outs = conv2dPoolOutputs(p);
  expect(outs[0].shape).toEqual(pooled.type.shape);
  const spec = emitConv2dPool(p);
  if (textures !== undefined)
    expect((spec.textureInputs ?? []).map((t) => ['x', 'w'][t.binding]).join('')).toBe(textures);
  const got = await runKernel(spec, [input(x), input(w), input(bias)], outs, { guard: true });
  expectClose(`${c.label} pooled`, got[0], pooled.data);
  let next = 1;
  if (opts.switches) {
    const sw = got[next++];
    // Each switch lies in its window and points at an element equal to the maximum.
    const plane = act.type.shape[2] * act.type.shape[3];
    const [, , PH, PW] = pooled.type.shape;
    for (let k = 0; k < sw.length; k++) {
      if (!inWindow(k, sw[k], act.type, pooled.type, c.window))
        throw new Error(`${c.label} switch ${k} = ${sw[k]} is outside its window`);
      const at = Math.floor(k / (PH * PW)) * plane + sw[k];
      expect(Math.abs(act.data[at] - pooled.data[k])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(pooled.data[k])));
    }
    // And they are the registry's switches wherever the maximum is not a near-tie.
    const refSwitches = ref('max_pool_with_switches', [act], poolAttrs(c.window))[1].data;
    let same = 0;
    for (let k = 0; k < sw.length; k++) if (sw[k] === refSwitches[k]) same++;
    expect(same / sw.length).toBeGreaterThan(0.99);
  }
  if (opts.prePool) expectClose(`${c.label} pre-pool`, got[next++], act.data);
  expect(next).toBe(outs.length);
}

describe('conv2d with an epilogue', () => {
  it('bias + relu at LeNet conv2 shapes', async () => {
    const c = LENET2;
    const x = randomTensor(c.x, 4);
    const w = randomTensor(c.w, 5);
    const bias = randomTensor(f32(50), 6);
    const spec = emitConv2dEpilogue({
      name: 'fused_conv2d_add_relu',
      x: c.x,
      w: c.w,
      conv: c.conv,
      epilogue: biasActivation('relu'),
    });
    const want = convBiasAct(x, w, bias, 'relu', attrsOf(c.conv));
    const [got] = await runKernel(spec, [input(x), input(w), input(bias)], [conv2dOutputType(c.x, c.w, c.conv)], {
      guard: true,
    });
    expectClose('conv+bias+relu', got, want.data);
    expect(got.some((v) => v === 0) && got.some((v) => v > 0)).toBe(true);
  });

  it('extra inputs broadcast by load(k): tanh(v · scale[c]) + residual, no bias, odd shapes', async () => {
    const c = ODD[0];
    const y = conv2dOutputType(c.x, c.w, c.conv);
    const scale = f32(9, 1, 1);
    const x = randomTensor(c.x, 7);
    const w = randomTensor(c.w, 8);
    const residual = randomTensor(y, 9);
    const s = randomTensor(scale, 10);
    const tanh = activation('tanh');
    const spec = emitConv2dEpilogue({
      name: 'fused_conv2d_mul_tanh_add',
      x: c.x,
      w: c.w,
      conv: c.conv,
      epilogue: {
        extraInputs: [y, scale],
        expr: (v, idx, bind) => `${tanh(bind(`${v} * ${idx.load(1)}`))} + ${idx.load(0)}`,
      },
    });
    const conv = ref('conv2d', [x, w], attrsOf(c.conv))[0];
    const want = ref('add', [ref('tanh', [ref('mul', [conv, s])[0]])[0], residual])[0];
    const [got] = await runKernel(spec, [input(x), input(w), input(residual), input(s)], [y], { guard: true });
    expectClose('conv*scale→tanh+residual', got, want.data);
  });
});

describe('conv2d → bias → relu → pooling in one kernel', () => {
  it('LeNet conv1: max pool with switches', () => checkPool(LENET1, 'max', { switches: true, prePool: false }));
  it('LeNet conv2: max pool with switches and the pre-pool activation', () =>
    checkPool(LENET2, 'max', { switches: true, prePool: true }));
  it('LeNet conv1: avg pool', () => checkPool(LENET1, 'avg', { switches: false, prePool: false }));
  for (const c of ODD) {
    it(`${c.label}: max pool with switches`, () => checkPool(c, 'max', { switches: true, prePool: false }));
    it(`${c.label}: avg pool`, () => checkPool(c, 'avg', { switches: false, prePool: false }));
  }
  it('overlapping windows cover the output, so the pre-pool values can be written', async () => {
    const c = ODD[1];
    expect(poolCoversOutput(conv2dOutputType(c.x, c.w, c.conv), c.window)).toBe(true);
    await checkPool(c, 'max', { switches: false, prePool: true });
  });
  for (const tile of [
    { to: 8, tx: 4 },
    { to: 3, tx: 1 },
    { to: 7, tx: 3 },
    { to: 3, tx: 2, ty: 2 },
    { to: 4, tx: 1, ty: 3 },
  ]) {
    it(`any tile: ${tile.to} channels × ${tile.tx} pooled columns × ${tile.ty ?? 1} pooled rows (odd overlapping, max with switches and pre-pool)`, () =>
      checkPool(ODD[1], 'max', { switches: true, prePool: true, tile }));
  }
  it('2 pooled rows per invocation, 9 rows: ragged, padded, average', () =>
    checkPool(ODD[1], 'avg', { switches: false, prePool: true, tile: { to: 5, tx: 2, ty: 2 } }));
  it('ragged groups, strided conv, 2 pooled rows per invocation', () =>
    checkPool(ODD[0], 'max', { switches: true, prePool: false, tile: { to: 2, tx: 2, ty: 2 } }));
  it('LeNet conv1 through operand textures: column tiles, unaligned weight runs', () =>
    checkPool(LENET1, 'max', { switches: true, prePool: true, textures: 'xw' }));
  it('LeNet conv2 through operand textures: one tile per row', () =>
    checkPool(LENET2, 'max', { switches: true, prePool: true, textures: 'xw' }));
  it('padded overlapping pool through operand textures: input columns from −4 in steps of 4, aligned weight runs', () => {
    const c: PoolCase = {
      label: 'padded textured',
      x: f32(2, 4, 10, 24),
      w: f32(8, 4, 3, 4),
      conv: { stride: [1, 1], padding: [1, 3], groups: 1 },
      window: { size: [3, 3], stride: [2, 2], padding: [1, 1] },
    };
    return checkPool(c, 'max', { switches: true, prePool: true, tile: { to: 3, tx: 2 }, textures: 'xw' });
  });
  it('ragged groups: x stays a buffer where rows are not whole texels, w a texture', () =>
    checkPool(ODD[0], 'avg', { switches: false, prePool: false, textures: 'w' }));
  it('refuses pre-pool values the windows do not cover, and switches of an average', () => {
    const c = ODD[0];
    expect(poolCoversOutput(conv2dOutputType(c.x, c.w, c.conv), c.window)).toBe(false);
    const base = { name: 'k', x: c.x, w: c.w, conv: c.conv };
    expect(() => emitConv2dPool({ ...base, pool: { kind: 'max', window: c.window }, prePool: true })).toThrow(
      'do not cover the conv output',
    );
    expect(() => emitConv2dPool({ ...base, pool: { kind: 'avg', window: c.window }, switches: true })).toThrow(
      'switches need max pooling',
    );
  });
});

describe("reading the fused nodes' attributes", () => {
  it('takes normalized conv and pool attributes, a pool stride of [] meaning the window', () => {
    expect(convParamsOf(normalizeAttrs(getOp('conv2d'), { stride: [2, 1], groups: 2 }))).toEqual({
      stride: [2, 1],
      padding: [0, 0],
      groups: 2,
    });
    expect(poolWindowOf(normalizeAttrs(getOp('max_pool'), { size: [2, 3] }))).toEqual({
      size: [2, 3],
      stride: [2, 3],
      padding: [0, 0],
    });
    expect(poolWindowOf(normalizeAttrs(getOp('avg_pool'), { size: [3, 3], stride: [2, 2], padding: [1, 1] }))).toEqual({
      size: [3, 3],
      stride: [2, 2],
      padding: [1, 1],
    });
  });
});
