// Normalisation kernels across channels, one output element per invocation: each
// reads the few channels of its window at the same (y, x).
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';
import { floatLiteral } from '../wgsl/literal';

/** [N, C, H, W] with a channel window [c − lo, c − lo + size − 1] clipped to [0, C). */
export interface ChannelWindow {
  readonly shape: readonly [number, number, number, number];
  readonly size: number;
  readonly lo: number;
}

/** Loops `cc` over the window of channel `c` and accumulates `term` (an expression of `v = X[...]`) into `acc`. */
function windowLoop(w: ChannelWindow, term: string): string {
  const [, C, H, W] = w.shape;
  return [
    `  let hw = i32(i % ${H * W}u);`,
    `  let c = i32((i / ${H * W}u) % ${C}u);`,
    `  let n = i32(i / ${C * H * W}u);`,
    '  var acc = 0.0;',
    `  for (var cc = max(c - ${w.lo}, 0); cc <= min(c - ${w.lo} + ${w.size - 1}, ${C - 1}); cc++) {`,
    `    let v = X[(n * ${C} + cc) * ${H * W} + hw];`,
    `    acc += ${term};`,
    '  }',
  ].join('\n');
}

const n4 = (w: ChannelWindow): number => w.shape.reduce((a, b) => a * b, 1);

/** channel_window_sum: y[c] = Σ_{c' in window(c)} x[c']. */
export function emitChannelWindowSum(name: string, w: ChannelWindow): KernelSpec {
  const n = n4(w);
  const decls = [bindingDecl(0, 'X', 'f32', 'read'), bindingDecl(1, 'Y', 'f32', 'read_write')];
  return {
    name,
    wgsl: [...decls, '', flatMain(n, [windowLoop(w, 'v'), '  Y[i] = acc;'].join('\n')), ''].join('\n'),
    workgroups: flatWorkgroups(n),
  };
}

/** lrn: y = x / (k + α Σ_window x²)^β. */
export function emitLrn(name: string, w: ChannelWindow, alpha: number, beta: number, k: number): KernelSpec {
  const n = n4(w);
  const [kLit, alphaLit, betaLit] = [k, alpha, beta].map(floatLiteral);
  const body = [windowLoop(w, 'v * v'), `  Y[i] = X[i] / pow(${kLit} + ${alphaLit} * acc, ${betaLit});`].join('\n');
  const decls = [bindingDecl(0, 'X', 'f32', 'read'), bindingDecl(1, 'Y', 'f32', 'read_write')];
  return { name, wgsl: [...decls, '', flatMain(n, body), ''].join('\n'), workgroups: flatWorkgroups(n) };
}

/** Largest H·W that lcn's kernel keeps in workgroup memory (two f32 planes in 16 KiB, the compatibility minimum). */
export const LCN_MAX_PLANE = 2048;

/**
 * lcn, one workgroup per example, with the gaussian-weighted channel mean and the
 * divisor σ of the example's plane held in workgroup memory:
 *   1. M = G(x): each thread a strided share of the pixels;
 *   2. Σ = sqrt(G(v²)) with v = x − M (v is 0 outside the plane, as the composite pads);
 *   3. the mean of Σ over the plane, by a tree in workgroup memory;
 *   4. y = v / max(Σ, mean Σ), dividing by 1 where that is 0 (an all-zero plane).
 * `weights` is the kh×kw gaussian window (summing to 1), centred on the pixel.
 */
export function emitLcn(
  name: string,
  shape: readonly [number, number, number, number],
  size: readonly [number, number],
  weights: Float64Array,
): KernelSpec {
  const [N, C, H, W] = shape;
  const HW = H * W;
  if (HW > LCN_MAX_PLANE)
    throw new Error(
      `lcn: a ${H}x${W} plane does not fit the kernel's workgroup memory (at most ${LCN_MAX_PLANE} pixels)`,
    );
  const T = 64;
  const [KH, KW] = size;
  const [RY, RX] = [(KH - 1) / 2, (KW - 1) / 2];
  const table = Array.from(weights, floatLiteral).join(', ');
  const gauss = (term: string) =>
    [
      '    var acc = 0.0;',
      `    for (var ky = 0; ky < ${KH}; ky++) {`,
      `      let yy = y + ky - ${RY};`,
      `      if (yy < 0 || yy >= ${H}) { continue; }`,
      `      for (var kx = 0; kx < ${KW}; kx++) {`,
      `        let xx = x + kx - ${RX};`,
      `        if (xx < 0 || xx >= ${W}) { continue; }`,
      '        var s = 0.0;',
      `        for (var c = 0; c < ${C}; c++) { let v = X[base + c * ${HW} + yy * ${W} + xx]; s += ${term}; }`,
      `        acc += wt[ky * ${KW} + kx] * s;`,
      '      }',
      '    }',
    ].join('\n');
  const wgsl = [
    bindingDecl(0, 'X', 'f32', 'read'),
    bindingDecl(1, 'Y', 'f32', 'read_write'),
    `var<workgroup> M: array<f32, ${HW}>;`,
    `var<workgroup> SG: array<f32, ${HW}>;`,
    `var<workgroup> red: array<f32, ${T}>;`,
    '',
    `@compute @workgroup_size(${T})`,
    'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {',
    `  let n = i32(wid.x);`,
    `  let base = n * ${C * HW};`,
    `  var wt = array<f32, ${weights.length}>(${table});`,
    `  for (var p = i32(lid); p < ${HW}; p += ${T}) {`,
    `    let y = p / ${W};`,
    `    let x = p % ${W};`,
    gauss('v'),
    `    M[p] = acc * ${floatLiteral(1 / C)};`,
    '  }',
    '  workgroupBarrier();',
    '  var part = 0.0;',
    `  for (var p = i32(lid); p < ${HW}; p += ${T}) {`,
    `    let y = p / ${W};`,
    `    let x = p % ${W};`,
    gauss(`(v - M[yy * ${W} + xx]) * (v - M[yy * ${W} + xx])`),
    `    let sg = sqrt(acc * ${floatLiteral(1 / C)});`,
    '    SG[p] = sg;',
    '    part += sg;',
    '  }',
    '  red[lid] = part;',
    '  workgroupBarrier();',
    `  for (var k = ${T / 2}u; k > 0u; k = k / 2u) {`,
    '    if (lid < k) { red[lid] += red[lid + k]; }',
    '    workgroupBarrier();',
    '  }',
    `  let meanSigma = red[0] * ${floatLiteral(1 / HW)};`,
    `  for (var e = i32(lid); e < ${C * HW}; e += ${T}) {`,
    `    let p = e % ${HW};`,
    // The divisor is 0 only on an all-zero plane (v = 0 there too): 1 gives y = 0, not 0/0.
    '    let d = max(SG[p], meanSigma);',
    '    Y[base + e] = (X[base + e] - M[p]) / select(1.0, d, d > 0.0);',
    '  }',
    '}',
    '',
  ].join('\n');
  return { name, wgsl, workgroups: [N, 1, 1] };
}
