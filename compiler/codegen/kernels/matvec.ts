// Matrix-vector products (matmuls with n == 1 or m == 1) for the 'register' family.
// The register kernel gives each invocation a 16×8 block of C, so with one output
// column 7/8 of every block is wasted work. Here each invocation owns whole outputs.
//
// With one of M, N equal to 1 the vector operand (A when M == 1, B when N == 1) is K
// contiguous floats whatever its transpose flag, and the other operand, the matrix,
// is read one of two ways:
//   - 'rows': each output is a dot product of a stored row of the matrix with the
//     vector (A [M,K] when N == 1, B stored [N,K] when M == 1). An invocation owns
//     `rows` consecutive outputs and walks K four at a time with vec4 loads (K % 4
//     == 0); the vector's vec4 is the same in every lane and serves all its rows.
//   - 'cols': each output is a stored column (A stored [K,M] when N == 1, B [K,N]
//     when M == 1). An invocation owns 4 consecutive outputs as one vec4 (length %
//     4 == 0) and accumulates one matrix vec4 times one vector scalar per k.
// On llvmpipe a load whose address differs across the SIMD lanes costs ~4 ns per
// vec4 (a vec4 FMA ~0.3 ns), so the matrix loads, each used once, set the time; the
// vector's loads are the same address in every lane. Without vec4 alignment both
// ways fall back to scalar loads. No workgroup memory, no barriers; the batch is
// the z dimension, as in the other families.
import type { KernelSpec } from '../kernel-spec';
import type { EpilogueLayout, MatmulEpilogue } from './matmul-epilogue';
import {
  emitEpilogueBindings,
  epilogueScalarLoads,
  epilogueStoreQuad,
  epilogueStores,
  PLAIN_EPILOGUE,
} from './matmul-epilogue';
import type { MatmulProblem } from './matmul-problem';
import { batchCount, emitBatchOffsets, matmulName } from './matmul-problem';
import { storageDecl } from '../wgsl/buffers';

/** Invocations per workgroup: one 8-lane SIMD group per llvmpipe task keeps both cores busy at small sizes. */
const WORKGROUP = 8;
/** Outputs per invocation in the 'rows' way (the vector's loads are shared by them). */
const ROWS = 2;
const MAX_WORKGROUPS = 65535;

type Way = 'rows' | 'cols';

/** Whether the problem is a matrix-vector product this file handles. */
export function isMatvec(p: MatmulProblem): boolean {
  if (p.n !== 1 && p.m !== 1) return false;
  const len = p.n === 1 ? p.m : p.n;
  return Math.ceil(len / WORKGROUP) <= MAX_WORKGROUPS && batchCount(p) <= MAX_WORKGROUPS;
}

interface Layout {
  readonly way: Way;
  /** Outputs per batch. */
  readonly len: number;
  /** Binding names of the matrix and the vector, and their batch offsets. */
  readonly mat: 'a' | 'b';
  readonly vec: 'a' | 'b';
  /** Whether the matrix and the vector are read as vec4. */
  readonly matVec4: boolean;
  readonly vecVec4: boolean;
}

function layoutOf(p: MatmulProblem): Layout {
  // N == 1: C = op(A)·x with x = B; M == 1: C = x·op(B) with x = A (when both are 1, the first).
  const byRows = p.n === 1 ? !p.transA : p.transB;
  const len = p.n === 1 ? p.m : p.n;
  const [mat, vec] = p.n === 1 ? (['a', 'b'] as const) : (['b', 'a'] as const);
  if (byRows) {
    const v4 = p.k % 4 === 0;
    return { way: 'rows', len, mat, vec, matVec4: v4, vecVec4: v4 };
  }
  return { way: 'cols', len, mat, vec, matVec4: len % 4 === 0, vecVec4: false };
}

/**
 * The epilogue with its operands' layouts as seen along the output vector: with
 * N == 1 a per-row operand runs along it and a per-column one is a single value;
 * with M == 1 the other way round.
 */
function asRowVector(e: MatmulEpilogue, p: MatmulProblem): MatmulEpilogue {
  const along: EpilogueLayout = p.n === 1 ? 'row' : 'col';
  const inputs = e.inputs.map((o) => ({
    ...o,
    layout: o.layout === along ? ('matrix' as const) : o.layout === 'matrix' ? o.layout : ('scalar' as const),
  }));
  return { ...e, inputs };
}

/** The (row, col) of C of output `i` of this batch. */
function rowCol(p: MatmulProblem, i: string): [string, string] {
  return p.n === 1 ? [i, '0u'] : ['0u', i];
}

