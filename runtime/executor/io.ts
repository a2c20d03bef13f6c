// Host-side tensors going in and out of the executor: which typed array carries each
// dtype, validation of what a caller hands in (name, dtype, element count), and
// reading elements back out of mapped bytes.
import { DlcError } from '../errors';
import type { PlanDType, PlanTensorRef } from '../plan';

export type HostTensor = Float32Array | Int32Array | Uint32Array | Uint8Array;

/**
 * The typed arrays that carry `dtype` on the host, by constructor name; bool takes
 * either. The generated module's input types (compiler/codegen/module.ts) read this too.
 */
export function hostArrayNames(dtype: PlanDType): readonly string[] {
  switch (dtype) {
    case 'f32':
      return ['Float32Array'];
    case 'i32':
      return ['Int32Array'];
    case 'u32':
      return ['Uint32Array'];
    case 'bool':
      return ['Uint8Array', 'Uint32Array'];
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

export function typedArrayName(dtype: PlanDType): string {
  return hostArrayNames(dtype).join(' or ');
}

function describeGiven(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name} of ${(value as unknown as { length: number }).length} elements`;
  if (Array.isArray(value)) return `an array of ${value.length} elements`;
  return typeof value;
}

function accepts(dtype: PlanDType, value: unknown): value is HostTensor {
  switch (dtype) {
    case 'f32':
      return value instanceof Float32Array;
    case 'i32':
      return value instanceof Int32Array;
    case 'u32':
      return value instanceof Uint32Array;
    case 'bool':
      return value instanceof Uint8Array || value instanceof Uint32Array;
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

/** `f32[2,3]`. */
export function shapeText(ref: { dtype: PlanDType; shape: readonly number[] }): string {
  return `${ref.dtype}[${ref.shape.join(',')}]`;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Checks a call's inputs against an entry's declared inputs; throws a DlcError
 * naming the input, what was expected and what was given. `rows`: the call gives n
 * rows of these batch inputs (executor/rows.ts), not the declared first dimension.
 */
export function validateInputs(
  entry: string,
  declared: readonly Pick<PlanTensorRef, 'name' | 'dtype' | 'shape'>[],
  given: Readonly<Record<string, unknown>> | undefined,
  rows?: { readonly n: number; readonly inputs: readonly string[] },
): void {
  const inputs = given ?? {};
  if (typeof inputs !== 'object')
    throw new DlcError(`${entry}: inputs must be an object of named typed arrays, got ${typeof inputs}`);
  for (const name of Object.keys(inputs)) {
    if (!declared.some((d) => d.name === name)) {
      const known = declared.map((d) => d.name).join(', ') || 'none';
      throw new DlcError(`${entry}: unknown input '${name}' (inputs: ${known})`);
    }
  }
  for (const declaredRef of declared) {
    const fewer = rows?.inputs.includes(declaredRef.name) === true;
    const ref = fewer ? { ...declaredRef, shape: [rows!.n, ...declaredRef.shape.slice(1)] } : declaredRef;
    const value = inputs[ref.name];
    const want = `${typedArrayName(ref.dtype)} of ${numelOf(ref.shape)} elements (${shapeText(ref)})`;
    if (!accepts(ref.dtype, value))
      throw new DlcError(`${entry}: input '${ref.name}' expects a ${want}, given ${describeGiven(value)}`);
    if (value.length !== numelOf(ref.shape))
      throw new DlcError(`${entry}: input '${ref.name}' expects a ${want}, given ${describeGiven(value)}`);
  }
}

/** A typed array of the right kind for `dtype` over `count` elements of `bytes` (copied). */
export function readElements(
  dtype: PlanDType,
  bytes: ArrayBuffer,
  offset: number,
  count: number,
): Float32Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'f32':
      return new Float32Array(bytes.slice(offset, offset + 4 * count));
    case 'i32':
      return new Int32Array(bytes.slice(offset, offset + 4 * count));
    case 'u32':
    case 'bool':
      return new Uint32Array(bytes.slice(offset, offset + 4 * count));
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

/** Checks a named tensor handed to setParams/load against its buffer's dtype and shape. */
export function validateTensor(
  what: string,
  ref: { dtype: PlanDType; shape: readonly number[] },
  value: unknown,
): asserts value is HostTensor {
  const want = `${typedArrayName(ref.dtype)} of ${numelOf(ref.shape)} elements (${shapeText(ref)})`;
  if (!accepts(ref.dtype, value) || value.length !== numelOf(ref.shape)) {
    throw new DlcError(`${what} expects a ${want}, given ${describeGiven(value)}`);
  }
}
