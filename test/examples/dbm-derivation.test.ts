// examples/dbm.dl's learning rule and mean field against a hand-written float64
// computation (test/helpers/dbm-exact.ts) on a tiny DBM, in the reference executor:
// one `pcd` step must move every parameter by −lr·(momentum·velocity + g) with
//   g_W1 = −⟨v μ1ᵀ⟩_data + ⟨ṽ h̃1ᵀ⟩_chains,  g_W2 = −⟨μ1 μ2ᵀ⟩_data + ⟨h̃1 h̃2ᵀ⟩_chains,
//   g_a = −⟨v⟩ + ⟨ṽ⟩,  g_b1 = −⟨μ1⟩ + ⟨h̃1⟩,  g_b2 = −⟨μ2⟩ + ⟨h̃2⟩
// (the states held constant: no derivative through the mean field or the chain),
// and write the chain's last h1 back. The Bernoulli draws are reproduced from the
// ops' Philox streams. Then the mean field: the `score` entry's bound is the
// variational free energy at the file's iterates, it never rises with more
// iterations, and it stays above the exact free energy F(v) (enumerated).
import { describe, expect, it } from 'vitest';
import { executeEntry } from '../../compiler/reference/execute';
import type { Program } from '../../compiler/ir/program';
import type { Graph, Node } from '../../compiler/ir/types';
import type { Tensor } from '../../compiler/ops/registry';
import { philoxWords, uniform01 } from '../../runtime/philox';
import { lowerExample } from './zoo-harness';
import { rng } from '../helpers/rng';
import type { Dbm, Matrix } from '../helpers/dbm-exact';
import {
  affine,
  energy,
  entropy,
  exactFreeEnergy,
  matrix,
  meanField,
  plus,
  sigmoid,
  times,
} from '../helpers/dbm-exact';

const SIZES = { batch: 3, nv: 7, nh1: 4, nh2: 3 };
const SEED = 11;
const STEP = 5;
const LR = 0.005;
const MOMENTUM = 0.9;

function lowerTiny(defines: Record<string, number>): Program {
  return lowerExample('dbm', { ...SIZES, chains: 2, temps: 2, dream_steps: 2, ...defines });
}

/** Weights big enough that no sigmoid saturates to a sure draw, from a fixed seed. */
function tinyState(program: Program): Record<string, Tensor> {
  const next = rng(42);
  const state: Record<string, Tensor> = {};
  for (const p of program.persistent) {
    const n = p.type.shape.reduce((x, y) => x * y, 1);
    const draw = p.name === 'chain' ? () => (next() < 0.5 ? 1 : 0) : () => 2 * next() - 1;
    state[p.name] = { type: p.type, data: Float64Array.from({ length: n }, draw) };
  }
  return state;
}

const dbmOf = (s: Record<string, Tensor>): Dbm => ({
  nv: SIZES.nv,
  nh1: SIZES.nh1,
  nh2: SIZES.nh2,
  W1: s.W1!.data,
  W2: s.W2!.data,
  a: s.a!.data,
  b1: s.b1!.data,
  b2: s.b2!.data,
});

/** The `bernoulli` nodes of `graph`, and those of its region bodies, in order. */
function bernoullis(graph: Graph): { top: Node[]; inBodies: Node[] } {
  const top = graph.nodes.filter((n) => n.op === 'bernoulli');
  const inBodies = graph.nodes.flatMap((n) =>
    (n.regions ?? []).flatMap((g) => g.nodes.filter((m) => m.op === 'bernoulli')),
  );
  return { top, inBodies };
}

/** bernoulli(p) as the op draws it: element e of stream `stream` at iteration `iteration`. */
function draw(p: Matrix, stream: number, iteration: number): Matrix {
  return matrix(p.rows, p.cols, (r, c) => {
    const e = r * p.cols + c;
    return uniform01(philoxWords(SEED, stream, STEP, e, iteration)[0]) < Math.fround(p.data[e]!) ? 1 : 0;
  });
}

/** Column means of x. */
function colMeans(x: Matrix): number[] {
  return Array.from({ length: x.cols }, (_, c) => {
    let s = 0;
    for (let r = 0; r < x.rows; r++) s += x.data[r * x.cols + c]!;
    return s / x.rows;
  });
}

/** xᵀy / rows, row-major [x.cols, y.cols]. */
function outerMean(x: Matrix, y: Matrix): number[] {
  return Array.from({ length: x.cols * y.cols }, (_, k) => {
    const i = Math.floor(k / y.cols);
    const j = k % y.cols;
    let s = 0;
    for (let r = 0; r < x.rows; r++) s += x.data[r * x.cols + i]! * y.data[r * y.cols + j]!;
    return s / x.rows;
  });
}

const mean = (x: readonly number[]): number => x.reduce((s, t) => s + t, 0) / x.length;

function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-9): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol);
}

