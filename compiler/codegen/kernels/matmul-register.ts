// The 'register' matmul family, for CPU-like adapters (Mesa llvmpipe). llvmpipe runs
// 8 invocations in SIMD lanes, and a storage load whose address differs across lanes
// becomes a per-lane scalar loop (~4 ns per vec4 load vs ~0.3 ns per vec4 FMA), so the
// lever is arithmetic per load: each invocation owns a rows × (4·vec4Cols) block of C
// in named vec4 accumulators, the K loop is unrolled by 4 with vec4 loads wherever
// the stored layout is contiguous, and there is no workgroup memory (llvmpipe's
// barriers only cost). Out-of-range rows and columns are clamped onto the last valid
// one so every load stays in bounds without a branch; only the stores are guarded.
import type { KernelContext, KernelSpec } from '../kernel-spec';
import { textureOperand, textureOperandFits } from '../wgsl/texture';
import type { MatmulEpilogue } from './matmul-epilogue';
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

/** The block each invocation computes and the workgroup shape. */
export interface RegisterTile {
  /** Rows of C per invocation. */
  readonly rows: number;
  /** vec4 column groups of C per invocation (4·vec4Cols columns). */
  readonly vec4Cols: number;
  /** Workgroup size along columns (x) and rows (y); with `lanesAlongRows`, along rows (x) and columns (y). */
  readonly wgX: number;
  readonly wgY: number;
  /**
   * llvmpipe runs consecutive x invocations in its SIMD lanes: blocks side by side
   * along x share the work. Columns run along x by default; a product with only one
   * or two column blocks (N = 10 classes) puts its rows there instead, so that the
   * lanes are not left idle.
   */
  readonly lanesAlongRows?: boolean;
}

/** The block for problems with a scalar-fetched operand (see docs/performance.md). */
export const DEFAULT_REGISTER_TILE: RegisterTile = { rows: 16, vec4Cols: 2, wgX: 8, wgY: 4 };

/**
 * The block when both operands are fetched as vec4: fastest on llvmpipe both over
 * textures (30 GFLOP/s at 512², 16×8: 24) and over storage buffers (25, 16×8: 19).
 */
export const WIDE_REGISTER_TILE: RegisterTile = { rows: 16, vec4Cols: 4, wgX: 8, wgY: 4 };

/** Which operands are read through operand textures (vec4 fetches only). */
export interface OperandTextures {
  readonly a: boolean;
  readonly b: boolean;
}

const NO_TEXTURES: OperandTextures = { a: false, b: false };

function elementsOf(batch: readonly number[], rows: number, cols: number): number {
  return batch.reduce((x, y) => x * y, 1) * rows * cols;
}

/** The operands `ctx` lets this problem read through textures: those fetched as vec4 (aligned or shifted) that fit a texture. */
export function operandTextures(
  p: MatmulProblem,
  tile: RegisterTile,
  ctx: Pick<KernelContext, 'textures' | 'limits'>,
): OperandTextures {
  return {
    a: fetchA(p, tile, true) !== 'scalar' && textureOperandFits(ctx, elementsOf(p.batchA, p.m, p.k)),
    b: fetchB(p, true) !== 'scalar' && textureOperandFits(ctx, elementsOf(p.batchB, p.k, p.n)),
  };
}

/** Columns up to which one block spans the whole width and the lanes run along rows (narrowTile). */
const NARROW_COLUMNS = 16;

/**
 * The block for products at most NARROW_COLUMNS wide (a 10-class layer): 8 rows by
 * every column, lanes along rows. With columns along the lanes, N = 10 would fill
 * 2 of 8 lanes; this took 128×512×10 from ~0.44 to ~0.18–0.29 ms and 512×128×10 from
 * ~0.47 to ~0.18–0.28 (docs/performance.md).
 */
function narrowTile(n: number): RegisterTile {
  return { rows: 8, vec4Cols: Math.ceil(n / 4), wgX: 8, wgY: 1, lanesAlongRows: true };
}

/** The block shape for a problem: narrow products along rows, the wide block when both operands are fetched as vec4. */
export function registerTileFor(p: MatmulProblem): RegisterTile {
  if (p.n <= NARROW_COLUMNS && p.m > p.n) return narrowTile(p.n);
  return fetchA(p, WIDE_REGISTER_TILE) !== 'scalar' && fetchB(p) !== 'scalar'
    ? WIDE_REGISTER_TILE
    : DEFAULT_REGISTER_TILE;
}

