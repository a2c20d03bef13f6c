import { describe, it } from 'vitest';
import { deadCodeEliminationPass } from '../../../compiler/passes/dead-code';
import { expectPass, expectUnchanged } from './expect-pass';

describe('deadCodeEliminationPass', () => {
  it('drops nodes whose outputs nobody reads, transitively', () => {
    expectPass(
      deadCodeEliminationPass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = exp %x
        %2: f32[4] = neg %1
        %3: f32[4] = relu %x
        return y=%3
      }`,
      `
      graph g {
        input %x: f32[4]
        %3: f32[4] = relu %x
        return y=%3
      }`,
    );
  });

  it('keeps assigns and what they read; drops unread random draws', () => {
    expectPass(
      deadCodeEliminationPass,
      `
      graph g {
        param %w: f32[4]
        %1: f32[4] = uniform [high=1, low=0, shape=[4], stream=3]
        %2: f32[4] = neg %w
        assign %2 [target="w"]
        return
      }`,
      `
      graph g {
        param %w: f32[4]
        %2: f32[4] = neg %w
        assign %2 [target="w"]
        return
      }`,
    );
  });

  it('cleans region bodies and drops loops whose outputs are unread', () => {
    expectPass(
      deadCodeEliminationPass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %2: f32[4] = exp %h
            %3: f32[4] = tanh %h
            return h=%3
          }
        %4: f32[4] = repeat %x [carries=1, count=2]
          graph body {
            region %h: f32[4]
            %5: f32[4] = neg %h
            return h=%5
          }
        return y=%1
      }`,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %3: f32[4] = tanh %h
            return h=%3
          }
        return y=%1
      }`,
    );
  });

  it('exits early when everything is live', () => {
    expectUnchanged(
      deadCodeEliminationPass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = exp %x
        return y=%1
      }`,
    );
  });
});

describe('deadCodeEliminationPass on clean loops', () => {
  it('hands back the same graph when neither the scope nor any body has dead nodes', () => {
    expectUnchanged(
      deadCodeEliminationPass,
      `
      graph g {
        input %x: f32[4]
        %1: f32[4] = repeat %x [carries=1, count=3]
          graph body {
            region %h: f32[4]
            %2: f32[4] = tanh %h
            return h=%2
          }
        return y=%1
      }`,
    );
  });
});
