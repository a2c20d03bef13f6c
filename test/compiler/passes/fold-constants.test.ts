import { describe, it } from 'vitest';
import { constantFoldingPass } from '../../../compiler/passes/fold-constants';
import { expectPass, expectUnchanged } from './expect-pass';

describe('constantFoldingPass', () => {
  it('folds elementwise chains, reductions and shape ops of constants, rounding to f32', () => {
    expectPass(
      constantFoldingPass,
      `
      graph g {
        input %x: f32[2,3]
        %1: f32[2,3] = constant [dtype="f32", shape=[2,3], value=0.1]
        %2: f32[2,3] = constant [dtype="f32", shape=[2,3], value=3]
        %3: f32[2,3] = mul %1, %2
        %4: f32[3] = sum %3 [axes=[0], keepdims=false]
        %5: f32[3,1] = reshape %4 [shape=[3,1]]
        %6: f32[2,3] = add %x, %3
        return y=%6, s=%5
      }`,
      `
      graph g {
        input %x: f32[2,3]
        %1: f32[2,3] = constant [dtype="f32", shape=[2,3], value=0.1]
        %2: f32[2,3] = constant [dtype="f32", shape=[2,3], value=3]
        %3: f32[2,3] = constant [dtype="f32", shape=[2,3], value=0.30000001192092896]
        %4: f32[3] = constant [dtype="f32", shape=[3], value=0.6000000238418579]
        %5: f32[3,1] = constant [dtype="f32", shape=[3,1], value=0.6000000238418579]
        %6: f32[2,3] = add %x, %3
        return y=%6, s=%5
      }`,
    );
  });

  it('folds integer arithmetic with wrapping, and comparisons to bool', () => {
    expectPass(
      constantFoldingPass,
      `
      graph g {
        %0: i32[2] = constant [dtype="i32", shape=[2], value=2147483647]
        %1: i32[2] = constant [dtype="i32", shape=[2], value=1]
        %2: i32[2] = add %0, %1
        %3: bool[2] = lt %2, %1
        return y=%2, b=%3
      }`,
      `
      graph g {
        %0: i32[2] = constant [dtype="i32", shape=[2], value=2147483647]
        %1: i32[2] = constant [dtype="i32", shape=[2], value=1]
        %2: i32[2] = constant [dtype="i32", shape=[2], value=-2147483648]
        %3: bool[2] = constant [dtype="bool", shape=[2], value=1]
        return y=%2, b=%3
      }`,
    );
  });

  it('leaves NaN and infinite results, random ops and large non-elementwise ops computed', () => {
    expectUnchanged(
      constantFoldingPass,
      `
      graph g {
        %0: f32[2] = constant [dtype="f32", shape=[2], value=0]
        %1: f32[2] = div %0, %0
        %2: f32[2] = log %0
        %3: f32[2] = dropout %0 [p=0.5, stream=1]
        %4: f32[2000000] = constant [dtype="f32", shape=[2000000], value=1]
        %5: f32[] = sum %4 [axes=[0], keepdims=false]
        return a=%1, b=%2, c=%3, d=%5
      }`,
    );
  });

  it('folds elementwise ops of any size, broadcasting included, evaluating one element', () => {
    expectPass(
      constantFoldingPass,
      `
      graph g {
        %0: f32[1000,1000] = constant [dtype="f32", shape=[1000,1000], value=2]
        %1: f32[1000] = constant [dtype="f32", shape=[1000], value=0.5]
        %2: f32[1000,1000] = mul %0, %1
        %3: f32[1000,1000] = exp %2
        return y=%3
      }`,
      `
      graph g {
        %0: f32[1000,1000] = constant [dtype="f32", shape=[1000,1000], value=2]
        %1: f32[1000] = constant [dtype="f32", shape=[1000], value=0.5]
        %2: f32[1000,1000] = constant [dtype="f32", shape=[1000,1000], value=1]
        %3: f32[1000,1000] = constant [dtype="f32", shape=[1000,1000], value=2.7182817459106445]
        return y=%3
      }`,
    );
  });

  it('folds inside region bodies', () => {
    expectPass(
      constantFoldingPass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %2: f32[4] = constant [dtype="f32", shape=[4], value=2]
            %3: f32[4] = square %2
            %4: f32[4] = mul %h, %3
            return h=%4
          }
        return y=%1
      }`,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %2: f32[4] = constant [dtype="f32", shape=[4], value=2]
            %3: f32[4] = constant [dtype="f32", shape=[4], value=4]
            %4: f32[4] = mul %h, %3
            return h=%4
          }
        return y=%1
      }`,
    );
  });

  it('folds iota and what is computed from it into literals, and a uniform result into a constant', () => {
    expectPass(
      constantFoldingPass,
      `
      graph g {
        input %x: f32[3,3]
        %0: i32[3] = iota [axis=0, shape=[3]]
        %1: f32[3,3] = one_hot %0 [depth=3]
        %2: f32[3,3] = constant [dtype="f32", shape=[3,3], value=0.5]
        %3: f32[3,3] = mul %1, %2
        %4: f32[3,3] = matmul %x, %3 [transpose_a=false, transpose_b=false]
        %5: f32[] = sum %1 [axes=[0,1], keepdims=false]
        return y=%4, n=%5
      }`,
      `
      graph g {
        input %x: f32[3,3]
        %0: i32[3] = literal [data=[0,1,2], dtype="i32", shape=[3]]
        %1: f32[3,3] = literal [data=[1,0,0,0,1,0,0,0,1], dtype="f32", shape=[3,3]]
        %2: f32[3,3] = constant [dtype="f32", shape=[3,3], value=0.5]
        %3: f32[3,3] = literal [data=[0.5,0,0,0,0.5,0,0,0,0.5], dtype="f32", shape=[3,3]]
        %4: f32[3,3] = matmul %x, %3 [transpose_a=false, transpose_b=false]
        %5: f32[] = constant [dtype="f32", shape=[], value=3]
        return y=%4, n=%5
      }`,
    );
  });

  it('rounds a literal computed in float64 to f32, and leaves literals alone', () => {
    expectPass(
      constantFoldingPass,
      `
      graph g {
        %0: f32[2] = literal [data=[1,3], dtype="f32", shape=[2]]
        %1: f32[2] = constant [dtype="f32", shape=[2], value=0.1]
        %2: f32[2] = mul %0, %1
        return y=%2
      }`,
      `
      graph g {
        %0: f32[2] = literal [data=[1,3], dtype="f32", shape=[2]]
        %1: f32[2] = constant [dtype="f32", shape=[2], value=0.1]
        %2: f32[2] = literal [data=[0.10000000149011612,0.30000001192092896], dtype="f32", shape=[2]]
        return y=%2
      }`,
    );
    expectUnchanged(
      constantFoldingPass,
      `
      graph g {
        %0: f32[2] = literal [data=[1,3], dtype="f32", shape=[2]]
        return y=%0
      }`,
    );
  });
});
