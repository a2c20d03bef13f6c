import { describe, expect, it } from 'vitest';
import { boxMuller, mulhilo32, philox4x32_10, philoxWords, uniform01, uniformOpen01 } from '../../runtime/philox';

const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

describe('Philox 4x32-10', () => {
  // Random123's kat_vectors for philox4x32_10.
  it('matches the published known-answer vectors', () => {
    expect(hex(philox4x32_10([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32_10([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe(
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    expect(hex(philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });
  it('multiplies exactly', () => {
    for (const [a, b] of [
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0x12345678],
      [1, 0x80000000],
      [0, 7],
    ]) {
      const p = BigInt(a) * BigInt(b);
      expect(mulhilo32(a, b)).toEqual([Number(p >> 32n), Number(p & 0xffffffffn)]);
    }
  });
  it('keys draws by seed, stream, step, element and iteration', () => {
    const base = philoxWords(7, 3, 5, 11);
    expect(philoxWords(7, 3, 5, 11)).toEqual(base);
    expect(philoxWords(8, 3, 5, 11)).not.toEqual(base);
    expect(philoxWords(7, 4, 5, 11)).not.toEqual(base);
    expect(philoxWords(7, 3, 6, 11)).not.toEqual(base);
    expect(philoxWords(7, 3, 5, 12)).not.toEqual(base);
    expect(base).toEqual(philox4x32_10([11, 5, 0, 0], [7, 3]));
    expect(philoxWords(7, 3, 5, 11, 0)).toEqual(base);
    expect(philoxWords(7, 3, 5, 11, 1)).not.toEqual(base);
    expect(philoxWords(7, 3, 5, 11, 9)).toEqual(philox4x32_10([11, 5, 9, 0], [7, 3]));
  });
  it('converts words to floats exactly representable in f32', () => {
    expect(uniform01(0)).toBe(0);
    expect(uniform01(0xffffffff)).toBe(1 - 2 ** -24);
    expect(uniformOpen01(0)).toBe(2 ** -24);
    expect(uniformOpen01(0xffffffff)).toBe(1);
    const u = uniform01(0x9abcdef0);
    expect(Math.fround(u)).toBe(u);
  });
  it('gives uniforms and normals with the right moments', () => {
    let s = 0;
    let s2 = 0;
    let z1 = 0;
    let z2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const w = philoxWords(1, 0, 0, i);
      const u = uniform01(w[0]);
      s += u;
      s2 += u * u;
      const z = boxMuller(w[1], w[2]);
      z1 += z;
      z2 += z * z;
    }
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 2);
    expect(z1 / n).toBeCloseTo(0, 1);
    expect(z2 / n).toBeCloseTo(1, 1);
  });
});
