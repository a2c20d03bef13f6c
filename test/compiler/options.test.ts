// Every option the docs list (they are generated from dsl/optimizers.ts and
// runtime/init.ts) is accepted by `check` and honoured by the compiler: an
// optimizer option's value reaches its runtime scalar (or the slot it starts),
// an initializer's argument changes the initial weights as documented.
import { describe, expect, it } from 'vitest';
import type { Program } from '../../compiler/ir/program';
import { printGraph } from '../../compiler/ir/print';
import { lowerFile } from '../../compiler/lower/index';
import '../../compiler/ops/index';
import { OPTIMIZERS } from '../../dsl/optimizers';
import { INITIALIZERS, initialize } from '../../runtime/init';

/** Checks and lowers one model text, as `dlc check` then `dlc compile` do; fails on any diagnostic. */
function compile(text: string): Program {
  const r = lowerFile('t.dl', { stage: 'grad' }, () => new TextEncoder().encode(text));
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`)).toEqual([]);
  return r.program!;
}

const trained = (optimizer: string, options: string): Program =>
  compile(`model m {
  input x: f32[2, 3]
  param W: f32[3, 2] = glorot_uniform
  train step(x) -> loss {
    loss = mean((x @ W) ** 2)
    minimize loss with ${optimizer}(${options})
  }
}`);

const stepGraph = (p: Program): string => printGraph(p.entries.find((e) => e.name === 'step')!.graph);

describe('every optimizer option', () => {
  for (const opt of OPTIMIZERS) {
    for (const o of opt.options) {
      it(`${opt.name}(${o.name})`, () => {
        const value = typeof o.default === 'boolean' ? !o.default : o.default + 0.125;
        const p = trained(opt.name, `${o.name} = ${value}`);
        const base = trained(opt.name, '');
        if (typeof value === 'number') {
          const scalar = p.scalars.find((s) => s.name === `step.${o.name}`)?.value;
          // An option that only starts a slot (vsgd's tau0) reaches that slot's initial value.
          const slot = p.persistent.find((t) => t.kind === 'slot' && t.init?.args.value === value);
          expect(scalar ?? slot?.init?.args.value, 'reaches a runtime scalar or a slot').toBe(value);
        } else {
          expect(stepGraph(p)).not.toBe(stepGraph(base));
        }
      });
    }
  }

  // Regression (#16): rmsprop's decay could not be set, and momentum was refused.
  it('rmsprop decay and momentum are runtime scalars with the documented defaults', () => {
    const p = trained('rmsprop', 'momentum = 0.5');
    expect(Object.fromEntries(p.scalars.map((s) => [s.name, s.value]))).toEqual({
      'step.lr': 0.001,
      'step.decay': 0.95,
      'step.momentum': 0.5,
      'step.eps': 1e-6,
    });
    expect(p.persistent.map((t) => t.name)).toContain('step.W.momentum');
  });
});

const initialWeights = (init: string): Float32Array => {
  const p = compile(`model m {
  input x: f32[2, 5]
  param W: f32[5, 4] = ${init}
  infer run(x) -> y { y = x @ W }
}`);
  const w = p.persistent.find((t) => t.name === 'W')!;
  return initialize(w.init!, 'f32', w.type.shape, 7, 'W') as Float32Array;
};

describe('every initializer argument', () => {
  // `load` takes file and tensor names, not numbers: test/compiler/cli/load-tensor.test.ts covers it.
  for (const def of INITIALIZERS.filter((d) => d.params.every((p) => !p.text))) {
    const required = def.params.filter((p) => p.default === undefined).map((p) => `${p.name} = 0.5`);
    for (const param of def.params) {
      it(`${def.name}(${param.name})`, () => {
        const others = required.filter((r) => !r.startsWith(`${param.name} `));
        const given = [...others, `${param.name} = ${Number(param.default ?? 0.5) + 0.75}`].join(', ');
        const base = [...others, `${param.name} = ${param.default ?? 0.5}`].join(', ');
        expect(Array.from(initialWeights(`${def.name}(${given})`))).not.toEqual(
          Array.from(initialWeights(`${def.name}(${base})`)),
        );
      });
    }
    if (required.length === 0) {
      it(`bare ${def.name} takes the declared defaults`, () => {
        const defaults = def.params.map((p) => `${p.name} = ${p.default}`).join(', ');
        expect(initialWeights(def.name)).toEqual(initialWeights(`${def.name}(${defaults})`));
      });
    }
  }

  // Regression (#16): gain was refused, and the runtime ignored it.
  for (const name of ['glorot_uniform', 'glorot_normal', 'he_normal', 'he_uniform', 'orthogonal']) {
    it(`${name}(gain = 2) is twice ${name}`, () => {
      const one = initialWeights(name);
      initialWeights(`${name}(gain = 2)`).forEach((v, i) => expect(v).toBeCloseTo(2 * one[i], 6));
    });
  }

  it('uniform defaults to [-0.05, 0.05) as documented', () => {
    const w = initialWeights('uniform');
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...w)).toBeLessThan(0.05);
    expect(Math.min(...w)).toBeLessThan(0);
  });
});
