// The few ONNX protobuf messages dlc writes, built with onnx-proto's generated
// classes (protobufjs) so the encoding is the maintained one, never hand-written.
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { DType } from '../../ir/types';

// onnx-proto is CommonJS: Node's ESM loader gives it only a default export.
const { onnx } = onnxProto;

/** Opset 18: every reduction takes its axes as an input (ReduceSum already did in 13). */
export const OPSET = 18;
/** IR version 8 is what opset 18 models declare (ONNX 1.13). */
export const IR_VERSION = 8;

const ELEM: Record<DType, number> = {
  f32: onnx.TensorProto.DataType.FLOAT,
  i32: onnx.TensorProto.DataType.INT32,
  u32: onnx.TensorProto.DataType.UINT32,
  bool: onnx.TensorProto.DataType.BOOL,
};

export function elemType(dtype: DType): number {
  return ELEM[dtype];
}

export type OnnxAttr = number | string | readonly number[] | { readonly float: number };

/** An AttributeProto: integers as INT(S), other numbers and `{ float }` as FLOAT, strings as STRING. */
function attribute(name: string, v: OnnxAttr): P.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'object' && 'float' in v) return { name, type: A.FLOAT, f: v.float };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  return { name, type: A.INTS, ints: [...v] };
}

export function nodeProto(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Readonly<Record<string, OnnxAttr>> = {},
): P.INodeProto {
  const attribute_ = Object.keys(attrs)
    .sort()
    .map((k) => attribute(k, attrs[k]!));
  return { opType, input: [...inputs], output: [...outputs], attribute: attribute_ };
}

/** One dimension: a number, or a symbolic name (the dynamic batch axis). */
export type OnnxDim = number | string;

export function valueInfo(name: string, dtype: DType, dims: readonly OnnxDim[]): P.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: elemType(dtype), shape: { dim } } } };
}

/** A tensor with its data as little-endian raw bytes (f32, i32, u32, bool as u8). */
export function tensorProto(
  name: string,
  dtype: DType,
  dims: readonly number[],
  data: ArrayLike<number>,
): P.ITensorProto {
  let raw: Uint8Array;
  if (dtype === 'bool') raw = Uint8Array.from(data, (v) => (v ? 1 : 0));
  else {
    const typed =
      dtype === 'f32' ? Float32Array.from(data) : dtype === 'i32' ? Int32Array.from(data) : Uint32Array.from(data);
    raw = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  }
  return { name, dims: [...dims], dataType: elemType(dtype), rawData: raw };
}

/** INT64 tensors (shapes, axes, indices): ONNX wants them 64-bit. */
export function int64Tensor(name: string, values: readonly number[]): P.ITensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return {
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  };
}

export function encodeModel(model: P.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function decodeModel(bytes: Uint8Array): P.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
