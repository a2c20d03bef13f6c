// The rewrites of simplify-partial-sums.ts: slice and gather gradients summed part by
// part are written where they belong (IR text in, IR text out).
import { describe, it } from 'vitest';
import { algebraicSimplificationPass } from '../../../compiler/passes/simplify';
import { expectPass, expectUnchanged } from './expect-pass';

const pass = algebraicSimplificationPass;

describe('sums of partial tensors', () => {
  it('add(a, scatter_add(0, t, u)) = scatter_add(a, t, u) for one index, either operand order', () => {
    expectPass(
      pass,
      `
      graph g {
        input %a: f32[2,5,3]
        input %t: i32[]
        input %u: f32[2,3]
        input %v: f32[2,3]
        %1: f32[2,5,3] = constant [dtype="f32", shape=[2,5,3], value=0]
        %2: f32[2,5,3] = scatter_add %1, %t, %u [axis=1]
        %3: f32[2,5,3] = add %a, %2
        %4: f32[2,5,3] = scatter_add %1, %t, %v [axis=1]
        %5: f32[2,5,3] = add %4, %3
        return y=%5
      }`,
      `
      graph g {
        input %a: f32[2,5,3]
        input %t: i32[]
        input %u: f32[2,3]
        input %v: f32[2,3]
        %1: f32[2,5,3] = constant [dtype="f32", shape=[2,5,3], value=0]
        %2: f32[2,5,3] = scatter_add %1, %t, %u [axis=1]
        %3: f32[2,5,3] = scatter_add %a, %t, %u [axis=1]
        %4: f32[2,5,3] = scatter_add %1, %t, %v [axis=1]
        %5: f32[2,5,3] = scatter_add %3, %t, %v [axis=1]
        return y=%5
      }`,
    );
  });

  it('keeps the add when the scatter has several f32 ids (reassociation), a non-zero target, or broadcasts', () => {
    expectUnchanged(
      pass,
      `
      graph g {
        input %a: f32[5,3]
        input %ids: i32[2]
        input %u: f32[2,3]
        input %b: f32[5,3]
        input %t: i32[]
        input %w: f32[3]
        input %row: f32[3]
        %1: f32[5,3] = constant [dtype="f32", shape=[5,3], value=0]
        %2: f32[5,3] = scatter_add %1, %ids, %u [axis=0]
        %3: f32[5,3] = add %a, %2
        %4: f32[5,3] = scatter_add %b, %t, %w [axis=0]
        %5: f32[5,3] = add %a, %4
        %6: f32[5,3] = scatter_add %1, %t, %w [axis=0]
        %7: f32[5,3] = add %row, %6
        return p=%3, q=%5, r=%7
      }`,
    );
  });

  it('integer scatters with repeated ids accumulate in place too (wrapping addition is associative)', () => {
    expectPass(
      pass,
      `
      graph g {
        input %a: i32[5]
        input %ids: i32[3]
        input %u: i32[3]
        %1: i32[5] = constant [dtype="i32", shape=[5], value=0]
        %2: i32[5] = scatter_add %1, %ids, %u [axis=0]
        %3: i32[5] = add %a, %2
        return y=%3
      }`,
      `
      graph g {
        input %a: i32[5]
        input %ids: i32[3]
        input %u: i32[3]
        %1: i32[5] = constant [dtype="i32", shape=[5], value=0]
        %2: i32[5] = scatter_add %1, %ids, %u [axis=0]
        %3: i32[5] = scatter_add %a, %ids, %u [axis=0]
        return y=%3
      }`,
    );
  });

  it('a sum of pads that tile one axis, in any order and association, is a concat of the parts in axis order', () => {
    expectPass(
      pass,
      `
      graph g {
        input %i: f32[2,4]
        input %f: f32[2,4]
        input %o: f32[2,8]
        %1: f32[2,16] = pad %o [hi=[0,0], interior=[0,0], lo=[0,8]]
        %2: f32[2,16] = pad %f [hi=[0,8], interior=[0,0], lo=[0,4]]
        %3: f32[2,16] = add %1, %2
        %4: f32[2,16] = pad %i [hi=[0,12], interior=[0,0], lo=[0,0]]
        %5: f32[2,16] = add %4, %3
        return y=%5
      }`,
      `
      graph g {
        input %i: f32[2,4]
        input %f: f32[2,4]
        input %o: f32[2,8]
        %1: f32[2,16] = pad %o [hi=[0,0], interior=[0,0], lo=[0,8]]
        %2: f32[2,16] = pad %f [hi=[0,8], interior=[0,0], lo=[0,4]]
        %3: f32[2,16] = add %1, %2
        %4: f32[2,16] = pad %i [hi=[0,12], interior=[0,0], lo=[0,0]]
        %5: f32[2,16] = concat %i, %f, %o [axis=1]
        return y=%5
      }`,
    );
  });

  it('keeps sums of pads that leave a gap, overlap, pad two axes, pad between elements or add a full tensor', () => {
    expectUnchanged(
      pass,
      `
      graph g {
        input %a: f32[2,4]
        input %b: f32[2,4]
        input %full: f32[2,12]
        input %c: f32[1,4]
        input %d: f32[2,2]
        %1: f32[2,12] = pad %a [hi=[0,8], interior=[0,0], lo=[0,0]]
        %2: f32[2,12] = pad %b [hi=[0,0], interior=[0,0], lo=[0,8]]
        %3: f32[2,12] = add %1, %2
        %4: f32[2,12] = pad %b [hi=[0,6], interior=[0,0], lo=[0,2]]
        %5: f32[2,12] = pad %a [hi=[0,4], interior=[0,0], lo=[0,4]]
        %6: f32[2,12] = add %3, %4
        %7: f32[2,12] = add %6, %5
        %8: f32[2,12] = add %3, %full
        %9: f32[2,12] = pad %c [hi=[1,4], interior=[0,0], lo=[0,4]]
        %10: f32[2,12] = pad %b [hi=[0,0], interior=[0,0], lo=[0,8]]
        %11: f32[2,12] = pad %a [hi=[0,8], interior=[0,0], lo=[0,0]]
        %12: f32[2,12] = add %11, %9
        %13: f32[2,12] = add %12, %10
        %14: f32[2,12] = pad %d [hi=[0,2], interior=[0,4], lo=[0,4]]
        %15: f32[2,12] = pad %a [hi=[0,8], interior=[0,0], lo=[0,0]]
        %16: f32[2,12] = add %15, %14
        return p=%3, q=%7, r=%8, s=%13, u=%16
      }`,
    );
  });
});
