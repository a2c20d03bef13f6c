// Pooling kernels, one output element per invocation (pooling reads each input a
// few times at most, so it is bound by loads, not arithmetic). Forward kernels scan
// their window; backward kernels are gathers: each input element visits the windows
// that contain it, so no two invocations write the same element and there are no
// atomics. Window constants are baked in; padded positions are skipped.
import type { KernelSpec } from '../kernel-spec';
import { flatKernelSpec } from '../wgsl/flat-kernel';
import { floatLiteral } from '../wgsl/literal';
import { bindingDecl } from '../wgsl/buffers';

type Pair = readonly [number, number];

export interface PoolWindow {
  readonly size: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
}

/** Geometry of one pooling: [N, C] planes of in[h, w] → out[ph, pw]. */
export interface PoolShape {
  readonly planes: number;
  readonly inHW: Pair;
  readonly outHW: Pair;
}

/** Decomposes the flat index `i` into plane `pl` and position (`y`, `x`) of a [h, w] plane. */
function decompose(hw: Pair): string {
  return [
    `  let x = i32(i % ${hw[1]}u);`,
    `  let y = i32((i / ${hw[1]}u) % ${hw[0]}u);`,
    `  let pl = i32(i / ${hw[0] * hw[1]}u);`,
  ].join('\n');
}

/** Loops `py`, `px` over the windows that contain input position (y, x); `body` sees `iy`, `ix` = position within the window. */
function windowsContaining(w: PoolWindow, out: Pair, body: string): string {
  const axis = (d: 0 | 1, p: string, pos: string) => {
    const a = `(${pos} + ${w.padding[d] - w.size[d] + 1})`;
    return [
      `let ${p}Lo = select(0, (${a} + ${w.stride[d] - 1}) / ${w.stride[d]}, ${a} > 0);`,
      `let ${p}Hi = min(${out[d] - 1}, (${pos} + ${w.padding[d]}) / ${w.stride[d]});`,
    ].join(' ');
  };
  return [
    `  ${axis(0, 'py', 'y')}`,
    `  ${axis(1, 'px', 'x')}`,
    '  for (var py = pyLo; py <= pyHi; py++) {',
    `    let iy = y - (py * ${w.stride[0]} - ${w.padding[0]});`,
    '    for (var px = pxLo; px <= pxHi; px++) {',
    `      let ix = x - (px * ${w.stride[1]} - ${w.padding[1]});`,
    body,
    '    }',
    '  }',
  ].join('\n');
}

/**
 * The body of a backward gather over the input plane: input element (y, x) of plane
 * `pl` sums `term` over the windows (py, px) that contain it (see windowsContaining)
 * and stores the sum as `out[i]`; `prelude` lines run before the sum starts.
 */
function windowGather(w: PoolWindow, s: PoolShape, prelude: readonly string[], term: string, out: string): string {
  return [
    decompose(s.inHW),
    ...prelude,
    '  var acc = 0.0;',
    windowsContaining(w, s.outHW, term),
    `  ${out}[i] = acc;`,
  ].join('\n');
}

/** Scans the window of output (y, x) in row-major order and leaves the first maximum in `best` and its plane index in `arg`. */
function argmaxScan(w: PoolWindow, s: PoolShape, plane: string, oy: string, ox: string): string {
  const [H, W] = s.inHW;
  return [
    '    var best = 0.0; // replaced by the first in-range element (arg < 0)',
    '    var arg = -1;',
    `    for (var ky = 0; ky < ${w.size[0]}; ky++) {`,
    `      let hy = ${oy} * ${w.stride[0]} - ${w.padding[0]} + ky;`,
    `      if (hy < 0 || hy >= ${H}) { continue; }`,
    `      for (var kx = 0; kx < ${w.size[1]}; kx++) {`,
    `        let hx = ${ox} * ${w.stride[1]} - ${w.padding[1]} + kx;`,
    `        if (hx < 0 || hx >= ${W}) { continue; }`,
    `        let v = X[${plane} + hy * ${W} + hx];`,
    '        if (arg < 0 || v > best) { best = v; arg = hy * ' + W + ' + hx; }',
    '      }',
    '    }',
  ].join('\n');
}

/** max_pool (one output) or max_pool_with_switches (pooled values and i32 switches). */
export function emitMaxPool(name: string, w: PoolWindow, s: PoolShape, withSwitches: boolean): KernelSpec {
  const n = s.planes * s.outHW[0] * s.outHW[1];
  const body = [
    decompose(s.outHW),
    '  {',
    argmaxScan(w, s, `pl * ${s.inHW[0] * s.inHW[1]}`, 'y', 'x'),
    '    Y[i] = best;',
    withSwitches ? '    S[i] = arg;' : '',
    '  }',
  ].join('\n');
  const decls = [
    bindingDecl(0, 'X', 'f32', 'read'),
    bindingDecl(1, 'Y', 'f32', 'read_write'),
    withSwitches ? bindingDecl(2, 'S', 'i32', 'read_write') : '',
  ];
  return flatKernelSpec(name, decls, n, body);
}