const LANE = ['x', 'y', 'z', 'w'] as const;

/**
 * How an operand is fetched: 'kvec' loads 4 consecutive k as one vec4 (A not
 * transposed, B transposed, K % 4 == 0); 'mnvec' loads 4 consecutive rows of A or
 * columns of B (A transposed with M % 4 == 0, B not transposed with N % 4 == 0);
 * 'scalar' loads one element at a time.
 *
 * The '-shift' kinds are the same reads where the stored row length is not a
 * multiple of 4 (the 10-class layer's [512, 10] weights): from an operand texture,
 * two neighbouring texels and a shuffle give the 4 floats. Row and block starts
 * are multiples of 4, so how far each read sits into its texel is known when the
 * kernel is generated (k·N mod 4 for row k of a [K, N] operand, and likewise).
 */
type Fetch = 'kvec' | 'mnvec' | 'kvec-shift' | 'mnvec-shift' | 'scalar';

/** Shifted reads need a texture and 4-aligned batch matrices (their offsets must stay multiples of 4). */
function shiftable(texture: boolean, batch: readonly number[], matrix: number): boolean {
  return texture && (batch.reduce((x, y) => x * y, 1) === 1 || matrix % 4 === 0);
}

function fetchA(p: MatmulProblem, tile: RegisterTile, texture = false): Fetch {
  const shift = shiftable(texture, p.batchA, p.m * p.k);
  if (!p.transA) return p.k % 4 === 0 ? 'kvec' : shift ? 'kvec-shift' : 'scalar';
  if (tile.rows % 4 !== 0) return 'scalar';
  return p.m % 4 === 0 ? 'mnvec' : shift ? 'mnvec-shift' : 'scalar';
}

function fetchB(p: MatmulProblem, texture = false): Fetch {
  const shift = shiftable(texture, p.batchB, p.k * p.n);
  if (p.transB) return p.k % 4 === 0 ? 'kvec' : shift ? 'kvec-shift' : 'scalar';
  return p.n % 4 === 0 ? 'mnvec' : shift ? 'mnvec-shift' : 'scalar';
}

/** The float at position `pos` (0–7) of the 8-float window of texels `lo`, `hi`. */
function windowAt(lo: string, hi: string, pos: number): string {
  return pos < 4 ? `${lo}.${LANE[pos]}` : `${hi}.${LANE[pos - 4]}`;
}

/** The vec4 starting `o` floats into the window of texels `lo`, `hi`. */
function window4(lo: string, hi: string, o: number): string {
  if (o === 0) return lo;
  return `vec4<f32>(${[0, 1, 2, 3].map((l) => windowAt(lo, hi, o + l)).join(', ')})`;
}

/** `base + k·stride` with the trivial cases folded. */
function index(base: string, k: string, stride: number): string {
  if (stride === 1) return `${base} + ${k}`;
  return `${base} + (${k}) * ${stride}u`;
}

function kAt(k: string, kk: number): string {
  return kk === 0 ? k : `${k} + ${kk}u`;
}

