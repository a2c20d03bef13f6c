// `fused` nodes (compiler/ops/fused.ts) as one kernel each, by the pattern the
// fusion pass recorded:
//   elementwise — the body's chain in one flat kernel (elementwise.ts);
//   conv        — conv2d → bias → activation → pooling (fused-conv-node.ts);
//   matmul      — matmul → elementwise epilogue through the matmul epilogue hook;
//   pool_grad   — max_pool_grad masked by relu's derivative (fused-pool-grad-node.ts);
//   update      — several tensors' elementwise updates in one flat kernel (update-kernel.ts).
// The kernel's bindings follow the registry convention (inputs, then outputs); each
// emitter says which of the fused node's inputs and outputs go where.
import type { Node } from '../ir/types';
import type { Step } from '../../runtime/plan';
import { emitElementwiseKernel } from './elementwise';
import type { InPlaceOutputs } from './elementwise';
import { emitFusedConv } from './fused-conv-node';
import { emitFusedMatmul } from './fused-matmul-node';
import { emitFusedPoolGrad } from './fused-pool-grad-node';
import { updateArena } from './update-arena';
import { emitUpdateKernel } from './update-kernel';
import type { FusedKernel } from './fused-kernel';
import type { EntryBuilder } from './generate-plan';

export type FusedPattern = 'elementwise' | 'conv' | 'matmul' | 'pool_grad' | 'update';

function patternOf(node: Node): FusedPattern {
  const p = node.attrs.pattern;
  if (p === 'elementwise' || p === 'conv' || p === 'matmul' || p === 'pool_grad' || p === 'update') return p;
  throw new Error(`fused %${node.id} has an unknown pattern '${String(p)}'`);
}

/**
 * The kernel of a fused node and which of the node's inputs and outputs it binds,
 * in order. `inPlace` maps an output index to the input index it overwrites (the
 * planner's in-place assigns, see EntryBuilder.planInPlace): that input gets no
 * binding of its own.
 */
export function fusedKernel(node: Node, eb: EntryBuilder, inPlace: InPlaceOutputs = new Map()): FusedKernel {
  const body = node.regions![0];
  const name = String(node.attrs.name);
  const pattern = patternOf(node);
  switch (pattern) {
    case 'elementwise': {
      const outputs = body.results.map((r) => r.value);
      const spec = emitElementwiseKernel(
        body.nodes,
        body.args.map((a) => a.value),
        outputs,
        undefined,
        inPlace,
      );
      const shape = outputs[0].type.shape;
      const over = new Set(inPlace.values());
      return {
        spec: { ...spec, name: `${name}_${shape.join('x') || 'scalar'}` },
        inputs: body.args.map((_, k) => k).filter((k) => !over.has(k)),
        outputs: outputs.map((_, k) => k),
      };
    }
    case 'conv':
      if (inPlace.size > 0) throw new Error(`fused conv %${node.id} cannot write in place`);
      return emitFusedConv(body, name, eb.plan.ctx);
    case 'matmul':
      return emitFusedMatmul(body, name, eb.plan.ctx, inPlace);
    case 'pool_grad':
      if (inPlace.size > 0) throw new Error(`fused pool_grad %${node.id} cannot write in place`);
      return emitFusedPoolGrad(body, name);
    case 'update':
      return emitUpdateKernel(body, name, inPlace, scalarWords(node, eb), updateArena(eb, node, inPlace));
    default: {
      const never: never = pattern;
      throw new Error(`unknown fused pattern ${String(never)}`);
    }
  }
}

/** Input index → packed-scalars word, for the inputs of `node` that are runtime scalars. */
function scalarWords(node: Node, eb: EntryBuilder): Map<number, number> {
  const words = new Map<number, number>();
  node.inputs.forEach((v, k) => {
    const buffer = eb.bufferOf(v);
    const s = eb.plan.scalars.find((x) => x.buffer === buffer);
    if (s && v.type.dtype === 'f32') words.set(k, s.word);
  });
  return words;
}

export function emitFused(eb: EntryBuilder, node: Node, steps: Step[]): void {
  const kernel = fusedKernel(node, eb, eb.rewrites.get(node));
  const inputs = kernel.inputs.map((k) => eb.bufferOf(node.inputs[k]));
  const outputs = kernel.outputs.map((k) => eb.outputBuffer(node.outputs[k]));
  // Outputs written in a view: each lands in its member (the persistent buffer it is assigned to).
  const inView = kernel.view?.outputs.map((k) => eb.outputBuffer(node.outputs[k])) ?? [];
  if (kernel.view && inView.some((b) => eb.plan.viewOf.get(b) !== kernel.view!.buffer))
    throw new Error(`fused %${node.id}: an output written in its view is not one of the view's members`);
  if (kernel.view) outputs.unshift(kernel.view.buffer);
  if (outputs.length - (kernel.view ? 1 : 0) + inView.length !== node.outputs.length)
    throw new Error(
      `fused %${node.id} (${String(node.attrs.name)}): its kernel writes ${outputs.length} of ${node.outputs.length} outputs`,
    );
  eb.dispatch(kernel.spec, node, inputs, outputs, steps, node.regions![0].nodes);
}
