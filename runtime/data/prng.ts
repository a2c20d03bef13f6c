// The small counter-based PRNG behind data shuffling and splits.
//
// Every draw is a pure function of (seed, stream, counter): the 32-bit words are
// mixed with the "lowbias32" integer hash (Chris Wellons' hash-prospector, bias
// ≈ 0.17), applied in a chain. Being counter-based, a shuffle for epoch e needs no
// state carried from epoch e-1, so a resumed run recomputes exactly the same order.
// It is for data order only, not for anything that needs statistical strength.

function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A uniform 32-bit word for (seed, stream, counter); all three are taken modulo 2^32. */
export function hashWord(seed: number, stream: number, counter: number): number {
  let h = lowbias32((seed >>> 0) ^ 0x9e3779b9);
  h = lowbias32(h ^ (stream >>> 0));
  h = lowbias32((h + Math.imul(counter >>> 0, 0x85ebca6b)) >>> 0);
  return lowbias32(h ^ (counter >>> 0));
}

/**
 * A uniform integer in [0, n) for n ≤ 2^32, from successive counters starting at
 * `counter`, by rejection (no modulo bias). Returns the value and the next counter.
 */
export function uniformBelow(
  seed: number,
  stream: number,
  counter: number,
  n: number,
): { value: number; next: number } {
  const limit = 2 ** 32 - (2 ** 32 % n); // accept words below the largest multiple of n
  for (;;) {
    const w = hashWord(seed, stream, counter++);
    if (w < limit) return { value: w % n, next: counter };
  }
}

/**
 * A permutation of 0..n-1 by Fisher–Yates (Durstenfeld's form: for i from n-1 down
 * to 1, swap i with a uniform j in [0, i]), drawing from stream `stream` of `seed`.
 */
export function permutation(n: number, seed: number, stream: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  let counter = 0;
  for (let i = n - 1; i > 0; i--) {
    const draw = uniformBelow(seed, stream, counter, i + 1);
    counter = draw.next;
    const j = draw.value;
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
