// Slices read by one elementwise node join its fused group as loads (IR in/out), and
// the kernels read them at the slice's offsets: the scalar form (any slice) and the
// vec4 form (aligned unit-stride rows) against the reference executor on the device.
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { emitElementwiseKernel } from '../../../compiler/codegen/elementwise';
import { parseGraph } from '../../../compiler/ir/parse';
import type { Graph } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import { fuseElementwisePass } from '../../../compiler/passes/fuse-elementwise';
import { execute } from '../../../compiler/reference/execute';
import { runKernel } from '../../helpers/kernel';
import { rng } from '../../helpers/rng';
import { expectPass, expectUnchanged, ir } from './expect-pass';

describe('fuse-elementwise: slice loads', () => {
  // vsgd.dl's `elementwise` entry: the group would run at the slice's place, before
  // the max its div also reads (regression: "used before it has a buffer").
  it('a slice whose reader also reads a value computed after the slice stays a kernel of its own', () =>
    expectUnchanged(
      fuseElementwisePass,
      `
      graph f {
        input %z: f32[8]
        input %w: f32[4]
        %1: f32[4] = slice %z [ends=[4], starts=[0], strides=[1]]
        %2: f32[] = max %w [axes=[0], keepdims=false]
        %3: f32[4] = div %1, %2
        return a=%3
      }
      `,
    ));

  it('a slice read only by one node of its shape joins that node group; one read by two groups does not', () =>
    expectPass(
      fuseElementwisePass,
      `
      graph f {
        input %z: f32[2,16]
        input %c: f32[2,4]
        %1: f32[2,4] = slice %z [ends=[2,4], starts=[0,0], strides=[1,1]]
        %2: f32[2,4] = sigmoid %1
        %3: f32[2,4] = slice %z [ends=[2,8], starts=[0,4], strides=[1,1]]
        %4: f32[2,4] = sigmoid %3
        %5: f32[2,4] = mul %4, %c
        %6: f32[2,4] = slice %z [ends=[2,16], starts=[0,12], strides=[1,1]]
        %7: f32[2,4] = tanh %6
        %8: f32[1,4] = sum %6 [axes=[0], keepdims=true]
        return a=%2, b=%5, c=%7, d=%8
      }
      `,
      `
      graph f {
        input %z: f32[2,16]
        input %c: f32[2,4]
        %2: f32[2,4] = fused %z [name="fused_slice_sigmoid", pattern="elementwise"]
          graph fused_slice_sigmoid {
            region %in0: f32[2,16]
            %1: f32[2,4] = slice %in0 [ends=[2,4], starts=[0,0], strides=[1,1]]
            %2: f32[2,4] = sigmoid %1
            return out0=%2
          }
        %5: f32[2,4] = fused %z, %c [name="fused_slice_sigmoid_mul", pattern="elementwise"]
          graph fused_slice_sigmoid_mul {
            region %in0: f32[2,16]
            region %in1: f32[2,4]
            %3: f32[2,4] = slice %in0 [ends=[2,8], starts=[0,4], strides=[1,1]]
            %4: f32[2,4] = sigmoid %3
            %5: f32[2,4] = mul %4, %in1
            return out0=%5
          }
        %6: f32[2,4] = slice %z [ends=[2,16], starts=[0,12], strides=[1,1]]
        %7: f32[2,4] = tanh %6
        %8: f32[1,4] = sum %6 [axes=[0], keepdims=true]
        return a=%2, b=%5, c=%7, d=%8
      }
      `,
    ));

  it('leaves a slice that is itself a result', () =>
    expectUnchanged(
      fuseElementwisePass,
      `
      graph f {
        input %z: f32[2,8]
        %1: f32[2,4] = slice %z [ends=[2,8], starts=[0,4], strides=[1,1]]
        %2: f32[2,4] = exp %1
        return a=%1, b=%2
      }
      `,
    ));
});

/** The fused node's kernel on the device against the reference executor on the unfused graph. */
async function expectKernelMatches(text: string): Promise<string> {
  const graph = parseGraph(ir(text));
  const fused = fuseElementwisePass(graph, { entry: 'test', level: 2 });
  const fusedNodes = fused.nodes.filter((n) => n.op === 'fused');
  expect(fusedNodes.length).toBe(1);
  const node = fusedNodes[0];
  const body: Graph = node.regions![0];
  const spec = emitElementwiseKernel(
    body.nodes,
    body.args.map((a) => a.value),
    body.results.map((r) => r.value),
  );
  const random = rng(3);
  const feeds = Object.fromEntries(
    graph.args.map((a) => [
      a.name,
      { type: a.value.type, data: Float64Array.from({ length: numel(a.value.type.shape) }, () => 4 * random() - 2) },
    ]),
  );
  const want = execute(graph, feeds).results;
  const outs = await runKernel(
    spec,
    graph.args.map((a) => feeds[a.name]),
    body.results.map((r) => r.value.type),
    { guard: true },
  );
  graph.results.forEach((r, k) => {
    const w = want[r.name].data;
    Array.from(outs[k]).forEach((g, e) => expect(Math.abs(g - w[e])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w[e]))));
  });
  return spec.wgsl;
}

describe('slice-load kernels on the device', () => {
  it('vec4: aligned gate slices of a [3, 32] pre-activation', async () => {
    const wgsl = await expectKernelMatches(`
      graph f {
        input %z: f32[3,32]
        %1: f32[3,8] = slice %z [ends=[3,8], starts=[0,0], strides=[1,1]]
        %3: f32[3,8] = sigmoid %1
        %2: f32[3,8] = slice %z [ends=[3,32], starts=[0,24], strides=[1,1]]
        %4: f32[3,8] = tanh %2
        %5: f32[3,8] = mul %3, %4
        return y=%5
      }`);
    expect(wgsl).toContain('vec4<f32>');
  });

  it('scalar: strided, offset slices on two axes, the last element included', async () => {
    const wgsl = await expectKernelMatches(`
      graph f {
        input %z: f32[5,7]
        input %w: f32[2,3]
        %1: f32[2,3] = slice %z [ends=[5,7], starts=[2,2], strides=[2,2]]
        %2: f32[2,3] = mul %1, %w
        %3: f32[2,3] = exp %2
        return y=%3
      }`);
    expect(wgsl).not.toContain('vec4<f32>');
  });
});
