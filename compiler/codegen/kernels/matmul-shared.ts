// The 'shared' matmul family, for real GPUs: the classic workgroup-memory tiling.
// A wg×wg workgroup computes a (4·wg)×(4·wg) block of C; each step it stages a
// (4·wg)×16 slice of A and a 16×(4·wg) slice of B in workgroup memory (loads
// coalesced along the stored layout, zero outside the matrix), then every
// invocation accumulates a 4×4 sub-block strided by wg so neighbours read
// neighbouring words.
import type { KernelSpec } from '../kernel-spec';
import type { MatmulEpilogue } from './matmul-epilogue';
import { emitEpilogueBindings, epilogueStores, PLAIN_EPILOGUE } from './matmul-epilogue';
import type { MatmulProblem } from './matmul-problem';
import { batchCount, emitBatchOffsets, matmulName } from './matmul-problem';
import { bindingDecl } from '../wgsl/buffers';

const BK = 16;
const PER = 4;

/** Workgroup side: 16 (256 invocations) where the device allows it, else 8. */
export function sharedWorkgroupSide(maxInvocations: number): number {
  return maxInvocations >= 256 ? 16 : 8;
}

export function emitSharedMatmul(p: MatmulProblem, wg = 16, epilogue: MatmulEpilogue = PLAIN_EPILOGUE): KernelSpec {
  const { m: M, n: N, k: K } = p;
  const BM = PER * wg;
  const BN = PER * wg;
  const threads = wg * wg;
  const loadsA = (BM * BK) / threads;
  const loadsB = (BK * BN) / threads;
  const idx = [...Array(PER).keys()];

  // Element (m, k) of A and (k, n) of B in storage, for stored layouts [M,K]/[K,M] and [K,N]/[N,K].
  const aAt = (m: string, k: string) => (p.transA ? `aOff + ${k} * ${M}u + ${m}` : `aOff + ${m} * ${K}u + ${k}`);
  const bAt = (k: string, n: string) => (p.transB ? `bOff + ${n} * ${K}u + ${k}` : `bOff + ${k} * ${N}u + ${n}`);

  const L: string[] = [];
  L.push(bindingDecl(0, 'a', 'f32', 'read'));
  L.push(bindingDecl(1, 'b', 'f32', 'read'));
  L.push(...emitEpilogueBindings(epilogue, 2));
  L.push(`var<workgroup> As: array<f32, ${BK * BM}>;`);
  L.push(`var<workgroup> Bs: array<f32, ${BK * BN}>;`);
  L.push('');
  L.push(`@compute @workgroup_size(${wg}, ${wg}, 1)`);
  L.push('fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {');
  const B: string[] = [];
  B.push(...emitBatchOffsets(p, 'wid.z'));
  B.push(`let tileRow = wid.y * ${BM}u;`);
  B.push(`let tileCol = wid.x * ${BN}u;`);
  B.push(`let t = lid.y * ${wg}u + lid.x;`);
  for (const i of idx) for (const j of idx) B.push(`var acc${i}_${j} = 0.0;`);
  B.push(`for (var k0 = 0u; k0 < ${K}u; k0 += ${BK}u) {`);
  for (let s = 0; s < loadsA; s++) {
    // Consecutive invocations read consecutive stored words.
    const [mm, kk] = p.transA ? [`e % ${BM}u`, `e / ${BM}u`] : [`e / ${BK}u`, `e % ${BK}u`];
    B.push(`  { let e = t + ${s * threads}u; let mm = ${mm}; let kk = ${kk}; let m = tileRow + mm; let k = k0 + kk;`);
    B.push(`    var v = 0.0; if (m < ${M}u && k < ${K}u) { v = a[${aAt('m', 'k')}]; } As[kk * ${BM}u + mm] = v; }`);
  }
  for (let s = 0; s < loadsB; s++) {
    const [kk, nn] = p.transB ? [`e % ${BK}u`, `e / ${BK}u`] : [`e / ${BN}u`, `e % ${BN}u`];
    B.push(`  { let e = t + ${s * threads}u; let kk = ${kk}; let nn = ${nn}; let n = tileCol + nn; let k = k0 + kk;`);
    B.push(`    var v = 0.0; if (n < ${N}u && k < ${K}u) { v = b[${bAt('k', 'n')}]; } Bs[kk * ${BN}u + nn] = v; }`);
  }
  B.push('  workgroupBarrier();');
  B.push(`  for (var kk = 0u; kk < ${BK}u; kk += 1u) {`);
  for (const i of idx) B.push(`    let a${i} = As[kk * ${BM}u + lid.y + ${i * wg}u];`);
  for (const j of idx) B.push(`    let b${j} = Bs[kk * ${BN}u + lid.x + ${j * wg}u];`);
  for (const i of idx) for (const j of idx) B.push(`    acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`);
  B.push('  }');
  B.push('  workgroupBarrier();');
  B.push('}');
  for (const i of idx) {
    for (const j of idx) {
      const row = `tileRow + lid.y + ${i * wg}u`;
      const col = `tileCol + lid.x + ${j * wg}u`;
      B.push(`{ let row = ${row}; let col = ${col};`);
      B.push(
        `  if (row < ${M}u && col < ${N}u) { ${epilogueStores(epilogue, `acc${i}_${j}`, N, `cOff + row * ${N}u + col`, 'row', 'col')} } }`,
      );
    }
  }
  L.push(...B.map((s) => `  ${s}`));
  L.push('}');
  return {
    name: matmulName(p, 'shared'),
    wgsl: L.join('\n') + '\n',
    workgroups: [Math.ceil(N / BN), Math.ceil(M / BM), batchCount(p)],
    ...(epilogue.usesScalars ? { usesScalars: true } : {}),
  };
}
