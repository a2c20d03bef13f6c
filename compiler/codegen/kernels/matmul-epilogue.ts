// The matmul epilogue as data: what every matmul kernel does per output element
// after its K loop — load the operands an element needs (bias, mask, an optimizer's
// velocity...), compute each output's value, store it — and the WGSL pieces the
// kernel families share to do it: one scalar load per operand, or (the register
// family, N % 4 == 0) one vec4 per 4 columns.
import { storageDecl, bindingDecl, loadExpr, storageType } from '../wgsl/buffers';

/**
 * How an epilogue operand lines up with the [M, N] product: one element per output
 * ('matrix', [M, N]), per row ('row', [M, 1]), per column ('col', [N] or [1, N]), or
 * one for all ('scalar').
 */
export type EpilogueLayout = 'matrix' | 'row' | 'col' | 'scalar';

/** A tensor the epilogue reads at each output element. */
export interface EpilogueOperand {
  /** WGSL identifier of its array (`e0`); must not clash with a, b or the outputs. */
  readonly name: string;
  readonly dtype: 'f32' | 'i32' | 'u32' | 'bool';
  readonly layout: EpilogueLayout;
}

/** An f32 [M, N] tensor the kernel writes, bound read_write after the inputs. */
export interface EpilogueOutput {
  /** WGSL identifier of its array (`c`, `c1`). */
  readonly name: string;
  /**
   * Updated in place: the epilogue reads its old value at each element (by this
   * name) before the kernel stores the new one there. Every element is read and
   * written by the same invocation, so no other invocation sees a half-written value.
   */
  readonly inPlace?: boolean;
}

/** The epilogue at one element: `let` lines (for values used more than once), then the value stored into each output. */
export interface EpilogueValues {
  readonly lets: readonly string[];
  readonly stored: readonly string[];
}

/**
 * What the matmul kernel does per output element after the K loop, as data: it
 * loads each operand's value at the element (and each in-place output's old value),
 * then stores `values(...).stored[j]` into output j. Kernels choose how to load
 * (llvmpipe's register family loads 4 columns at once).
 */
export interface MatmulEpilogue {
  /** Read-only inputs, bound after A and B in this order. */
  readonly inputs: readonly EpilogueOperand[];
  /** Outputs, bound after the inputs in this order. */
  readonly outputs: readonly EpilogueOutput[];
  /**
   * The f32 WGSL expression stored into each output, from the accumulator's and the
   * operands' WGSL expressions at the element (`valueOf(name)`: an input, or an
   * in-place output's old value; bools as WGSL bool) and the element's u32 flat
   * index in the [M, N] output (`element`, for random draws). Names the `lets`
   * define start with `prefix`, which the kernel makes unique within a block.
   */
  readonly values: (acc: string, valueOf: (name: string) => string, prefix: string, element: string) => EpilogueValues;
  /** Module-scope WGSL the values call (philox_draw); with `usesScalars`, the kernel binds `scalars` after the outputs. */
  readonly functions?: string;
  readonly usesScalars?: boolean;
}

/** No epilogue: C itself, stored as `c`. */
export const PLAIN_EPILOGUE: MatmulEpilogue = {
  inputs: [],
  outputs: [{ name: 'c' }],
  values: (acc) => ({ lets: [], stored: [acc] }),
};

/** The operands read at each element: the inputs, then the in-place outputs (as f32 [M, N]). */
function epilogueReads(e: MatmulEpilogue): EpilogueOperand[] {
  return [
    ...e.inputs,
    ...e.outputs
      .filter((o) => o.inPlace)
      .map((o) => ({ name: o.name, dtype: 'f32' as const, layout: 'matrix' as const })),
  ];
}

/** The element index of an operand laid out `layout` at (row, col) of an [M, N] product. */
function epilogueIndex(layout: EpilogueLayout, n: number, row: string, col: string): string {
  switch (layout) {
    case 'matrix':
      return `(${row}) * ${n}u + (${col})`;
    case 'row':
      return row;
    case 'col':
      return col;
    case 'scalar':
      return '0u';
    default:
      throw new Error(`unknown epilogue layout ${layout satisfies never}`);
  }
}

/** A lane of a loaded vec4 as its WGSL expression type (bool is stored as u32). */
function asValue(element: string, dtype: EpilogueOperand['dtype']): string {
  return dtype === 'bool' ? `(${element} != 0u)` : element;
}

/**
 * The stored values of every output at (row, col), each operand loaded as one
 * scalar (the families without vec4 epilogues, and columns that are not a multiple of 4).
 * An in-place output's old value is loaded into a `let` ahead of the values' own lets,
 * so before any store: an earlier output's store may overwrite that very buffer (vSGD
 * stores the gradient over its gprev slot, whose old value the curvature then reads).
 */
