// Philox 4x32-10 in WGSL: the same generator and the same keying as
// runtime/philox.ts (read the contract there), so a kernel draws bit for bit the
// numbers the reference interpreter draws. WGSL has no 64-bit integers, so the
// 32×32→64 multiply is done in 16-bit pieces, exactly as the TS reference does.

/** The generator and its float conversions; needs nothing from the kernel. */
export const PHILOX_WGSL = `
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let p = al * bl;
  let q = ah * bl;
  let r = al * bh;
  let s = ah * bh;
  let mid = (p >> 16u) + (q & 0xffffu) + (r & 0xffffu);
  return vec2<u32>(s + (q >> 16u) + (r >> 16u) + (mid >> 16u), a * b);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round = round + 1u) {
    if (round > 0u) { k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u); }
    let m0 = philox_mulhilo(0xd2511f53u, c.x);
    let m1 = philox_mulhilo(0xcd9e8d57u, c.z);
    c = vec4<u32>(m1.x ^ c.y ^ k.x, m1.y, m0.x ^ c.w ^ k.y, m0.y);
  }
  return c;
}

// (w >> 8) * 2^-24: exact in f32, equal to runtime/philox.ts uniform01.
fn philox_uniform01(w: u32) -> f32 { return f32(w >> 8u) * (1.0 / 16777216.0); }
fn philox_uniform_open01(w: u32) -> f32 { return f32((w >> 8u) + 1u) * (1.0 / 16777216.0); }
fn philox_normal(w0: u32, w1: u32) -> f32 {
  return sqrt(-2.0 * log(philox_uniform_open01(w0))) * cos(6.283185307179586 * philox_uniform01(w1));
}
`;

/**
 * The keyed draw of one element: key (seed, stream), counter (element, step,
 * iteration, 0), with seed and step read from the kernel's `scalars` buffer
 * (indices 0 and 1); the caller passes the iteration (0u when the op has none).
 */
export function philoxDrawWgsl(seedIndex = 0, stepIndex = 1): string {
  return `${PHILOX_WGSL}
fn philox_draw(element: u32, stream: u32, iteration: u32) -> vec4<u32> {
  return philox4x32_10(vec4<u32>(element, scalars[${stepIndex}], iteration, 0u), vec2<u32>(scalars[${seedIndex}], stream));
}
`;
}
