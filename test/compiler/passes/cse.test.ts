import { describe, it } from 'vitest';
import { commonSubexpressionPass } from '../../../compiler/passes/cse';
import { expectPass, expectUnchanged } from './expect-pass';

describe('commonSubexpressionPass', () => {
  it('merges nodes with the same op, attributes and inputs, and what then coincides', () => {
    expectPass(
      commonSubexpressionPass,
      `
      graph g {
        input %x: f32[4,3]
        %1: f32[4] = sum %x [axes=[1], keepdims=false]
        %2: f32[4] = sum %x [axes=[1], keepdims=false]
        %3: f32[3] = sum %x [axes=[0], keepdims=false]
        %4: f32[4] = exp %1
        %5: f32[4] = exp %2
        %6: f32[4] = add %4, %5
        return y=%6, z=%3
      }`,
      `
      graph g {
        input %x: f32[4,3]
        %1: f32[4] = sum %x [axes=[1], keepdims=false]
        %3: f32[3] = sum %x [axes=[0], keepdims=false]
        %4: f32[4] = exp %1
        %6: f32[4] = add %4, %4
        return y=%6, z=%3
      }`,
    );
  });

  it('merges random draws of the same stream only', () => {
    expectPass(
      commonSubexpressionPass,
      `
      graph g {
        %0: f32[4] = uniform [high=1, low=0, shape=[4], stream=1]
        %1: f32[4] = uniform [high=1, low=0, shape=[4], stream=1]
        %2: f32[4] = uniform [high=1, low=0, shape=[4], stream=2]
        %3: f32[4] = add %0, %1
        %4: f32[4] = add %3, %2
        return y=%4
      }`,
      `
      graph g {
        %0: f32[4] = uniform [high=1, low=0, shape=[4], stream=1]
        %2: f32[4] = uniform [high=1, low=0, shape=[4], stream=2]
        %3: f32[4] = add %0, %0
        %4: f32[4] = add %3, %2
        return y=%4
      }`,
    );
  });

  it('never merges effects, and tells +0 from -0 constants', () => {
    expectUnchanged(
      commonSubexpressionPass,
      `
      graph g {
        param %w: f32[4]
        %1: f32[4] = constant [dtype="f32", shape=[4], value=0]
        %2: f32[4] = constant [dtype="f32", shape=[4], value=-0]
        %3: f32[4] = mul %w, %1
        %4: f32[4] = mul %w, %2
        %5: f32[4] = add %3, %4
        assign %5 [target="w"]
        assign %5 [target="w"]
        return
      }`,
    );
  });

  it('works inside region bodies, each body a scope of its own', () => {
    expectPass(
      commonSubexpressionPass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = exp %x
        %2: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %3: f32[4] = exp %h
            %4: f32[4] = exp %h
            %5: f32[4] = mul %3, %4
            return h=%5
          }
        %6: f32[4] = exp %x
        %7: f32[4] = add %1, %6
        %8: f32[4] = add %7, %2
        return y=%8
      }`,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = exp %x
        %2: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %3: f32[4] = exp %h
            %5: f32[4] = mul %3, %3
            return h=%5
          }
        %7: f32[4] = add %1, %1
        %8: f32[4] = add %7, %2
        return y=%8
      }`,
    );
  });
});
