import { describe, expect, it } from 'vitest';
import { intFlag, oneFile, parseArgs } from '../../../compiler/cli/args';

const spec = { values: ['steps', 'data'], booleans: ['json'] };

describe('command-line parsing', () => {
  it('reads values, booleans, -D and -O in both spellings', () => {
    const a = parseArgs(
      'train',
      ['m.dl', '--steps', '5', '--data=mnist', '--json', '-D', 'batch=32', '-Dhidden=64', '-Dbig=true', '-O2'],
      spec,
    );
    expect(a.positional).toEqual(['m.dl']);
    expect(Object.fromEntries(a.values)).toEqual({ steps: '5', data: 'mnist' });
    expect([...a.booleans]).toEqual(['json']);
    expect(a.defines).toEqual({ batch: 32, hidden: 64, big: true });
    expect(a.optLevel).toBe(2);
    expect(parseArgs('train', ['-O', '0'], spec).optLevel).toBe(0);
    expect(intFlag(a, 'steps', 1)).toBe(5);
    expect(oneFile('train', a, 'usage')).toBe('m.dl');
  });

  it('names the flag in every mistake', () => {
    expect(() => parseArgs('train', ['--steps'], spec)).toThrow("--steps needs a value (see 'dlc help train')");
    expect(() => parseArgs('train', ['--steps', '1', '--steps', '2'], spec)).toThrow('--steps is given twice');
    expect(() => parseArgs('train', ['--json=yes'], spec)).toThrow('--json takes no value');
    expect(() => parseArgs('train', ['-x'], spec)).toThrow("unknown option '-x' for 'dlc train'");
    expect(() => parseArgs('train', ['-D', 'batch'], spec)).toThrow("-D expects name=value, got 'batch'");
    expect(() => parseArgs('train', ['-Dlr=fast'], spec)).toThrow("-D lr: 'fast' is not a number or true/false");
    expect(() => parseArgs('train', ['-O9'], spec)).toThrow("-O expects a level 0..3, got '9'");
    expect(() => intFlag(parseArgs('train', ['--steps', '2.5'], spec), 'steps', 1)).toThrow(
      "--steps must be an integer ≥ 1, got '2.5'",
    );
    expect(() => intFlag(parseArgs('train', ['--steps', '0'], spec), 'steps', 1)).toThrow(
      "--steps must be an integer ≥ 1, got '0'",
    );
    expect(() => oneFile('train', parseArgs('train', ['a.dl', 'b.dl'], spec), 'usage')).toThrow(
      "dlc train takes one FILE, got 'a.dl' and 'b.dl'",
    );
  });
});
