// Every language name is declared once (dsl/builtins.ts, dsl/optimizers.ts,
// runtime/init.ts); the tables keyed by those names must hold exactly the same keys,
// so a name added to a declaration without its rule (or a rule without its
// declaration) fails here.
import { describe, expect, it } from 'vitest';
import '../../compiler/ops/index';
import { OWN_LOWERINGS } from '../../compiler/lower/builtins';
import { getOp, hasOp } from '../../compiler/ops/registry';
import { RULES } from '../../compiler/optim/index';
import { BUILTINS } from '../../dsl/builtins';
import { COMMON_OPTIONS, ENTRY_WIDE_OPTIONS, OPTIMIZERS } from '../../dsl/optimizers';
import { INITIALIZERS } from '../../runtime/init';

const names = (xs: readonly { name: string }[]): string[] => xs.map((x) => x.name).sort();
const unique = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

describe('builtins ↔ lowerings', () => {
  it('every builtin lowers one way: to its `op`, or by its own lowering', () => {
    const direct = BUILTINS.filter((b) => b.op !== undefined).map((b) => b.name);
    expect([...direct, ...Object.keys(OWN_LOWERINGS)].sort()).toEqual(names(BUILTINS));
    expect(unique(BUILTINS.map((b) => b.name))).toEqual(names(BUILTINS));
  });

  it("a builtin's `op` is a registered op taking its parameters as operands", () => {
    for (const b of BUILTINS.filter((x) => x.op !== undefined)) {
      expect(hasOp(b.op!), b.name).toBe(true);
      const arity = getOp(b.op!).arity;
      if (typeof arity === 'number') expect(arity, b.name).toBe(b.params.length);
    }
  });
});

describe('optimizers ↔ update rules', () => {
  it('every declared optimizer has exactly one rule, under its own name', () => {
    expect(Object.keys(RULES).sort()).toEqual(names(OPTIMIZERS));
    for (const [key, rule] of Object.entries(RULES)) expect(rule.name).toBe(key);
  });

  it('every optimizer takes the common options, each option once', () => {
    for (const o of OPTIMIZERS) {
      expect(unique(o.options.map((x) => x.name)), o.name).toEqual(names(o.options));
      for (const c of COMMON_OPTIONS) expect(o.options, o.name).toContain(c);
    }
    expect(ENTRY_WIDE_OPTIONS).toEqual(['clip_norm']);
  });
});

describe('initializers', () => {
  it('are declared once, each parameter once', () => {
    expect(unique(INITIALIZERS.map((i) => i.name))).toEqual(names(INITIALIZERS));
    for (const i of INITIALIZERS) expect(unique(i.params.map((p) => p.name)), i.name).toEqual(names(i.params));
  });
});