function epilogueValuesAt(
  e: MatmulEpilogue,
  acc: string,
  n: number,
  row: string,
  col: string,
  prefix: string,
): EpilogueValues {
  const reads = new Map(epilogueReads(e).map((o) => [o.name, o]));
  const old = e.outputs.filter((o) => o.inPlace).map((o) => [o.name, `${prefix}old_${o.name}`] as const);
  const oldOf = new Map(old);
  const load = (o: EpilogueOperand): string => loadExpr(o.name, epilogueIndex(o.layout, n, row, col), o.dtype);
  const v = e.values(
    acc,
    (name) => {
      const o = reads.get(name);
      if (!o) throw new Error(`matmul epilogue reads '${name}', which is neither an input nor an in-place output`);
      return oldOf.get(name) ?? load(o);
    },
    prefix,
    epilogueIndex('matrix', n, row, col),
  );
  const oldLets = old.map(([name, id]) => `let ${id} = ${load(reads.get(name)!)};`);
  return { lets: [...oldLets, ...v.lets], stored: v.stored };
}

/**
 * WGSL lines computing 4 consecutive outputs (row, col..col+3), `col` a multiple of
 * 4 and N % 4 == 0, from the vec4 accumulator `acc` with one vec4 load per
 * 'matrix' or 'col' operand (arrays of vec4, see emitEpilogueBindings); then one
 * vec4 store per output at vec4 index `at`. `scalarOf(name)` names a 'scalar'
 * operand loaded once per invocation.
 */
export function epilogueStoreQuad(
  e: MatmulEpilogue,
  acc: string,
  n: number,
  row: string,
  col: string,
  at: string,
  scalarOf: (name: string) => string,
): string[] {
  const L: string[] = [];
  const lanes = ['x', 'y', 'z', 'w'] as const;
  const reads = epilogueReads(e);
  const quad = new Map<string, (lane: number) => string>();
  for (const o of reads) {
    switch (o.layout) {
      case 'matrix':
      case 'col': {
        const at = o.layout === 'matrix' ? `((${row}) * ${n}u + (${col})) / 4u` : `(${col}) / 4u`;
        L.push(`let q_${o.name} = ${o.name}[${at}];`);
        quad.set(o.name, (l) => asValue(`q_${o.name}.${lanes[l]}`, o.dtype));
        break;
      }
      case 'row':
        L.push(`let q_${o.name} = ${loadExpr(o.name, row, o.dtype)};`);
        quad.set(o.name, () => `q_${o.name}`);
        break;
      case 'scalar':
        quad.set(o.name, () => scalarOf(o.name));
        break;
      default:
        throw new Error(`unknown epilogue layout ${o.layout satisfies never}`);
    }
  }
  const perLane = [0, 1, 2, 3].map((l) =>
    e.values(
      `${acc}.${lanes[l]}`,
      (name) => {
        const v = quad.get(name);
        if (!v) throw new Error(`matmul epilogue reads '${name}', which is neither an input nor an in-place output`);
        return v(l);
      },
      `${lanes[l]}_`,
      `${epilogueIndex('matrix', n, row, col)} + ${l}u`,
    ),
  );
  for (const v of perLane) L.push(...v.lets);
  e.outputs.forEach((out, j) => {
    L.push(`${out.name}[${at}] = vec4<f32>(${perLane.map((v) => v.stored[j]).join(', ')});`);
  });
  return L;
}

/** `let s_<name> = <name>[0];` for each 'scalar' input: loaded once per invocation. */
export function epilogueScalarLoads(e: MatmulEpilogue): { lines: string[]; scalarOf: (name: string) => string } {
  const scalars = e.inputs.filter((o) => o.layout === 'scalar');
  return {
    lines: scalars.map((o) => `let s_${o.name} = ${loadExpr(o.name, '0u', o.dtype)};`),
    scalarOf: (name) => `s_${name}`,
  };
}

/**
 * Binding declarations of the epilogue's inputs (read-only, from `first`), outputs
 * (read_write, after the inputs) and, where it draws random numbers, the `scalars`
 * buffer and the functions it calls. With `vec4`, the outputs and the 'matrix'
 * and 'col' inputs are arrays of vec4 (for epilogueStoreQuad).
 */
export function emitEpilogueBindings(e: MatmulEpilogue, first: number, vec4 = false): string[] {
  const inputs = e.inputs.map((o, i) => {
    const wide = vec4 && (o.layout === 'matrix' || o.layout === 'col');
    const elem = storageType(o.dtype);
    return storageDecl(first + i, o.name, wide ? `vec4<${elem}>` : elem, 'read');
  });
  const outputs = e.outputs.map((o, j) =>
    storageDecl(first + e.inputs.length + j, o.name, vec4 ? 'vec4<f32>' : 'f32', 'read_write'),
  );
  const scalars = e.usesScalars
    ? [bindingDecl(first + e.inputs.length + e.outputs.length, 'scalars', 'u32', 'read')]
    : [];
  return [...inputs, ...outputs, ...scalars, ...(e.functions ? [e.functions] : [])];
}

/**
 * The stores of every output at flat element `index` = (row, col), each operand
 * loaded as a scalar; `prefix` keeps the epilogue's `let` names apart from other
 * calls in the same block.
 */
export function epilogueStores(
  e: MatmulEpilogue,
  acc: string,
  n: number,
  index: string,
  row: string,
  col: string,
  prefix = '',
): string {
  const v = epilogueValuesAt(e, acc, n, row, col, prefix);
  return [...v.lets, ...e.outputs.map((o, j) => `${o.name}[${index}] = ${v.stored[j]};`)].join(' ');
}
