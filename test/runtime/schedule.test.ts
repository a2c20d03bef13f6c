import { describe, expect, it } from 'vitest';
import { formatSchedule, learningRate, parseSchedule, scheduleFactor } from '../../runtime/schedule';

const at = (spec: string, steps: number[]) => steps.map((s) => scheduleFactor(parseSchedule(spec), s));

describe('learning-rate schedules', () => {
  it('constant', () => {
    expect(at('constant', [0, 1, 10_000])).toEqual([1, 1, 1]);
    expect(learningRate(parseSchedule('constant'), 0.01, 5)).toBe(0.01);
  });

  it('step: gamma every N steps', () => {
    expect(at('step:every=1000,gamma=0.5', [0, 999, 1000, 1999, 2000, 5500])).toEqual([1, 1, 0.5, 0.5, 0.25, 0.03125]);
  });

  it('exponential', () => {
    expect(at('exp:gamma=0.9', [0, 1, 2])).toEqual([1, 0.9, 0.9 ** 2]);
    expect(parseSchedule('exponential:gamma=0.9')).toEqual(parseSchedule('exp:gamma=0.9'));
  });

  it('linear warm-up then linear decay', () => {
    const f = at('linear:warmup=4,total=14,final=0.5', [0, 1, 3, 4, 9, 14, 100]);
    expect(f).toEqual([0.25, 0.5, 1, 1, 0.75, 0.5, 0.5]);
    expect(at('linear:total=10', [0, 5, 10])).toEqual([1, 0.5, 0]);
  });

  it('cosine warm-up then cosine decay', () => {
    const f = at('cosine:warmup=2,total=12', [0, 1, 2, 7, 12, 13]);
    expect(f[0]).toBe(0.5);
    expect(f[1]).toBe(1);
    expect(f[2]).toBe(1);
    expect(f[3]).toBeCloseTo(0.5, 12);
    expect(f[4]).toBeCloseTo(0, 12);
    expect(f[5]).toBeCloseTo(0, 12);
  });

  it('formats to a spec that parses back to the same schedule', () => {
    for (const spec of [
      'constant',
      'step:every=3,gamma=0.1',
      'exp:gamma=0.99',
      'linear:total=10',
      'cosine:warmup=5,total=100,final=0.1',
    ]) {
      const s = parseSchedule(spec);
      expect(parseSchedule(formatSchedule(s))).toEqual(s);
    }
    expect(formatSchedule(parseSchedule(' cosine : total = 10 '))).toBe('cosine:total=10,warmup=0,final=0');
  });

  it.each([
    ['warmup:steps=3', "unknown kind 'warmup' (kinds: constant, step, exp, linear, cosine)"],
    ['step:every=100', "'step' needs gamma=… (usage: step:every=N,gamma=N)"],
    ['step:every=0,gamma=0.5', 'every must be an integer ≥ 1, got 0'],
    ['step:every=10.5,gamma=0.5', 'every must be an integer ≥ 1, got 10.5'],
    ['exp:gamma=-1', 'gamma must be > 0, got -1'],
    ['exp:gamma=abc', 'gamma=abc is not a number'],
    ['exp:rate=0.5', "'exp' has no parameter 'rate' (parameters: gamma)"],
    ['constant:x=1', "'constant' has no parameter 'x' (it takes none)"],
    ['exp:gamma=0.5,gamma=0.4', "'gamma' is given twice"],
    ['linear:warmup=10,total=10', 'total (10) must be larger than warmup (10)'],
    ['linear:total', "'total' is not key=value"],
  ])('refuses %s', (spec, message) => {
    expect(() => parseSchedule(spec)).toThrow(`learning-rate schedule '${spec}': ${message}`);
  });
});