describe('examples/dbm.dl by hand', () => {
  it('one pcd step is the DBM rule: data statistics at the mean field minus the chains, through momentum SGD', () => {
    const MF = 3;
    const GIBBS = 2;
    const program = lowerTiny({ mf_steps: MF, gibbs_steps: GIBBS, lr: LR });
    const entry = program.entries.find((e) => e.name === 'pcd')!;
    const { top, inBodies } = bernoullis(entry.graph);
    // v = bernoulli(v0) at the top; in the Gibbs sweep's body, v, then h2, then h1 given both.
    expect(top.length).toBe(1);
    expect(inBodies.length).toBe(3);
    const [sv, sh2, sh1] = inBodies.map((n) => n.attrs.stream as number);
    const state = tinyState(program);
    const m = dbmOf(state);
    const next = rng(7);
    const v0 = matrix(SIZES.batch, SIZES.nv, () => next());

    const run = executeEntry(
      program,
      'pcd',
      { v0: { type: entry.graph.args.find((a) => a.name === 'v0')!.value.type, data: v0.data } },
      state,
      { seed: SEED, step: STEP, precision: 'f64' },
    );

    // Positive phase: the binarised batch and its mean field.
    const v = draw(v0, top[0]!.attrs.stream as number, 0);
    const { m1, m2 } = meanField(m, v, MF);
    // Negative phase: GIBBS sweeps of the persistent chain, each v and h2 given h1, then h1 given both.
    let h1 = matrix(SIZES.batch, SIZES.nh1, (r, c) => state.chain!.data[r * SIZES.nh1 + c]!);
    let vk = matrix(SIZES.batch, SIZES.nv, () => 0);
    let h2 = matrix(SIZES.batch, SIZES.nh2, () => 0);
    for (let it = 0; it < GIBBS; it++) {
      vk = draw(affine(times(h1, m.W1, SIZES.nv, true), m.a, sigmoid), sv!, it);
      h2 = draw(affine(times(h1, m.W2, SIZES.nh2), m.b2, sigmoid), sh2!, it);
      h1 = draw(affine(plus(times(vk, m.W1, SIZES.nh1), times(h2, m.W2, SIZES.nh1, true)), m.b1, sigmoid), sh1!, it);
    }
    // The chains must have moved, or the test would not see the negative phase.
    expect(Array.from(h1.data)).not.toEqual(Array.from(state.chain!.data));

    const cost = mean(energy(m, v, m1, m2)) - mean(energy(m, vk, h1, h2));
    const pv = affine(times(m1, m.W1, SIZES.nv, true), m.a, sigmoid);
    const recon = mean(
      Array.from({ length: SIZES.batch }, (_, r) => {
        let s = 0;
        for (let i = 0; i < SIZES.nv; i++) s += (v0.data[r * SIZES.nv + i]! - pv.data[r * SIZES.nv + i]!) ** 2;
        return s;
      }),
    );
    expectClose('cost', run.results.cost!.data, [cost]);
    expectClose('recon', run.results.recon!.data, [recon]);

    const minus = (x: number[], y: number[]) => x.map((t, i) => y[i]! - t);
    const grads: Record<string, number[]> = {
      W1: minus(outerMean(v, m1), outerMean(vk, h1)),
      W2: minus(outerMean(m1, m2), outerMean(h1, h2)),
      a: minus(colMeans(v), colMeans(vk)),
      b1: minus(colMeans(m1), colMeans(h1)),
      b2: minus(colMeans(m2), colMeans(h2)),
    };
    for (const [name, g] of Object.entries(grads)) {
      const velocity = state[`pcd.${name}.momentum`]!.data;
      const nextVelocity = g.map((gi, i) => MOMENTUM * velocity[i]! + gi);
      expectClose(`${name}'s velocity`, run.assigns[`pcd.${name}.momentum`]!.data, nextVelocity);
      expectClose(
        name,
        run.assigns[name]!.data,
        nextVelocity.map((u, i) => state[name]!.data[i]! - LR * u),
      );
    }
    expectClose('chain', run.assigns.chain!.data, h1.data, 0);
    // The pretraining RBMs' own parameter is not the DBM's.
    expect(run.assigns.c1).toBeUndefined();
  });

  it("score's bound is the mean field's variational free energy, falls with each iteration and stays above F(v)", () => {
    const next = rng(9);
    const v = matrix(SIZES.batch, SIZES.nv, () => (next() < 0.4 ? 1 : 0));
    let state: Record<string, Tensor> | undefined;
    let previous: number[] | undefined;
    let exact: number[] | undefined;
    for (const steps of [1, 2, 3, 5, 8, 13]) {
      const program = lowerTiny({ mf_steps: steps });
      state ??= tinyState(program);
      const m = dbmOf(state);
      exact ??= exactFreeEnergy(m, v);
      const entry = program.entries.find((e) => e.name === 'score')!;
      const feeds = { v0: { type: entry.graph.args.find((a) => a.name === 'v0')!.value.type, data: v.data } };
      const bound = Array.from(
        executeEntry(program, 'score', feeds, state, { precision: 'f64' }).results.free_energy_bound!.data,
      );
      const { m1, m2 } = meanField(m, v, steps);
      const h1 = entropy(m1);
      const h2 = entropy(m2);
      // The file's entropy adds 1e-7 inside its logarithms.
      expectClose(
        `bound after ${steps}`,
        bound,
        energy(m, v, m1, m2).map((e, r) => e - h1[r]! - h2[r]!),
        1e-5,
      );
      for (let r = 0; r < v.rows; r++) {
        expect(bound[r]!, `row ${r} after ${steps}: above F(v) = ${exact[r]}`).toBeGreaterThan(exact[r]! - 1e-5);
        if (previous)
          expect(bound[r]!, `row ${r}: ${previous[r]} then ${bound[r]}`).toBeLessThanOrEqual(previous[r]! + 1e-5);
      }
      previous = bound;
    }
  });
});
