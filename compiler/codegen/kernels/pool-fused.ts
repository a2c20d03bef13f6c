// The max pool's gradient with an activation-gradient mask fused in, for pooling
// windows that tile the plane (stride = size, no padding, as LeNet's 2×2): one
// invocation per window cell writes its whole cell, mask(g, y) at the window's
// first maximum and 0 elsewhere (cells past the last window are zeros). `y` is the
// activation at the maximum (the pooled value), so relu's mask is `y > 0` there.
// The maximum comes either from the switches the fused forward kernel wrote
// (emitMaxUnpoolMasked: no rescan) or from a scan of the activation
// (emitMaxPoolGradTiled, also max_pool_grad's own kernel when the windows tile). This is cheaper on llvmpipe than masking inside the
// conv backward kernels, which reread every gradient element once per tap.
import type { KernelSpec } from '../kernel-spec';
import { bindingDecl, flatMain, flatWorkgroups } from '../wgsl/buffers';
import type { PoolShape, PoolWindow } from './pool';
import { poolWindowsTile } from '../../ops/fusion-rules';

/** An f32 WGSL expression of the let-bound pooled gradient `g` and activation at the maximum `y`. */
export type PoolGradMask = (g: string, y: string) => string;

function requireTiling(name: string, w: PoolWindow): void {
  if (!poolWindowsTile(w)) {
    throw new Error(`${name}: the windows must tile the plane (stride = size, no padding)`);
  }
}

/** Index arithmetic shared by both kernels: cell (`cy`, `cx`) of plane `pl`, its first element `base`, pooled index `p`. */
function cellHeader(w: PoolWindow, s: PoolShape): { lines: string[]; n: number } {
  const [H, W] = s.inHW;
  const CH = Math.ceil(H / w.size[0]);
  const CW = Math.ceil(W / w.size[1]);
  const [PH, PW] = s.outHW;
  return {
    n: s.planes * CH * CW,
    lines: [
      `  let cx = i32(i % ${CW}u);`,
      `  let cy = i32((i / ${CW}u) % ${CH}u);`,
      `  let pl = i32(i / ${CH * CW}u);`,
      `  let base = pl * ${H * W};`,
      `  let inside = cy < ${PH} && cx < ${PW};`,
      `  let p = (pl * ${PH} + min(cy, ${PH - 1})) * ${PW} + min(cx, ${PW - 1});`,
    ],
  };
}

/** Writes the cell: `value` at plane index `arg` (only `inside`), 0 elsewhere. */
function cellWrites(w: PoolWindow, s: PoolShape): string[] {
  const [KH, KW] = w.size;
  const [H, W] = s.inHW;
  const out: string[] = [];
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      const inRange = `cy * ${KH} + ${i} < ${H} && cx * ${KW} + ${j} < ${W}`;
      out.push(
        `  if (${inRange}) { let k = (cy * ${KH} + ${i}) * ${W} + cx * ${KW} + ${j}; DX[base + k] = select(0.0, value, inside && k == arg); }`,
      );
    }
  }
  return out;
}

/**
 * max_unpool of the pooled gradient through the switches, masked: dx[k] = mask(gp, y)
 * at the switch of k's window, 0 elsewhere. Bindings: 0 gp f32[N,C,PH,PW], 1 switches
 * i32[N,C,PH,PW] (flat y·W + x in the plane, as max_pool_with_switches), then (if
 * `mask`) 2 the pooled forward output y f32[N,C,PH,PW]; then dx f32[N,C,H,W].
 */
export function emitMaxUnpoolMasked(name: string, w: PoolWindow, s: PoolShape, mask?: PoolGradMask): KernelSpec {
  requireTiling(name, w);
  const { lines, n } = cellHeader(w, s);
  const body = [...lines, '  let g = GP[p];', '  let arg = S[p];'];
  if (mask) body.push('  let y = Y[p];');
  body.push(`  let value = ${mask ? mask('g', 'y') : 'g'};`, ...cellWrites(w, s));
  const decls = [
    bindingDecl(0, 'GP', 'f32', 'read'),
    bindingDecl(1, 'S', 'i32', 'read'),
    ...(mask ? [bindingDecl(2, 'Y', 'f32', 'read')] : []),
    bindingDecl(mask ? 3 : 2, 'DX', 'f32', 'read_write'),
  ];
  return { name, wgsl: [...decls, '', flatMain(n, body.join('\n')), ''].join('\n'), workgroups: flatWorkgroups(n) };
}

/**
 * max_pool_grad for windows that tile the plane, optionally masked by the
 * activation's derivative at the maximum: the first maximum of each window of x
 * gets mask(g, x_max), or g without a mask (max_pool_grad's own kernel when the
 * windows tile). Bindings: 0 x f32[N,C,H,W] (the pooled activation), 1 g
 * f32[N,C,PH,PW]; then dx f32[N,C,H,W].
 */
export function emitMaxPoolGradTiled(name: string, w: PoolWindow, s: PoolShape, mask?: PoolGradMask): KernelSpec {
  requireTiling(name, w);
  const [KH, KW] = w.size;
  const W = s.inHW[1];
  const { lines, n } = cellHeader(w, s);
  const scan: string[] = ['  var y = 0.0;', '  var arg = -1;', '  if (inside) {'];
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      // Inside a window every cell element is in range (windows lie within the plane).
      scan.push(
        `    { let k = (cy * ${KH} + ${i}) * ${W} + cx * ${KW} + ${j}; let v = X[base + k]; if (arg < 0 || v > y) { y = v; arg = k; } }`,
      );
    }
  }
  scan.push('  }');
  const body = [
    ...lines,
    ...scan,
    '  let g = G[p];',
    `  let value = ${mask ? mask('g', 'y') : 'g'};`,
    ...cellWrites(w, s),
  ];
  const decls = [
    bindingDecl(0, 'X', 'f32', 'read'),
    bindingDecl(1, 'G', 'f32', 'read'),
    bindingDecl(2, 'DX', 'f32', 'read_write'),
  ];
  return { name, wgsl: [...decls, '', flatMain(n, body.join('\n')), ''].join('\n'), workgroups: flatWorkgroups(n) };
}
