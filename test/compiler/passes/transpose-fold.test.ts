// Folding a transpose of the last two axes into matmul's transpose_a/transpose_b
// (compiler/passes/simplify.ts): IR in, IR out, and the reference executor gives the
// same numbers before and after (the same products summed in the same order).
import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../../compiler/ir/parse';
import { execute, tensor } from '../../../compiler/reference/execute';
import { algebraicSimplificationPass } from '../../../compiler/passes/simplify';
import { deadCodeEliminationPass } from '../../../compiler/passes/dead-code';
import type { Graph } from '../../../compiler/ir/types';
import { CTX, expectPass, expectUnchanged, ir } from './expect-pass';
import { sampleData } from './sample-programs';

const pass = algebraicSimplificationPass;

describe('matmul transpose folding', () => {
  it('matmul(x, transpose(w)) = matmul(x, w) [transpose_b flipped]; matmul(transpose(x), w) likewise for transpose_a', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[4,3]
        input %w: f32[5,3]
        input %u: f32[3,4]
        %1: f32[3,5] = transpose %w [perm=[1,0]]
        %2: f32[4,5] = matmul %x, %1 [transpose_a=false, transpose_b=false]
        %3: f32[4,3] = transpose %u [perm=[1,0]]
        %4: f32[4,5] = matmul %3, %1 [transpose_a=false, transpose_b=false]
        %5: f32[3,4] = transpose %x [perm=[1,0]]
        %6: f32[4,5] = matmul %5, %w [transpose_a=true, transpose_b=true]
        return y=%2, z=%4, t=%6
      }`,
      `
      graph g {
        input %x: f32[4,3]
        input %w: f32[5,3]
        input %u: f32[3,4]
        %1: f32[3,5] = transpose %w [perm=[1,0]]
        %2: f32[4,5] = matmul %x, %w [transpose_a=false, transpose_b=true]
        %3: f32[4,3] = transpose %u [perm=[1,0]]
        %4: f32[4,5] = matmul %u, %w [transpose_a=true, transpose_b=true]
        %5: f32[3,4] = transpose %x [perm=[1,0]]
        %6: f32[4,5] = matmul %x, %w [transpose_a=false, transpose_b=true]
        return y=%2, z=%4, t=%6
      }`,
    );
  });

  it('folds a batched transpose of the last two axes; keeps the transpose another node reads', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[2,4,3]
        input %w: f32[2,5,3]
        %1: f32[2,3,5] = transpose %w [perm=[0,2,1]]
        %2: f32[2,4,5] = matmul %x, %1 [transpose_a=false, transpose_b=false]
        %3: f32[2,3,5] = exp %1
        return y=%2, e=%3
      }`,
      `
      graph g {
        input %x: f32[2,4,3]
        input %w: f32[2,5,3]
        %1: f32[2,3,5] = transpose %w [perm=[0,2,1]]
        %2: f32[2,4,5] = matmul %x, %w [transpose_a=false, transpose_b=true]
        %3: f32[2,3,5] = exp %1
        return y=%2, e=%3
      }`,
    );
  });

  it('leaves a transpose that moves a batch axis', () => {
    expectUnchanged(
      pass,
      `
      graph g {
        input %x: f32[3,4,2]
        input %w: f32[2,3,5]
        %1: f32[3,2,5] = transpose %w [perm=[1,0,2]]
        %2: f32[3,4,5] = matmul %x, %1 [transpose_a=false, transpose_b=false]
        %3: f32[3,5,2] = transpose %w [perm=[1,2,0]]
        %4: f32[3,4,5] = matmul %x, %3 [transpose_a=false, transpose_b=true]
        return y=%2, z=%4
      }`,
    );
  });

  it('dead-code elimination then removes the transpose nobody reads; the reference gives identical results', () => {
    const text = `
      graph g {
        input %h: f32[6,5]
        input %w: f32[7,5]
        input %x: f32[2,5,4]
        input %y: f32[2,5,3]
        %1: f32[5,7] = transpose %w [perm=[1,0]]
        %2: f32[6,7] = matmul %h, %1 [transpose_a=false, transpose_b=false]
        %3: f32[2,4,5] = transpose %x [perm=[0,2,1]]
        %4: f32[2,4,3] = matmul %3, %y [transpose_a=false, transpose_b=false]
        %5: f32[2,3,5] = transpose %y [perm=[0,2,1]]
        %6: f32[2,4,5] = transpose %x [perm=[0,2,1]]
        %7: f32[2,3,4] = matmul %5, %6 [transpose_a=false, transpose_b=true]
        return a=%2, b=%4, c=%7
      }`;
    const before = parseGraph(ir(text));
    const after = deadCodeEliminationPass(pass(before, CTX), CTX);
    expect(after.nodes.map((n) => n.op)).toEqual(['matmul', 'matmul', 'matmul']);
    const feeds = Object.fromEntries(
      before.args.map((a, i) => [a.name, tensor(a.value.type, sampleData(a.value.type, 11 + i))]),
    );
    const run = (g: Graph) => execute(g, feeds, { precision: 'f32' }).results;
    const [want, got] = [run(before), run(after)];
    for (const name of ['a', 'b', 'c']) expect(Array.from(got[name].data)).toEqual(Array.from(want[name].data));
  });
});