export function emitRegisterMatmul(
  p: MatmulProblem,
  tile: RegisterTile = DEFAULT_REGISTER_TILE,
  epilogue: MatmulEpilogue = PLAIN_EPILOGUE,
  textures: OperandTextures = NO_TEXTURES,
): KernelSpec {
  const { m: M, n: N, k: K } = p;
  const TM = tile.rows;
  const TN = tile.vec4Cols * 4;
  const aFetch = fetchA(p, tile, textures.a);
  const bFetch = fetchB(p, textures.b);
  const outVec = N % 4 === 0;
  const rows = [...Array(TM).keys()];
  const groups = [...Array(tile.vec4Cols).keys()];
  const cols = [...Array(TN).keys()];

  const L: string[] = [];
  // vec4 i of an operand: a texel of its operand texture, or an element of its vec4 array.
  const texA = textures.a && aFetch !== 'scalar';
  const texB = textures.b && bFetch !== 'scalar';
  const loadA = (i: string): string => (texA ? `load_a(${i})` : `a[${i}]`);
  const loadB = (i: string): string => (texB ? `load_b(${i})` : `b[${i}]`);
  // Shifted reads of rows and columns past the matrix are not clamped (that would
  // break the static shift); their texels are clamped to the texture instead, and
  // what they read is never stored.
  const lastA = elementsOf(p.batchA, M, K) / 4 - 1;
  const lastB = elementsOf(p.batchB, K, N) / 4 - 1;
  const texelA = (i: string): string => `load_a(min(${i}, ${lastA}u))`;
  const texelB = (i: string): string => `load_b(min(${i}, ${lastB}u))`;
  if (texA) L.push(...textureOperand('a', 0));
  else L.push(storageDecl(0, 'a', aFetch === 'scalar' ? 'f32' : 'vec4<f32>', 'read'));
  if (texB) L.push(...textureOperand('b', 1));
  else L.push(storageDecl(1, 'b', bFetch === 'scalar' ? 'f32' : 'vec4<f32>', 'read'));
  // With N % 4 == 0 the epilogue loads and stores 4 columns at once (epilogueStoreQuad).
  L.push(...emitEpilogueBindings(epilogue, 2, outVec));
  L.push('');
  L.push(`@compute @workgroup_size(${tile.wgX}, ${tile.wgY}, 1)`);
  L.push('fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {');
  const body: string[] = [];
  const [rowAxis, colAxis] = tile.lanesAlongRows ? (['x', 'y'] as const) : (['y', 'x'] as const);
  const wgSize = { x: tile.wgX, y: tile.wgY };
  body.push(`let row0 = (wid.${rowAxis} * ${wgSize[rowAxis]}u + lid.${rowAxis}) * ${TM}u;`);
  body.push(`let col0 = (wid.${colAxis} * ${wgSize[colAxis]}u + lid.${colAxis}) * ${TN}u;`);
  body.push(`if (row0 >= ${M}u || col0 >= ${N}u) { return; }`);
  body.push(...emitBatchOffsets(p, 'wid.z'));
  const scalars = epilogueScalarLoads(epilogue);
  body.push(...scalars.lines);

  // Per-row and per-column base addresses, clamped into range.
  switch (aFetch) {
    case 'kvec':
      for (const i of rows) body.push(`let aBase${i} = (aOff + min(row0 + ${i}u, ${M - 1}u) * ${K}u) / 4u;`);
      break;
    case 'mnvec':
      for (let g = 0; g < TM / 4; g++) body.push(`let aBase${g} = (aOff + min(row0 + ${4 * g}u, ${M - 4}u)) / 4u;`);
      break;
    case 'kvec-shift':
      for (const i of rows) body.push(`let aRow${i} = aOff + (row0 + ${i}u) * ${K}u;`);
      break;
    case 'mnvec-shift':
      body.push('let aCol = aOff + row0;');
      break;
    case 'scalar':
      for (const i of rows)
        body.push(`let aBase${i} = aOff + min(row0 + ${i}u, ${M - 1}u)${p.transA ? '' : ` * ${K}u`};`);
      break;
    default:
      throw new Error(`unhandled fetch ${aFetch satisfies never}`);
  }
  switch (bFetch) {
    case 'mnvec':
      for (const j of groups) body.push(`let bBase${j} = (bOff + min(col0 + ${4 * j}u, ${N - 4}u)) / 4u;`);
      break;
    case 'kvec':
      for (const c of cols) body.push(`let bBase${c} = (bOff + min(col0 + ${c}u, ${N - 1}u) * ${K}u) / 4u;`);
      break;
    case 'kvec-shift':
      for (const c of cols) body.push(`let bRow${c} = bOff + (col0 + ${c}u) * ${K}u;`);
      break;
    case 'mnvec-shift':
      body.push('let bCol = bOff + col0;');
      break;
    case 'scalar':
      for (const c of cols)
        body.push(`let bBase${c} = bOff + min(col0 + ${c}u, ${N - 1}u)${p.transB ? ` * ${K}u` : ''};`);
      break;
    default:
      throw new Error(`unhandled fetch ${bFetch satisfies never}`);
  }
  for (const i of rows) for (const j of groups) body.push(`var acc${i}_${j} = vec4<f32>(0.0);`);

  /** Loads and multiply-adds for `count` consecutive k starting at WGSL `k`. */
  const chunk = (k: string, count: number): string[] => {
    const S: string[] = [];
    const ks = [...Array(count).keys()];
    // b{kk}_{j}: the vec4 of B at row k+kk, columns col0+4j..col0+4j+3.
    switch (bFetch) {
      case 'mnvec':
        for (const kk of ks)
          for (const j of groups) S.push(`let b${kk}_${j} = ${loadB(index(`bBase${j}`, kAt(k, kk), N / 4))};`);
        break;
      case 'kvec':
        for (const c of cols) S.push(`let bc${c} = ${loadB(`bBase${c} + ${k} / 4u`)};`);
        for (const kk of ks)
          for (const j of groups) {
            const parts = [0, 1, 2, 3].map((l) => `bc${4 * j + l}.${LANE[kk]}`);
            S.push(`let b${kk}_${j} = vec4<f32>(${parts.join(', ')});`);
          }
        break;
      case 'mnvec-shift':
        // Row k+kk starts (k+kk)·N floats in: kk·N mod 4 into its texel (k is a multiple of 4).
        for (const kk of ks) {
          const o = (kk * N) % 4;
          S.push(`let bt${kk} = (bCol + (${kAt(k, kk)}) * ${N}u) / 4u;`);
          for (let t = 0; t < tile.vec4Cols + (o ? 1 : 0); t++)
            S.push(`let bt${kk}_${t} = ${texelB(`bt${kk} + ${t}u`)};`);
          for (const j of groups) S.push(`let b${kk}_${j} = ${window4(`bt${kk}_${j}`, `bt${kk}_${j + 1}`, o)};`);
        }
        break;
      case 'kvec-shift':
        // Column c's k-run starts c·K mod 4 into its texel.
        for (const c of cols) {
          const o = (c * K) % 4;
          S.push(`let bc${c} = (bRow${c} + ${k}) / 4u;`);
          S.push(`let bc${c}lo = ${texelB(`bc${c}`)};`);
          if (o + count > 4) S.push(`let bc${c}hi = ${texelB(`bc${c} + 1u`)};`);
        }
        for (const kk of ks)
          for (const j of groups) {
            const parts = [0, 1, 2, 3].map((l) =>
              windowAt(`bc${4 * j + l}lo`, `bc${4 * j + l}hi`, (((4 * j + l) * K) % 4) + kk),
            );
            S.push(`let b${kk}_${j} = vec4<f32>(${parts.join(', ')});`);
          }
        break;
      case 'scalar':
        for (const kk of ks)
          for (const j of groups) {
            const parts = [0, 1, 2, 3].map((l) => `b[${index(`bBase${4 * j + l}`, kAt(k, kk), p.transB ? 1 : N)}]`);
            S.push(`let b${kk}_${j} = vec4<f32>(${parts.join(', ')});`);
          }
        break;
      default:
        throw new Error(`unhandled fetch ${bFetch satisfies never}`);
    }
    // aValue(i, kk): the WGSL scalar A[row0+i, k+kk].
    let aValue: (i: number, kk: number) => string;
    switch (aFetch) {
      case 'kvec':
        for (const i of rows) S.push(`let a${i} = ${loadA(`aBase${i} + ${k} / 4u`)};`);
        aValue = (i, kk) => `a${i}.${LANE[kk]}`;
        break;
      case 'mnvec':
        for (let g = 0; g < TM / 4; g++)
          for (const kk of ks) S.push(`let a${g}_${kk} = ${loadA(index(`aBase${g}`, kAt(k, kk), M / 4))};`);
        aValue = (i, kk) => `a${Math.floor(i / 4)}_${kk}.${LANE[i % 4]}`;
        break;
      case 'kvec-shift':
        // Row i's k-run starts i·K mod 4 into its texel (row0 is a multiple of 4).
        for (const i of rows) {
          S.push(`let ai${i} = (aRow${i} + ${k}) / 4u;`);
          S.push(`let a${i}lo = ${texelA(`ai${i}`)};`);
          if (((i * K) % 4) + count > 4) S.push(`let a${i}hi = ${texelA(`ai${i} + 1u`)};`);
        }
        aValue = (i, kk) => windowAt(`a${i}lo`, `a${i}hi`, ((i * K) % 4) + kk);
        break;
      case 'mnvec-shift':
        for (const kk of ks) {
          const o = (kk * M) % 4;
          S.push(`let at${kk} = (aCol + (${kAt(k, kk)}) * ${M}u) / 4u;`);
          for (let t = 0; t < TM / 4 + (o ? 1 : 0); t++) S.push(`let at${kk}_${t} = ${texelA(`at${kk} + ${t}u`)};`);
          for (let g = 0; g < TM / 4; g++)
            S.push(`let a${g}_${kk} = ${window4(`at${kk}_${g}`, `at${kk}_${g + 1}`, o)};`);
        }
        aValue = (i, kk) => `a${Math.floor(i / 4)}_${kk}.${LANE[i % 4]}`;
        break;
      case 'scalar':
        for (const i of rows)
          for (const kk of ks) S.push(`let a${i}_${kk} = a[${index(`aBase${i}`, kAt(k, kk), p.transA ? M : 1)}];`);
        aValue = (i, kk) => `a${i}_${kk}`;
        break;
      default:
        throw new Error(`unhandled fetch ${aFetch satisfies never}`);
    }
    for (const i of rows)
      for (const kk of ks) for (const j of groups) S.push(`acc${i}_${j} += ${aValue(i, kk)} * b${kk}_${j};`);
    return S;
  };

  const K4 = K - (K % 4);
  if (K4 > 0) {
    body.push(`for (var k = 0u; k < ${K4}u; k += 4u) {`);
    body.push(...chunk('k', 4).map((s) => `  ${s}`));
    body.push('}');
  }
  if (K4 < K) {
    // The last K % 4 steps, unrolled: k stays a multiple of 4 (the shifted reads rely on it).
    body.push('{');
    body.push(...chunk(`${K4}u`, K - K4).map((s) => `  ${s}`));
    body.push('}');
  }

  // Stores, guarded where the block can overhang the matrix.
  const guardRows = M % TM !== 0;
  const guardCols = N % TN !== 0;
  for (const i of rows) {
    const S: string[] = [];
    for (const j of groups) {
      const acc = `acc${i}_${j}`;
      if (outVec) {
        const quad = epilogueStoreQuad(
          epilogue,
          acc,
          N,
          'row',
          'col',
          `(cOff + row * ${N}u + col) / 4u`,
          scalars.scalarOf,
        ).join(' ');
        S.push(`{ let col = col0 + ${4 * j}u; ${guardCols ? `if (col < ${N}u) { ${quad} }` : quad} }`);
      } else {
        const T: string[] = [`let col = col0 + ${4 * j}u;`];
        for (const l of [0, 1, 2, 3]) {
          const colL = l === 0 ? 'col' : `(col + ${l}u)`;
          const store = epilogueStores(
            epilogue,
            `${acc}.${LANE[l]}`,
            N,
            `cOff + row * ${N}u + ${colL}`,
            'row',
            colL,
            `${LANE[l]}_`,
          );
          T.push(guardCols ? `if (${colL} < ${N}u) { ${store} }` : store);
        }
        S.push(`{ ${T.join(' ')} }`);
      }
    }
    body.push(`{ let row = row0 + ${i}u;`);
    if (guardRows) body.push(`  if (row < ${M}u) {`);
    body.push(...S.map((s) => `    ${s}`));
    if (guardRows) body.push('  }');
    body.push('}');
  }

  L.push(...body.map((s) => `  ${s}`));
  L.push('}');
  return {
    name: matmulName(p, 'register'),
    wgsl: L.join('\n') + '\n',
    workgroups: tile.lanesAlongRows
      ? [Math.ceil(M / (TM * tile.wgX)), Math.ceil(N / (TN * tile.wgY)), batchCount(p)]
      : [Math.ceil(N / (TN * tile.wgX)), Math.ceil(M / (TM * tile.wgY)), batchCount(p)],
    ...(epilogue.usesScalars ? { usesScalars: true } : {}),
    ...(texA || texB
      ? {
          textureInputs: [
            ...(texA ? [{ binding: 0, texels: elementsOf(p.batchA, p.m, p.k) / 4 }] : []),
            ...(texB ? [{ binding: 1, texels: elementsOf(p.batchB, p.k, p.n) / 4 }] : []),
          ],
        }
      : {}),
  };
}
