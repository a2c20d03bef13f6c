// Every op ONNX_OPS exports, one node at a time: the exported graph run by ONNX
// Runtime against the op's float64 reference (compiler/ops), on fixed inputs,
// edge cases included (out-of-range one_hot indices, repeated scatter ids, padding).
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../../compiler/ops/index';
import { getOp } from '../../compiler/ops/registry';
import type { Tensor } from '../../compiler/ops/registry';
import type { Attrs, DType, Graph, Node, Span, TensorType, Value } from '../../compiler/ir/types';
import { numel } from '../../compiler/ir/types';
import type { Program } from '../../compiler/ir/program';
import { exportOnnx } from '../../compiler/export/onnx/export';
import { ONNX_OPS } from '../../compiler/export/onnx/ops';

interface Input {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data?: readonly number[];
}

/** Inputs without data get a fixed spread of values in [lo, hi]. */
function values(t: Input, k: number, lo: number, hi: number): number[] {
  if (t.data) return [...t.data];
  return Array.from({ length: numel(t.shape) }, (_, i) => lo + ((((i * 7 + k * 13) % 17) + 0.5) / 17) * (hi - lo));
}

function oneNodeGraph(op: string, inputs: readonly TensorType[], attrs: Attrs, span?: Span): Graph {
  const args = inputs.map((type, i) => ({
    kind: 'input' as const,
    name: `in${i}`,
    value: { id: i, type, def: null } as Value,
  }));
  const outputs: Value[] = [];
  const node: Node = { id: 100, op, inputs: args.map((a) => a.value), outputs, attrs, ...(span ? { span } : {}) };
  getOp(op)
    .infer(inputs, attrs)
    .forEach((type, k) => outputs.push({ id: 200 + k, type, def: node }));
  return { name: 'f', args, nodes: [node], results: outputs.map((value, k) => ({ name: `out${k}`, value })) };
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = { f32: 'float32', i32: 'int32', u32: 'uint32', bool: 'bool' };

async function check(
  op: string,
  inputs: readonly Input[],
  attrs: Attrs,
  range: [number, number] = [-2, 2],
): Promise<void> {
  const types = inputs.map((t) => ({ dtype: t.dtype, shape: [...t.shape] }));
  const graph = oneNodeGraph(op, types, attrs);
  const program: Program = {
    model: 'ops',
    hyper: {},
    persistent: [],
    scalars: [],
    entries: [{ name: 'f', kind: 'infer', graph }],
  };
  const result = exportOnnx({
    program,
    entry: program.entries[0]!,
    tensor: () => {
      throw new Error('no params');
    },
    producerVersion: 'test',
  });
  if (!('bytes' in result)) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  const data = inputs.map((t, k) => values(t, k, ...range));
  const feeds: Record<string, ort.Tensor> = {};
  inputs.forEach((t, k) => {
    const d = data[k]!;
    const typed =
      t.dtype === 'f32'
        ? Float32Array.from(d)
        : t.dtype === 'i32'
          ? Int32Array.from(d)
          : t.dtype === 'u32'
            ? Uint32Array.from(d)
            : Uint8Array.from(d);
    feeds[`in${k}`] = new ort.Tensor(ORT_TYPE[t.dtype], typed, [...t.shape]);
  });
  const session = await ort.InferenceSession.create(result.bytes);
  const got = await session.run(feeds);
  const refIn: Tensor[] = types.map((type, k) => ({
    type,
    data: Float64Array.from(data[k]!, (v) => (type.dtype === 'f32' ? Math.fround(v) : v)),
  }));
  const want = getOp(op).reference(refIn, attrs, { seed: 0, step: 0 });
  want.forEach((w, k) => {
    const g = got[`out${k}`]!;
    expect(g.dims).toEqual(w.type.shape);
    const gv = Array.from(g.data as ArrayLike<number | boolean>, Number);
    gv.forEach((v, i) =>
      expect(Math.abs(v - w.data[i]!), `${op} element ${i}: ${v} vs ${w.data[i]}`).toBeLessThan(
        1e-4 * Math.max(1, Math.abs(w.data[i]!)),
      ),
    );
  });
}

const f = (...shape: number[]): Input => ({ dtype: 'f32', shape });
const i32 = (shape: number[], data: number[]): Input => ({ dtype: 'i32', shape, data });
const bools = (shape: number[], data: number[]): Input => ({ dtype: 'bool', shape, data });
const WIN = { stride: [2, 2], padding: [1, 1], size: [2, 2] };

/** [op, inputs, attrs, value range]: at least one case per exported op. */
const CASES: [string, Input[], Attrs, [number, number]?][] = [
  ...['neg', 'exp', 'abs', 'sign', 'sigmoid', 'tanh', 'relu', 'softplus', 'softsign', 'square', 'stop_gradient'].map(
    (op): [string, Input[], Attrs] => [op, [f(2, 3)], {}],
  ),
  ['log', [f(2, 3)], {}, [0.1, 3]],
  ['sqrt', [f(2, 3)], {}, [0.1, 3]],
  ['reciprocal', [f(2, 3)], {}, [0.5, 3]],
  ...['add', 'sub', 'mul', 'minimum', 'maximum'].map((op): [string, Input[], Attrs] => [op, [f(2, 3), f(3)], {}]),
  ['div', [f(2, 3), f(3)], {}, [0.5, 3]],
  ['pow', [f(2, 3), f(2, 3)], {}, [0.5, 2]],
  ...['eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((op): [string, Input[], Attrs] => [
    op,
    [i32([2, 3], [1, 2, 3, 4, 5, 6]), i32([3], [1, 5, 3])],
    {},
  ]),
  ['mod', [i32([2, 3], [7, -7, 7, -7, 0, 5]), i32([3], [3, 3, -3])], {}],
  ['logical_and', [bools([4], [0, 0, 1, 1]), bools([4], [0, 1, 0, 1])], {}],
  ['logical_or', [bools([4], [0, 0, 1, 1]), bools([4], [0, 1, 0, 1])], {}],
  ['logical_not', [bools([2], [0, 1])], {}],
  ['where', [bools([2, 2], [1, 0, 0, 1]), f(2, 2), f(2, 2)], {}],
  ['cast', [f(2, 3)], { to: 'i32' }, [-5, 5]],
  ['constant', [], { value: 0.5, dtype: 'f32', shape: [2, 3] }],
  ['binary_cross_entropy', [f(2, 3), f(2, 3)], {}, [0, 1]],
  ['squared_error', [f(2, 3), f(2, 3)], {}],
  ['hinge', [f(4), f(4)], {}],
  ['huber', [f(2, 4)], { delta: 1 }, [-3, 3]],
  ['cross_entropy', [f(4, 5), i32([4], [0, 4, 2, 2])], {}],
  ['matmul', [f(2, 3), f(3, 4)], { transpose_a: false, transpose_b: false }],
  ['matmul', [f(3, 2), f(4, 3)], { transpose_a: true, transpose_b: true }],
  ['matmul', [f(2, 2, 3), f(3, 4)], { transpose_a: false, transpose_b: false }],
  ['conv2d', [f(1, 2, 5, 5), f(3, 2, 3, 3)], { stride: [1, 1], padding: [1, 1], groups: 1 }],
  ['conv2d', [f(1, 4, 6, 6), f(4, 2, 3, 3)], { stride: [2, 2], padding: [0, 0], groups: 2 }],
  [
    'conv2d_transpose',
    [f(1, 3, 3, 3), f(3, 2, 3, 3)],
    { stride: [2, 2], padding: [1, 1], groups: 1, output_padding: [1, 1] },
  ],
  ['max_pool', [f(1, 2, 5, 5)], WIN],
  ['avg_pool', [f(1, 2, 5, 5)], WIN],
  ['l2_pool', [f(1, 2, 5, 5)], WIN],
  // A window of 5 over 6 channels, clipped at both ends; alpha large enough that every neighbour counts.
  ['lrn', [f(2, 6, 3, 3)], { size: 5, alpha: 0.5, beta: 0.75, k: 1 }],
  ['lrn', [f(1, 4, 2, 2)], { size: 3, alpha: 0.2, beta: 0.5, k: 2 }],
  ...['sum', 'mean', 'max', 'min', 'logsumexp'].map((op): [string, Input[], Attrs] => [
    op,
    [f(2, 3, 4)],
    { axes: [0, 2], keepdims: false },
  ]),
  ['sum', [f(2, 3)], { axes: [1], keepdims: true }],
  ['argmax', [f(3, 4)], { axis: 1, keepdims: false }],
  ['softmax', [f(3, 4)], { axis: 1 }],
  ['log_softmax', [f(3, 4)], { axis: 0 }],
  ['reshape', [f(2, 3)], { shape: [3, -1] }],
  ['transpose', [f(2, 3, 4)], { perm: [2, 0, 1] }],
  ['broadcast_to', [f(3)], { shape: [2, 3] }],
  ['concat', [f(2, 3), f(2, 1)], { axis: 1 }],
  ['slice', [f(4, 5)], { starts: [1, 0], ends: [4, 5], strides: [2, 2] }],
  ['pad', [f(2, 3)], { lo: [1, 0], hi: [0, 2], interior: [0, 0] }],
  ['iota', [], { shape: [2, 3, 4], axis: 1 }],
  ['iota', [], { shape: [3, 2], axis: -1 }],
  ['literal', [], { data: [1.5, -2, 0.25, 4, 0, 3], dtype: 'f32', shape: [2, 3] }],
  ['literal', [], { data: [3, -1, 7], dtype: 'i32', shape: [3] }],
  ['top_k', [f(3, 6)], { k: 3, largest: true }],
  ['top_k', [f(2, 5)], { k: 5, largest: false }],
  ['one_hot', [i32([4], [0, 3, 7, -1])], { depth: 5 }],
  ['gather', [f(5, 3), i32([2, 2], [4, 0, 2, 2])], { axis: 0 }],
  ['take_along_axis', [f(4, 5), i32([4], [0, 4, 2, 2])], { axis: 1 }],
  ['scatter_add', [f(5, 3), i32([4], [1, 3, 1, 0]), f(4, 3)], { axis: 0 }],
];

