// `fused`: a group of nodes the fusion passes (compiler/passes/fuse*.ts) decided to
// run as one kernel, kept as a region op so that `dlc ir --stage optimized` shows
// the group as a nested body and the reference executor can still run it.
//   inputs  = the values the group reads from outside, in body-arg order;
//   body    = args [one per input], nodes in dependency order, results = outputs;
//   outputs = the group's values read outside it, in body-result order;
//   attrs   = name (the kernel's readable name, `fused_conv2d_add_relu_max_pool`),
//             pattern (how codegen emits it: 'elementwise' | 'conv' | 'matmul' | 'pool_grad' |
//             'update', several tensors' elementwise updates in one flat kernel),
//             split (non-empty when a device limit stopped the group growing).
// It only appears after autodiff, so it has no gradient.
import { defineRegionRule } from '../ir/regions';
import type { TensorType } from '../ir/types';
import { sameType, typeToString } from '../ir/types';
import { defineOp, ShapeError } from './registry';
import { needsBody, oneBody } from './region-body';

defineOp({
  name: 'fused',
  kind: 'control',
  doc: 'Nodes run as one kernel: `%9: f32[4,8] = fused %1, %2 [name="fused_add_relu", pattern="elementwise"]` + body',
  arity: [0, Infinity],
  attrs: {
    name: { type: 'string', doc: 'the kernel name, from the ops of the body' },
    pattern: {
      type: 'string',
      doc: "how code generation emits it: 'elementwise', 'conv', 'matmul', 'pool_grad' or 'update'",
    },
    split: { type: 'string', default: '', doc: 'set when the group stopped growing at a device limit (which one)' },
  },
  infer: () => needsBody('fused'),
  reference: () => {
    throw new ShapeError('fused needs its body graph');
  },
});

defineRegionRule('fused', {
  infer(inputs: readonly TensorType[], _attrs, regions): TensorType[] {
    const g = oneBody('fused', regions);
    if (g.args.length !== inputs.length)
      throw new ShapeError(`fused: the body takes ${g.args.length} args for ${inputs.length} inputs`);
    g.args.forEach((a, i) => {
      if (!sameType(a.value.type, inputs[i]))
        throw new ShapeError(
          `fused: body arg ${i} is ${typeToString(a.value.type)}, input is ${typeToString(inputs[i])}`,
        );
    });
    return g.results.map((r) => r.value.type);
  },
  reference(inputs, _attrs, regions, run) {
    return run(oneBody('fused', regions), inputs);
  },
});
