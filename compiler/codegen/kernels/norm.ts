// Normalisation kernels across channels, one output element per invocation: each
// reads the few channels of its window at the same (y, x).
import type { KernelSpec } from '../../ops/registry';
import { flatMain, flatWorkgroups } from '../wgsl/buffers';

/** [N, C, H, W] with a channel window [c − lo, c − lo + size − 1] clipped to [0, C). */
export interface ChannelWindow {
  readonly shape: readonly [number, number, number, number];
  readonly size: number;
  readonly lo: number;
}

function f32Lit(v: number): string {
  const s = Math.fround(v).toString();
  return /[.eE]/.test(s) ? s : `${s}.0`;
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
  const decls = ['@group(0) @binding(0) var<storage, read> X: array<f32>;', '@group(0) @binding(1) var<storage, read_write> Y: array<f32>;'];
  return { name, wgsl: [...decls, '', flatMain(n, [windowLoop(w, 'v'), '  Y[i] = acc;'].join('\n')), ''].join('\n'), workgroups: flatWorkgroups(n) };
}

/** lrn: y = x / (k + α Σ_window x²)^β. */
export function emitLrn(name: string, w: ChannelWindow, alpha: number, beta: number, k: number): KernelSpec {
  const n = n4(w);
  const body = [windowLoop(w, 'v * v'), `  Y[i] = X[i] / pow(${f32Lit(k)} + ${f32Lit(alpha)} * acc, ${f32Lit(beta)});`].join('\n');
  const decls = ['@group(0) @binding(0) var<storage, read> X: array<f32>;', '@group(0) @binding(1) var<storage, read_write> Y: array<f32>;'];
  return { name, wgsl: [...decls, '', flatMain(n, body), ''].join('\n'), workgroups: flatWorkgroups(n) };
}