/** max_pool_grad: dx[y, x] = Σ over windows whose first maximum is (y, x) of g[window]. */
export function emitMaxPoolGrad(name: string, w: PoolWindow, s: PoolShape): KernelSpec {
  const n = s.planes * s.inHW[0] * s.inHW[1];
  const [PH, PW] = s.outHW;
  const body = windowGather(
    w,
    s,
    [`  let here = y * ${s.inHW[1]} + x;`],
    [
      argmaxScan(w, s, `pl * ${s.inHW[0] * s.inHW[1]}`, 'py', 'px'),
      `    if (arg == here) { acc += G[(pl * ${PH} + py) * ${PW} + px]; }`,
    ].join('\n'),
    'DX',
  );
  const decls = [
    bindingDecl(0, 'X', 'f32', 'read'),
    bindingDecl(1, 'G', 'f32', 'read'),
    bindingDecl(2, 'DX', 'f32', 'read_write'),
  ];
  return flatKernelSpec(name, decls, n, body);
}

/** max_unpool: out[y, x] = Σ over windows containing (y, x) whose switch is (y, x) of pooled[window]. */
export function emitMaxUnpool(name: string, w: PoolWindow, s: PoolShape): KernelSpec {
  const n = s.planes * s.inHW[0] * s.inHW[1];
  const [PH, PW] = s.outHW;
  const body = windowGather(
    w,
    s,
    [`  let here = y * ${s.inHW[1]} + x;`],
    `      let k = (pl * ${PH} + py) * ${PW} + px;\n      if (S[k] == here) { acc += P[k]; }`,
    'Y',
  );
  const decls = [
    bindingDecl(0, 'P', 'f32', 'read'),
    bindingDecl(1, 'S', 'i32', 'read'),
    bindingDecl(2, 'Y', 'f32', 'read_write'),
  ];
  return flatKernelSpec(name, decls, n, body);
}

/** max_unpool_grad: out[p] = g[switch[p]] within the same plane (switches out of range read 0). */
export function emitMaxUnpoolGrad(name: string, s: PoolShape): KernelSpec {
  const n = s.planes * s.outHW[0] * s.outHW[1];
  const plane = s.inHW[0] * s.inHW[1];
  const body = [
    `  let pl = i32(i / ${s.outHW[0] * s.outHW[1]}u);`,
    '  let sw = S[i];',
    `  Y[i] = select(0.0, G[pl * ${plane} + clamp(sw, 0, ${plane - 1})], sw >= 0 && sw < ${plane});`,
  ].join('\n');
  const decls = [
    bindingDecl(0, 'G', 'f32', 'read'),
    bindingDecl(1, 'S', 'i32', 'read'),
    bindingDecl(2, 'Y', 'f32', 'read_write'),
  ];
  return flatKernelSpec(name, decls, n, body);
}

/** Weighted window sums: y = Σ wt[ky,kx]·x (mode 'linear') or y = sqrt(Σ x²) (mode 'l2'); padding reads as 0. */
export function emitWindowSum(name: string, w: PoolWindow, s: PoolShape, weights: Float64Array | null): KernelSpec {
  const n = s.planes * s.outHW[0] * s.outHW[1];
  const [H, W] = s.inHW;
  const terms: string[] = [];
  for (let ky = 0; ky < w.size[0]; ky++) {
    for (let kx = 0; kx < w.size[1]; kx++) {
      const wt = weights ? floatLiteral(weights[ky * w.size[1] + kx]) : '';
      const term = weights ? `${wt} * v` : 'v * v';
      terms.push(
        `  { let hy = y0 + ${ky}; let hx = x0 + ${kx}; ` +
          `if (hy >= 0 && hy < ${H} && hx >= 0 && hx < ${W}) { let v = X[base + hy * ${W} + hx]; acc += ${term}; } }`,
      );
    }
  }
  const body = [
    decompose(s.outHW),
    `  let base = pl * ${H * W};`,
    `  let y0 = y * ${w.stride[0]} - ${w.padding[0]};`,
    `  let x0 = x * ${w.stride[1]} - ${w.padding[1]};`,
    '  var acc = 0.0;',
    ...terms,
    weights ? '  Y[i] = acc;' : '  Y[i] = sqrt(acc);',
  ].join('\n');
  const decls = [bindingDecl(0, 'X', 'f32', 'read'), bindingDecl(1, 'Y', 'f32', 'read_write')];
  return flatKernelSpec(name, decls, n, body);
}

/** The adjoint of a linear window sum: dx[y, x] = Σ over windows containing (y, x) of wt[offset]·g[window]. */
export function emitWindowSumGrad(name: string, w: PoolWindow, s: PoolShape, weights: Float64Array): KernelSpec {
  const n = s.planes * s.inHW[0] * s.inHW[1];
  const [PH, PW] = s.outHW;
  const table = Array.from(weights, floatLiteral).join(', ');
  const body = windowGather(
    w,
    s,
    [`  var wt = array<f32, ${weights.length}>(${table});`],
    `      acc += wt[iy * ${w.size[1]} + ix] * G[(pl * ${PH} + py) * ${PW} + px];`,
    'DX',
  );
  const decls = [bindingDecl(0, 'G', 'f32', 'read'), bindingDecl(1, 'DX', 'f32', 'read_write')];
  return flatKernelSpec(name, decls, n, body);
}
