// The fusion passes: IR text in, IR text out for each pattern, the binding-limit
// split, the examples' graphs verified after every pass, and the lenet train step
// the issue names (conv+bias+relu+pool as one kernel, fewer kernels, peak ≤ 2/3 naive).
import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import { compileProgram, runStage } from '../../../compiler/driver';
import { parseGraph } from '../../../compiler/ir/parse';
import { printGraph } from '../../../compiler/ir/print';
import type { Program } from '../../../compiler/ir/program';
import { verifyGraph } from '../../../compiler/ir/verify';
import { lowerFile } from '../../../compiler/lower/index';
import { fuseConvPass } from '../../../compiler/passes/fuse-conv';
import { fuseElementwisePass } from '../../../compiler/passes/fuse-elementwise';
import { fuseMatmulPass } from '../../../compiler/passes/fuse-matmul';
import { reluMaskPass } from '../../../compiler/passes/fuse-relu-mask';
import { fusePoolGradPass } from '../../../compiler/passes/fuse-pool-grad';
import { splitConstantsPass } from '../../../compiler/passes/fuse-split-constants';
import { dispatchSteps } from '../../../compiler/codegen/stats';
import { emitFusedMatmul } from '../../../compiler/codegen/fused-matmul-node';
import { DEFAULT_LIMITS } from '../../../compiler/codegen/generate-plan';
import { CTX, expectPass, expectUnchanged, ir, runPass } from './expect-pass';

function lower(name: string, defines: Record<string, number> = {}): Program {
  const lowered = lowerFile(`examples/${name}.dl`, { defines });
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  return lowered.program;
}

describe('fuse-elementwise', () => {
  it('fuses a chain into one region node named after its ops, keeping outer value ids', () =>
    expectPass(
      fuseElementwisePass,
      `
      graph f {
        input %x: f32[4,3]
        input %b: f32[3]
        %2: f32[4,3] = add %x, %b
        %3: f32[4,3] = relu %2
        %4: f32[4] = sum %3 [axes=[1], keepdims=false]
        %5: f32[4,3] = exp %3
        return a=%4, b=%5
      }
      `,
      `
      graph f {
        input %x: f32[4,3]
        input %b: f32[3]
        %3: f32[4,3], %5: f32[4,3] = fused %x, %b [name="fused_add_relu_exp", pattern="elementwise"]
          graph fused_add_relu_exp {
            region %in0: f32[4,3]
            region %in1: f32[3]
            %2: f32[4,3] = add %in0, %in1
            %3: f32[4,3] = relu %2
            %5: f32[4,3] = exp %3
            return out0=%3, out1=%5
          }
        %4: f32[4] = sum %3 [axes=[1], keepdims=false]
        return a=%4, b=%5
      }
      `,
    ));

  it('does not fuse across a value the group would both feed and read (no cycle through the sum)', () => {
    const { after } = runPass(
      fuseElementwisePass,
      `
        graph f {
          input %0: f32[4,3]
          %1: f32[4,3] = exp %0
          %2: f32[4,1] = sum %1 [axes=[1], keepdims=true]
          %3: f32[4,3] = div %1, %2
          return y=%3
        }
        `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['exp', 'sum', 'div']);
  });

  it('takes in a constant read only by the group, whatever its shape, as a literal', () => {
    const { after } = runPass(
      fuseElementwisePass,
      `
        graph f {
          input %x: f32[4,3]
          input %y: f32[4,3]
          %1: f32[4,3] = sub %x, %y
          %2: f32[4,1] = constant [dtype="f32", shape=[4,1], value=0.25]
          %3: f32[4,3] = mul %1, %2
          return z=%3
        }
        `,
    );
    expect(after.nodes.map((n) => [n.op, n.attrs.name])).toEqual([['fused', 'fused_sub_mul']]);
    expect(after.nodes[0].inputs.map((v) => v.name)).toEqual(['x', 'y']);
  });

  it('places a group whose literal constant comes first in the scope at its first computing member', () => {
    const { after } = runPass(
      fuseElementwisePass,
      `
        graph f {
          input %x: f32[4]
          %1: f32[] = constant [dtype="f32", shape=[], value=8]
          %2: f32[4] = exp %x
          %3: f32[4] = neg %2
          %4: f32[] = sum %3 [axes=[0], keepdims=false]
          %5: f32[4] = mul %x, %4
          %6: f32[4] = div %5, %1
          return y=%6
        }
        `,
    );
    expect(after.nodes.map((n) => [n.op, n.attrs.name])).toEqual([
      ['fused', 'fused_exp_neg'],
      ['sum', undefined],
      ['fused', 'fused_mul_div'],
    ]);
  });

  it('leaves lone elementwise nodes and other shapes alone', () =>
    expectUnchanged(
      fuseElementwisePass,
      `
      graph f {
        input %0: f32[4,3]
        %1: f32[4,3] = exp %0
        %2: f32[4] = sum %1 [axes=[1], keepdims=false]
        %3: f32[4] = neg %2
        return y=%3
      }
      `,
    ));

  it('splits a group that would bind more storage buffers than the device offers, and records it', () => {
    const adds = Array.from(
      { length: 6 },
      (_, k) => `  %${k + 8}: f32[16] = add %${k === 0 ? 0 : k + 7}, %${k + 1}`,
    ).join('\n');
    const graph = parseGraph(
      `graph f {\n${Array.from({ length: 7 }, (_, k) => `  input %${k}: f32[16]`).join('\n')}\n${adds}\n  return y=%13\n}\n`,
    );
    const limited = fuseElementwisePass(graph, { ...CTX, limits: { maxStorageBuffersPerShaderStage: 4 } });
    verifyGraph(limited);
    const fused = limited.nodes.filter((n) => n.op === 'fused');
    expect(fused.length).toBeGreaterThan(1);
    for (const n of fused) expect(n.inputs.length + n.outputs.length).toBeLessThanOrEqual(4);
    expect(fused.some((n) => n.attrs.split === 'maxStorageBuffersPerShaderStage (4)')).toBe(true);
    // With the portable 8 the whole chain (7 inputs, 1 output) is one group.
    const whole = fuseElementwisePass(graph, CTX);
    expect(whole.nodes.map((n) => n.op)).toEqual(['fused']);
    expect(whole.nodes[0].attrs.split).toBeUndefined();
  });
});

