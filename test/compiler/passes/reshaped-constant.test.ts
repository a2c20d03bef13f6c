// reshape(c) = broadcast_to(c) = c at the new shape, for a constant c
// (compiler/passes/simplify.ts): the broadcast of a constant is never materialised.
import { describe, it } from 'vitest';
import { algebraicSimplificationPass } from '../../../compiler/passes/simplify';
import { expectPass, expectUnchanged } from './expect-pass';

const pass = algebraicSimplificationPass;

describe('reshaped and broadcast constants', () => {
  it('broadcast_to(c) and reshape(c) become the constant at the new shape; the original stays for its other readers', () => {
    expectPass(
      pass,
      `
      graph g {
        input %x: f32[4,3]
        %1: f32[4,1] = constant [dtype="f32", shape=[4,1], value=0.25]
        %2: f32[4,3] = broadcast_to %1 [shape=[4,3]]
        %3: f32[4,3] = mul %2, %x
        %4: f32[2,2] = reshape %1 [shape=[2,2]]
        %5: i32[6] = constant [dtype="i32", shape=[6], value=-2]
        %6: i32[2,3] = reshape %5 [shape=[2,3]]
        return y=%3, z=%4, w=%6, c=%1
      }`,
      `
      graph g {
        input %x: f32[4,3]
        %1: f32[4,1] = constant [dtype="f32", shape=[4,1], value=0.25]
        %2: f32[4,3] = constant [dtype="f32", shape=[4,3], value=0.25]
        %3: f32[4,3] = mul %2, %x
        %4: f32[2,2] = constant [dtype="f32", shape=[2,2], value=0.25]
        %5: i32[6] = constant [dtype="i32", shape=[6], value=-2]
        %6: i32[2,3] = constant [dtype="i32", shape=[2,3], value=-2]
        return y=%3, z=%4, w=%6, c=%1
      }`,
    );
  });

  it('leaves the broadcast of a computed value', () => {
    expectUnchanged(
      pass,
      `
      graph g {
        input %x: f32[4,1]
        %1: f32[4,1] = exp %x
        %2: f32[4,3] = broadcast_to %1 [shape=[4,3]]
        return y=%2
      }`,
    );
  });
});
