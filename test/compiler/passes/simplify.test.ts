import { describe, it } from 'vitest';
import { algebraicSimplificationPass } from '../../../compiler/passes/simplify';
import { expectPass, expectUnchanged } from './expect-pass';

const pass = algebraicSimplificationPass;

describe('algebraicSimplificationPass', () => {
  it('x * 1 = 1 * x = x, x / 1 = x, x + 0 = 0 + x = x, x - 0 = x', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = constant [dtype="f32", shape=[4], value=1]
        %2: f32[4] = constant [dtype="f32", shape=[4], value=0]
        %3: f32[4] = mul %x, %1
        %4: f32[4] = mul %1, %3
        %5: f32[4] = div %4, %1
        %6: f32[4] = add %5, %2
        %7: f32[4] = add %2, %6
        %8: f32[4] = sub %7, %2
        %9: f32[4] = exp %8
        return y=%9
      }`,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = constant [dtype="f32", shape=[4], value=1]
        %2: f32[4] = constant [dtype="f32", shape=[4], value=0]
        %9: f32[4] = exp %x
        return y=%9
      }`,
    );
  });

  it('keeps a unit op that broadcasts x, x * 0, 0 - x, 1 / x and f32 x - x', () => {
    expectUnchanged(
      pass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[3,4] = constant [dtype="f32", shape=[3,4], value=1]
        %2: f32[3,4] = mul %x, %1
        %3: f32[4] = constant [dtype="f32", shape=[4], value=0]
        %4: f32[4] = mul %x, %3
        %5: f32[4] = sub %3, %x
        %6: f32[4] = constant [dtype="f32", shape=[4], value=1]
        %7: f32[4] = div %6, %x
        %8: f32[4] = sub %x, %x
        return a=%2, b=%4, c=%5, d=%7, e=%8
      }`,
    );
  });

  it('x - x = 0 for integers', () => {
    expectPass(
      pass,
      `
      graph g {
        input %n: i32[4]
        %1: i32[4] = sub %n, %n
        return y=%1
      }`,
      `
      graph g {
        input %n: i32[4]
        %1: i32[4] = constant [dtype="i32", shape=[4], value=0]
        return y=%1
      }`,
    );
  });

  it('neg(neg(x)) = x, collapsing chains in one walk', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = neg %x
        %2: f32[4] = neg %1
        %3: f32[4] = neg %2
        return y=%2, z=%3
      }`,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = neg %x
        %3: f32[4] = neg %x
        return y=%x, z=%3
      }`,
    );
  });

  it('reshape(reshape(x)) = reshape(x); reshape, broadcast_to, cast and stop_gradient that change nothing = x', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[2,6]
        %1: f32[3,4] = reshape %x [shape=[3,4]]
        %2: f32[12] = reshape %1 [shape=[-1]]
        %3: f32[2,6] = reshape %2 [shape=[2,6]]
        %4: f32[2,6] = broadcast_to %3 [shape=[2,6]]
        %5: f32[2,6] = cast %4 [to="f32"]
        %6: f32[2,6] = stop_gradient %5
        %7: f32[2,6] = relu %6
        return y=%7, flat=%2
      }`,
      `
      graph g {
        input %x: f32[2,6]
        %1: f32[3,4] = reshape %x [shape=[3,4]]
        %2: f32[12] = reshape %x [shape=[-1]]
        %7: f32[2,6] = relu %x
        return y=%7, flat=%2
      }`,
    );
  });

  it('transpose(transpose(x, p), q) = transpose(x, p∘q), and = x when that is the identity', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[2,3,4]
        %1: f32[3,4,2] = transpose %x [perm=[1,2,0]]
        %2: f32[4,2,3] = transpose %1 [perm=[1,2,0]]
        %3: f32[2,3,4] = transpose %1 [perm=[2,0,1]]
        %4: f32[2,3,4] = transpose %x [perm=[0,1,2]]
        %5: f32[2,3,4] = add %3, %4
        return a=%2, b=%5
      }`,
      `
      graph g {
        input %x: f32[2,3,4]
        %1: f32[3,4,2] = transpose %x [perm=[1,2,0]]
        %2: f32[4,2,3] = transpose %x [perm=[2,0,1]]
        %5: f32[2,3,4] = add %x, %x
        return a=%2, b=%5
      }`,
    );
  });

  it('simplifies inside region bodies', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=2]
          graph body {
            region %h: f32[4]
            %2: f32[4] = neg %h
            %3: f32[4] = neg %2
            %4: f32[4] = tanh %3
            return h=%4
          }
        return y=%1
      }`,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=2]
          graph body {
            region %h: f32[4]
            %2: f32[4] = neg %h
            %4: f32[4] = tanh %h
            return h=%4
          }
        return y=%1
      }`,
    );
  });
});
