// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), the counter-based generator behind every random number in dlc. The
// reference interpreter, the host-side initializers and the WGSL kernels
// (compiler/codegen/wgsl/philox.ts) all draw from this one definition.
//
// How a draw is keyed (the contract the WGSL side reproduces bit for bit):
//
//   key     = (seed, stream)                    seed: the model's u32 seed;
//                                               stream: the random op's `stream`
//                                               attribute (unique per op)
//   counter = (element, step, iteration, 0)     element: the flat index of the
//                                               output element (or of the row, for
//                                               ops that draw once per row);
//                                               step: the training step counter;
//                                               iteration: the op's optional last
//                                               input (an i32/u32 scalar, as u32
//                                               bits), which the lowering feeds
//                                               with the loop counter inside a
//                                               repeat/scan body so each iteration
//                                               draws afresh; 0 when absent
//   words   = philox4x32_10(counter, key)       four u32 per element: an op uses
//                                               words[0] first, then words[1], ...
//
// A word becomes a uniform float in [0, 1) by keeping its top 24 bits:
// u = (w >>> 8) * 2^-24, which is exact in f32, so the GPU's floats equal these.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

export type PhiloxCounter = readonly [number, number, number, number];
export type PhiloxKey = readonly [number, number];

/** High and low 32 bits of the 64-bit product of two u32, exactly, in 16-bit pieces. */
export function mulhilo32(a: number, b: number): [hi: number, lo: number] {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const p = al * bl;
  const q = ah * bl;
  const r = al * bh;
  const s = ah * bh;
  const mid = (p >>> 16) + (q & 0xffff) + (r & 0xffff);
  const hi = (s + Math.floor(q / 65536) + Math.floor(r / 65536) + Math.floor(mid / 65536)) >>> 0;
  const lo = Math.imul(a, b) >>> 0;
  return [hi, lo];
}

/** The Philox 4x32 block function with 10 rounds: four u32 from a counter and a key. */
export function philox4x32_10(counter: PhiloxCounter, key: PhiloxKey): [number, number, number, number] {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo32(M0, c0);
    const [hi1, lo1] = mulhilo32(M1, c2);
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  return [c0, c1, c2, c3];
}

/** The four words of one element's draw, keyed as described at the top of this file. */
export function philoxWords(
  seed: number,
  stream: number,
  step: number,
  element: number,
  iteration = 0,
): [number, number, number, number] {
  return philox4x32_10([element, step, iteration, 0], [seed, stream]);
}

/** A u32 as a uniform float in [0, 1), exactly representable in f32. */
export function uniform01(word: number): number {
  return (word >>> 8) * 2 ** -24;
}

/** A u32 as a uniform float in (0, 1], for logarithms (Box–Muller). */
export function uniformOpen01(word: number): number {
  return ((word >>> 8) + 1) * 2 ** -24;
}

/** A standard normal from two words by Box–Muller (the cosine branch). */
export function boxMuller(w0: number, w1: number): number {
  return Math.sqrt(-2 * Math.log(uniformOpen01(w0))) * Math.cos(2 * Math.PI * uniform01(w1));
}