/** The diagnostics exportOnnx gives for one node. */
function refusal(op: string, inputs: readonly TensorType[], attrs: Attrs): string[] {
  const span = { file: 'm.dl', line: 3, col: 5, endLine: 3, endCol: 9 };
  const graph = oneNodeGraph(op, inputs, attrs, span);
  const program: Program = {
    model: 'm',
    hyper: {},
    persistent: [],
    scalars: [],
    entries: [{ name: 'f', kind: 'infer', graph }],
  };
  const result = exportOnnx({
    program,
    entry: program.entries[0]!,
    tensor: () => ({ dtype: 'f32', shape: [], data: new Float32Array(1) }),
    producerVersion: 'test',
  });
  return 'diagnostics' in result
    ? result.diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.message}`)
    : [];
}

describe('attributes ONNX has no form for (export-unsupported-attrs, exact text)', () => {
  it('pad with interior zeros', () => {
    expect(refusal('pad', [{ dtype: 'f32', shape: [3] }], { lo: [0], hi: [0], interior: [1] })).toEqual([
      "m.dl:3:5: cannot export this 'pad' to ONNX: interior padding (zeros between elements) has no ONNX Pad mode",
    ]);
  });
  it('scatter_add along axis 1', () => {
    const inputs: TensorType[] = [
      { dtype: 'f32', shape: [2, 3] },
      { dtype: 'i32', shape: [2] },
      { dtype: 'f32', shape: [2, 2] },
    ];
    expect(refusal('scatter_add', inputs, { axis: 1 })).toEqual([
      "m.dl:3:5: cannot export this 'scatter_add' to ONNX: scatter_add is exported along axis 0 only",
    ]);
  });
});

describe('each exported op: ONNX Runtime against the float64 reference', () => {
  it('covers every op in ONNX_OPS', () => {
    expect([...new Set(CASES.map((c) => c[0]))].sort()).toEqual(Object.keys(ONNX_OPS).sort());
  });
  it.each(CASES.map((c, i) => [`${c[0]} #${i}`, c] as const))('%s', async (_name, [op, inputs, attrs, range]) => {
    await check(op, inputs, attrs, range);
  });
});
