// Property test of the clean-up pipeline: random well-typed graphs full of what the
// passes look for (unit constants, constant-only subgraphs, repeated expressions,
// reshape/transpose chains, double negations, dead branches, a loop), optimized at
// -O1 with the verifier after every pass, must compute the same results on the
// reference executor in f32 (NaN where the original gives NaN).
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Program } from '../../../compiler/ir/program';
import type { TensorType, Value } from '../../../compiler/ir/types';
import { sameType } from '../../../compiler/ir/types';
import { verifyGraph } from '../../../compiler/ir/verify';
import { executeEntry, tensor } from '../../../compiler/reference/execute';
import { optimizeProgram } from '../../../compiler/passes/pipeline';
import { rng } from '../memory/random-plans';
import { sampleData } from './sample-programs';

const T: TensorType = { dtype: 'f32', shape: [2, 3] };

function randomProgram(seed: number): Program {
  const r = rng(seed);
  const b = new GraphBuilder('f');
  const pool: Value[] = [b.arg('input', 'x', T), b.arg('input', 'y', T)];
  const pick = (): Value => pool[r(pool.length)];
  const constant = (): Value => b.constant([0, 1, -1, 2, 0.5, -0][r(6)], T);
  const emit = (): Value => {
    switch (r(12)) {
      case 0:
        return constant();
      case 1:
        return b.op(['add', 'sub', 'mul', 'div'][r(4)], [pick(), constant()]);
      case 2:
        return b.op(['add', 'sub', 'mul', 'div', 'maximum'][r(5)], [pick(), pick()]);
      case 3:
        return b.op(['neg', 'exp', 'tanh', 'relu', 'abs', 'stop_gradient'][r(6)], [pick()]);
      case 4:
        return b.op('neg', [b.op('neg', [pick()])]);
      case 5: {
        const flat = b.op('reshape', [pick()], { shape: [6] });
        return b.op('reshape', [b.op('reshape', [flat], { shape: [3, 2] })], { shape: [2, 3] });
      }
      case 6:
        return b.op('transpose', [b.op('transpose', [pick()], { perm: [1, 0] })], { perm: [1, 0] });
      case 7: {
        const s = b.op('sum', [pick()], { axes: [1], keepdims: true });
        return b.op('add', [pick(), s]);
      }
      case 8: {
        // the same expression twice
        const [p, q] = [pick(), pick()];
        return b.op('add', [b.op('mul', [p, q]), b.op('mul', [p, q])]);
      }
      case 9:
        return b.op('mul', [b.op('add', [constant(), constant()]), pick()]);
      case 10: {
        const body = b.region('body');
        const h = body.arg('region', 'h', T);
        const c = body.arg('region', 'c', T);
        const next = body.op('tanh', [
          body.op('add', [body.op('mul', [h, body.constant(1, T)]), body.op('neg', [body.op('neg', [c])])]),
        ]);
        return b.emit(
          'repeat',
          [pick(), pick()],
          { count: 2, carries: 1 },
          { regions: [body.finish([{ name: 'h', value: next }])] },
        ).outputs[0];
      }
      default:
        b.op('exp', [pick()]); // dead
        return pick();
    }
  };
  for (let i = 0; i < 6 + r(14); i++) {
    const v = emit();
    if (sameType(v.type, T)) pool.push(v);
  }
  const graph = b.finish({ out: pool[pool.length - 1], other: pick() });
  return {
    model: `random${seed}`,
    hyper: {},
    persistent: [],
    scalars: [],
    entries: [{ name: 'f', kind: 'infer', graph }],
  };
}

describe('-O1 on random graphs', () => {
  it('300 random graphs: every pass verifies, results agree with the unoptimized graph, nodes never grow', () => {
    let shrunk = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const program = randomProgram(seed);
      const { program: optimized } = optimizeProgram(program, {
        level: 1,
        dump: '',
        onStage: (s) => verifyGraph(s.graph),
      });
      const before = program.entries[0].graph;
      const after = optimized.entries[0].graph;
      expect(after.nodes.length).toBeLessThanOrEqual(before.nodes.length);
      if (after.nodes.length < before.nodes.length) shrunk++;
      const feeds = { x: tensor(T, sampleData(T, seed)), y: tensor(T, sampleData(T, seed + 1000)) };
      const want = executeEntry(program, 'f', feeds, {}, { precision: 'f32' }).results;
      const got = executeEntry(optimized, 'f', feeds, {}, { precision: 'f32' }).results;
      for (const name of Object.keys(want)) {
        want[name].data.forEach((w, i) => {
          const g = got[name].data[i];
          const same = Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= 1e-5 * (1 + Math.abs(w)) || g === w;
          if (!same) throw new Error(`seed ${seed}: ${name}[${i}] is ${g} after -O1, ${w} before`);
        });
      }
    }
    expect(shrunk).toBeGreaterThan(250);
  });
});