export function emitMatvec(p: MatmulProblem, epilogue: MatmulEpilogue = PLAIN_EPILOGUE): KernelSpec {
  const lay = layoutOf(p);
  const { k: K } = p;
  const type = (v4: boolean) => (v4 ? 'vec4<f32>' : 'f32');
  const decl = (name: 'a' | 'b', v4: boolean) => storageDecl(name === 'a' ? 0 : 1, name, type(v4), 'read');
  const matOff = `${lay.mat}Off`;
  const vecOff = `${lay.vec}Off`;
  const outVec4 = lay.way === 'cols' && lay.matVec4;
  const perInvocation = lay.way === 'rows' ? Math.min(ROWS, lay.len) : lay.matVec4 ? 4 : 1;
  const invocations = Math.ceil(lay.len / perInvocation);

  const L: string[] = [];
  L.push(decl('a', lay.mat === 'a' ? lay.matVec4 : lay.vecVec4));
  L.push(decl('b', lay.mat === 'b' ? lay.matVec4 : lay.vecVec4));
  // The vec4 path stores 4 consecutive outputs, loading each operand as one vec4 along the output vector.
  const e = outVec4 ? asRowVector(epilogue, p) : epilogue;
  L.push(...emitEpilogueBindings(e, 2, outVec4));
  L.push('');
  L.push(`@compute @workgroup_size(${WORKGROUP}, 1, 1)`);
  L.push('fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {');
  const B: string[] = [];
  B.push(...emitBatchOffsets(p, 'wid.z'));
  B.push(`let t = wid.x * ${WORKGROUP}u + lid.x;`);
  B.push(`if (t >= ${invocations}u) { return; }`);
  const store = (i: string, acc: string) => {
    const [row, col] = rowCol(p, i);
    return epilogueStores(e, acc, p.n, `cOff + ${i}`, row, col);
  };

  if (lay.way === 'rows') {
    const R = perInvocation;
    const rs = [...Array(R).keys()];
    // Rows past the end are clamped onto the last one (loads stay in bounds, no
    // branch in the loop); only their stores are skipped.
    B.push(`let i0 = t * ${R}u;`);
    for (const r of rs) B.push(`let row${r} = min(i0 + ${r}u, ${lay.len - 1}u);`);
    const steps = lay.matVec4 ? K / 4 : K;
    const zero = lay.matVec4 ? 'vec4<f32>(0.0)' : '0.0';
    const base = (off: string) => (lay.matVec4 ? `${off} / 4u` : off);
    for (const r of rs) B.push(`let m${r} = ${base(matOff)} + row${r} * ${steps}u;`);
    B.push(`let v0 = ${base(vecOff)};`);
    for (const r of rs) B.push(`var acc${r} = ${zero};`);
    B.push(`for (var k = 0u; k < ${steps}u; k += 1u) {`);
    B.push(`  let x = ${lay.vec}[v0 + k];`);
    for (const r of rs) B.push(`  acc${r} = fma(${lay.mat}[m${r} + k], x, acc${r});`);
    B.push('}');
    for (const r of rs) {
      const sum = lay.matVec4 ? `(acc${r}.x + acc${r}.y) + (acc${r}.z + acc${r}.w)` : `acc${r}`;
      B.push(`if (i0 + ${r}u < ${lay.len}u) { let i = i0 + ${r}u; let s = ${sum}; ${store('i', 's')} }`);
    }
  } else if (lay.matVec4) {
    // Four outputs per invocation: column vec4 t of every stored row k.
    const stride = lay.len / 4;
    B.push(`let m0 = ${matOff} / 4u + t;`);
    B.push('var acc = vec4<f32>(0.0);');
    B.push(`for (var k = 0u; k < ${K}u; k += 1u) {`);
    B.push(`  acc = fma(${lay.mat}[m0 + k * ${stride}u], vec4<f32>(${lay.vec}[${vecOff} + k]), acc);`);
    B.push('}');
    const scalars = epilogueScalarLoads(e);
    B.push(...scalars.lines);
    B.push(...epilogueStoreQuad(e, 'acc', lay.len, '0u', 't * 4u', 'cOff / 4u + t', scalars.scalarOf));
  } else {
    B.push(`let m0 = ${matOff} + t;`);
    B.push('var acc = 0.0;');
    B.push(`for (var k = 0u; k < ${K}u; k += 1u) {`);
    B.push(`  acc = fma(${lay.mat}[m0 + k * ${lay.len}u], ${lay.vec}[${vecOff} + k], acc);`);
    B.push('}');
    B.push(`{ let i = t; ${store('i', 'acc')} }`);
  }
  L.push(...B.map((s) => `  ${s}`));
  L.push('}');
  return {
    name: matmulName(p, 'matvec'),
    wgsl: L.join('\n') + '\n',
    workgroups: [Math.ceil(invocations / WORKGROUP), 1, batchCount(p)],
    ...(e.usesScalars ? { usesScalars: true } : {}),
  };
}