describe('relu-mask', () => {
  it('reads relu’s output for its gradient mask: x > 0 ⇔ relu(x) > 0', () =>
    expectPass(
      reluMaskPass,
      `
      graph f {
        input %x: f32[4]
        %1: f32[4] = relu %x
        %2: f32[] = constant [dtype="f32", shape=[], value=0]
        %3: bool[4] = gt %x, %2
        return y=%1, m=%3
      }
      `,
      `
      graph f {
        input %x: f32[4]
        %1: f32[4] = relu %x
        %2: f32[] = constant [dtype="f32", shape=[], value=0]
        %3: bool[4] = gt %1, %2
        return y=%1, m=%3
      }
      `,
    ));
});

describe('fuse-matmul', () => {
  it('fuses matmul → bias → activation; the bias must vary along columns', () =>
    expectPass(
      fuseMatmulPass,
      `
      graph f {
        input %x: f32[4,3]
        input %w: f32[3,5]
        input %b: f32[5]
        %3: f32[4,5] = matmul %x, %w
        %4: f32[4,5] = add %3, %b
        %5: f32[4,5] = tanh %4
        return y=%5
      }
      `,
      `
      graph f {
        input %x: f32[4,3]
        input %w: f32[3,5]
        input %b: f32[5]
        %5: f32[4,5] = fused %x, %w, %b [name="fused_matmul_add_tanh", pattern="matmul"]
          graph fused_matmul_add_tanh {
            region %in0: f32[4,3]
            region %in1: f32[3,5]
            region %in2: f32[5]
            %3: f32[4,5] = matmul %in0, %in1
            %4: f32[4,5] = add %3, %in2
            %5: f32[4,5] = tanh %4
            return out0=%5
          }
        return y=%5
      }
      `,
    ));

  it('takes the backward activation mask in, with the nodes computing it', () => {
    const { before: graph, after } = runPass(
      fuseMatmulPass,
      `
      graph f {
        input %g: f32[4,5]
        input %w: f32[3,5]
        input %y: f32[4,3]
        %1: f32[] = constant [dtype="f32", shape=[], value=0]
        %2: bool[4,3] = gt %y, %1
        %3: f32[4,3] = cast %2 [to="f32"]
        %4: f32[4,3] = matmul %g, %w [transpose_b=true]
        %5: f32[4,3] = mul %4, %3
        %6: f32[3] = sum %5 [axes=[0], keepdims=false]
        return dx=%5, db=%6
      }
      `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['fused', 'sum']);
    const fused = after.nodes[0];
    expect(fused.attrs.name).toBe('fused_matmul_mul');
    expect(fused.inputs.map((v) => v.name)).toEqual(['y', 'g', 'w']);
    expect(fused.regions![0].nodes.map((n) => n.op)).toEqual(['constant', 'gt', 'cast', 'matmul', 'mul']);
    // With 3 storage buffers (g, w and the output) the mask, which reads y, stays out.
    expect(fuseMatmulPass(graph, { ...CTX, limits: { maxStorageBuffersPerShaderStage: 3 } })).toBe(graph);
  });

  it('reads a matmul operand the epilogue also reads from outside (bound twice), never computing it inside', () => {
    const { after } = runPass(
      fuseMatmulPass,
      `
        graph f {
          input %x: f32[4,4]
          input %w: f32[4,4]
          %1: f32[4,4] = relu %x
          %2: f32[4,4] = matmul %1, %w
          %3: f32[4,4] = mul %2, %1
          return y=%3
        }
        `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['relu', 'fused']);
    const kernel = emitFusedMatmul(after.nodes[1].regions![0], 'fused_matmul_mul', {
      family: 'register',
      limits: DEFAULT_LIMITS,
    });
    expect(kernel.inputs).toEqual([0, 1, 0]);
  });

  it('stores an inner value read outside as a second output (the momentum step: new velocity and new weights)', () =>
    expectPass(
      fuseMatmulPass,
      `
      graph f {
        input %x: f32[4,3]
        input %g: f32[4,5]
        input %v: f32[3,5]
        input %w: f32[3,5]
        input %mu: f32[]
        input %lr: f32[]
        %1: f32[3,5] = matmul %x, %g [transpose_a=true]
        %2: f32[3,5] = mul %mu, %v
        %3: f32[3,5] = add %2, %1
        %4: f32[3,5] = mul %lr, %3
        %5: f32[3,5] = sub %w, %4
        return v=%3, w=%5
      }
      `,
      `
      graph f {
        input %x: f32[4,3]
        input %g: f32[4,5]
        input %v: f32[3,5]
        input %w: f32[3,5]
        input %mu: f32[]
        input %lr: f32[]
        %3: f32[3,5], %5: f32[3,5] = fused %x, %g, %mu, %v, %lr, %w [name="fused_matmul_add_mul_sub", pattern="matmul"]
          graph fused_matmul_add_mul_sub {
            region %in0: f32[4,3]
            region %in1: f32[4,5]
            region %in2: f32[]
            region %in3: f32[3,5]
            region %in4: f32[]
            region %in5: f32[3,5]
            %1: f32[3,5] = matmul %in0, %in1 [transpose_a=true]
            %2: f32[3,5] = mul %in2, %in3
            %3: f32[3,5] = add %2, %1
            %4: f32[3,5] = mul %in4, %3
            %5: f32[3,5] = sub %in5, %4
            return out0=%3, out1=%5
          }
        return v=%3, w=%5
      }
      `,
    ));

  it('an in-place result: its old value is loaded before any store (vSGD stores g over gprev, reads gprev)', () => {
    const { after } = runPass(
      fuseMatmulPass,
      `
      graph f {
        input %x: f32[4,3]
        input %d: f32[4,5]
        input %p: f32[3,5]
        %1: f32[3,5] = matmul %x, %d [transpose_a=true]
        %2: f32[3,5] = sub %1, %p
        %3: f32[3,5] = abs %2
        return g=%1, h=%3
      }
      `,
    );
    const fused = after.nodes[0];
    expect(fused.op).toBe('fused');
    const over = fused.inputs.findIndex((v) => v.name === 'p');
    const product = fused.regions![0].results.findIndex((r) => r.value.def?.op === 'matmul');
    // N = 5 is no multiple of 4: the register family stores element by element too, as the shared one does.
    for (const family of ['register', 'shared'] as const) {
      const ctx = { family, limits: DEFAULT_LIMITS };
      const kernel = emitFusedMatmul(fused.regions![0], 'fused', ctx, new Map([[product, over]]));
      const wgsl = kernel.spec.wgsl;
      const c = product === 0 ? 'c' : `c${product}`;
      // One element's loads and stores per `if (...)` guard, in both families.
      const blocks = wgsl.split(/\bif \(/).filter((part) => part.includes(`${c}[cOff`));
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) {
        // Every read of the in-place buffer is the `old_` let, ahead of the element's first store.
        const reads = [...block.matchAll(new RegExp(`(?<![\\w.])${c}\\[(?!cOff)`, 'g'))].map((m) => m.index);
        const firstStore = block.search(/\bc\d*\[cOff/);
        expect(reads.length).toBeGreaterThan(0);
        for (const at of reads) {
          expect(block.slice(0, at)).toMatch(new RegExp(`let \\w*old_${c} = $`));
          expect(at).toBeLessThan(firstStore);
        }
      }
    }
  });

  it('draws bernoulli in the epilogue, with its iteration operand, binding the scalars buffer', () => {
    const { after } = runPass(
      fuseMatmulPass,
      `
      graph f {
        input %v: f32[4,8]
        input %w: f32[8,4]
        input %b: f32[4]
        input %it: i32[]
        %1: f32[4,4] = matmul %v, %w
        %2: f32[4,4] = add %1, %b
        %3: f32[4,4] = sigmoid %2
        %4: f32[4,4] = bernoulli %3, %it [stream=3]
        return h=%4
      }
      `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['fused']);
    expect(after.nodes[0].attrs.name).toBe('fused_matmul_add_sigmoid_bernoulli');
    const kernel = emitFusedMatmul(after.nodes[0].regions![0], 'fused', { family: 'register', limits: DEFAULT_LIMITS });
    expect(kernel.spec.usesScalars).toBe(true);
    expect(kernel.spec.wgsl).toContain('philox_draw((row) * 4u + (col) + 1u, 3u, bitcast<u32>(s_e1))');
  });

  it('cuts the chain back where an outside reader of an inner value comes before its end', () => {
    const { after } = runPass(
      fuseMatmulPass,
      `
      graph f {
        input %0: f32[4,3]
        input %1: f32[3,5]
        input %2: f32[4,1]
        %3: f32[4,5] = matmul %0, %1
        %4: f32[4,5] = add %3, %2
        %5: f32[4] = sum %4 [axes=[1], keepdims=false]
        %6: f32[4,5] = relu %4
        return y=%6, s=%5
      }
      `,
    );
    // sum reads %4 before relu: the fused node cannot stand at relu, so it ends at add.
    expect(after.nodes.map((n) => n.op)).toEqual(['fused', 'sum', 'relu']);
    expect(after.nodes[0].regions![0].nodes.map((n) => n.op)).toEqual(['matmul', 'add']);
  });

  it('does not take in a node whose outside operand depends on the group (a cycle)', () => {
    const { after } = runPass(
      fuseMatmulPass,
      `
      graph f {
        input %0: f32[4,3]
        input %1: f32[3,5]
        %3: f32[4,5] = matmul %0, %1
        %4: f32[4,1] = sum %3 [axes=[1], keepdims=true]
        %5: f32[4,5] = sub %3, %4
        return y=%5
      }
      `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['matmul', 'sum', 'sub']);
  });
});

describe('fuse-conv', () => {
  it('fuses conv2d → bias → relu → max_pool, writing the activation too when it is read', () => {
    const { after } = runPass(
      fuseConvPass,
      `
      graph f {
        input %0: f32[2,1,8,8]
        input %1: f32[3,1,3,3]
        input %2: f32[3]
        %3: f32[2,3,6,6] = conv2d %0, %1 [groups=1, padding=[0,0], stride=[1,1]]
        %4: f32[1,3,1,1] = reshape %2 [shape=[1,3,1,1]]
        %5: f32[2,3,6,6] = add %3, %4
        %6: f32[2,3,6,6] = relu %5
        %7: f32[2,3,3,3] = max_pool %6 [padding=[0,0], size=[2,2], stride=[2,2]]
        return p=%7, a=%6
      }
      `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['fused']);
    expect(after.nodes[0].attrs).toEqual({ name: 'fused_conv2d_add_relu_max_pool', pattern: 'conv' });
    expect(after.nodes[0].outputs.map((o) => o.id)).toEqual([6, 7]);
  });

  it('leaves the pool out when its windows leave gaps and the activation is read elsewhere', () => {
    const { after } = runPass(
      fuseConvPass,
      `
      graph f {
        input %0: f32[2,1,8,8]
        input %1: f32[3,1,3,3]
        %3: f32[2,3,6,6] = conv2d %0, %1 [groups=1, padding=[0,0], stride=[1,1]]
        %6: f32[2,3,6,6] = relu %3
        %7: f32[2,3,2,2] = max_pool %6 [padding=[0,0], size=[2,2], stride=[3,3]]
        return p=%7, a=%6
      }
      `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['fused', 'max_pool']);
    expect(after.nodes[0].attrs.name).toBe('fused_conv2d_relu');
  });
});

describe('split-constants and fuse-pool-grad', () => {
  it('gives each elementwise reader of a shared scalar constant its own copy', () => {
    const { after } = runPass(
      splitConstantsPass,
      `
        graph f {
          input %x: f32[4]
          input %y: f32[4]
          %1: f32[] = constant [dtype="f32", shape=[], value=0]
          %2: bool[4] = gt %x, %1
          %3: bool[4] = gt %y, %1
          return a=%2, b=%3
        }
        `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['constant', 'gt', 'constant', 'gt']);
    expect(new Set(after.nodes.filter((n) => n.op === 'gt').map((n) => n.inputs[1])).size).toBe(2);
  });

  it('fuses max_pool_grad · f32(y > 0) into one node standing where the mul stood', () => {
    const { after } = runPass(
      fusePoolGradPass,
      `
        graph f {
          input %y: f32[2,3,4,4]
          input %g: f32[2,3,2,2]
          %1: f32[2,3,4,4] = max_pool_grad %y, %g [padding=[0,0], size=[2,2], stride=[2,2]]
          %2: f32[] = constant [dtype="f32", shape=[], value=0]
          %3: bool[2,3,4,4] = gt %y, %2
          %4: f32[2,3,4,4] = cast %3 [to="f32"]
          %5: f32[2,3,4,4] = mul %1, %4
          %6: f32[3] = sum %5 [axes=[0,2,3], keepdims=false]
          return dx=%5, db=%6
        }
        `,
    );
    expect(after.nodes.map((n) => n.op)).toEqual(['fused', 'sum']);
    expect(after.nodes[0].attrs).toEqual({ name: 'fused_max_pool_grad_relu_mask', pattern: 'pool_grad' });
    expect(after.nodes[0].inputs.map((v) => v.name)).toEqual(['y', 'g']);
  });
});

describe('-O2 on the examples', () => {
  it('every example verifies after every pass', () => {
    for (const name of ['lenet', 'mnist_mlp', 'mnist_maxout', 'mnist_sigmoid', 'dae', 'rbm', 'grbm', 'char_rnn']) {
      const program = lower(name, { batch: 2 });
      const persistent = program.persistent.map((p) => p.name);
      compileProgram(program, { level: 2, family: 'register', onStage: (s) => verifyGraph(s.graph, { persistent }) });
    }
  }, 120_000);

  it('lenet step: conv+bias+relu+max_pool is one kernel, fewer kernels than unfused, peak ≤ 2/3 naive', () => {
    const { plan } = compileProgram(lower('lenet'), { level: 2, family: 'register' });
    const step = plan.entries.find((e) => e.name === 'step')!;
    const convKernels = dispatchSteps(step.steps)
      .map((d) => plan.kernels[d.kernel])
      .filter((k) => k.origin.nodes.some((n) => n.op === 'conv2d'));
    expect(convKernels.map((k) => k.origin.nodes.map((n) => n.op))).toEqual([
      ['conv2d', 'reshape', 'add', 'relu', 'max_pool'],
      ['conv2d', 'reshape', 'add', 'relu', 'max_pool'],
    ]);
    expect(convKernels[0].name).toMatch(/^fused_conv2d_add_relu_max_pool/);
    // Reshapes (flatten and its gradient) share their operand's buffer from -O1.
    const names = dispatchSteps(step.steps).map((d) => plan.kernels[d.kernel].name);
    expect(names.filter((k) => k.startsWith('reshape'))).toEqual([]);
    expect(step.stats.kernels).toBeLessThan(step.stats.kernelsUnfused);
    expect(step.stats.peakBytes).toBeLessThanOrEqual((2 / 3) * step.stats.naiveBytes);
  }, 60_000);

  it('dlc ir --stage optimized prints the fused groups as regions', () => {
    const out = runStage(lower('lenet', { batch: 2 }), 'optimized', { level: 2, family: 'register' });
    if (out.kind !== 'program') throw new Error('the optimized stage is a program');
    const text = printGraph(out.program.entries.find((e) => e.name === 'step')!.graph);
    expect(text).toContain('= fused %x, %c1.W, %c1.b [name="fused_conv2d_add_relu_max_pool", pattern="conv"]');
    expect(text).toContain('    graph fused_conv2d_add_relu_max_pool {');
    expect(text).toMatch(/fused_matmul_add_relu/);
  });
});
