// A training program large enough that packing its temporaries pays on every entry:
// a 64→96→10 MLP whose hidden layer is refined by a 3-step repeat loop
// (h = tanh(h @ U + c)), softmax cross-entropy by hand, SGD with momentum.
import '../../../compiler/ops/index';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { PersistentTensor, Program } from '../../../compiler/ir/program';
import type { Value } from '../../../compiler/ir/types';
import { bpttProgram } from '../codegen/programs';
import { f32, optimizerStep, paramArgs } from '../../helpers/program-parts';

export const WIDE = { batch: 32, nIn: 64, hidden: 96, nOut: 10 };

const WIDE_PARAMS: readonly PersistentTensor[] = [
  { name: 'W1', kind: 'param', type: f32(WIDE.nIn, WIDE.hidden), init: { name: 'glorot_uniform', args: {} } },
  { name: 'b1', kind: 'param', type: f32(WIDE.hidden), init: { name: 'constant', args: { value: 0.01 } } },
  {
    name: 'U',
    kind: 'param',
    type: f32(WIDE.hidden, WIDE.hidden),
    init: { name: 'normal', args: { mean: 0, std: 0.05 } },
  },
  { name: 'c', kind: 'param', type: f32(WIDE.hidden), init: { name: 'zeros', args: {} } },
  { name: 'W2', kind: 'param', type: f32(WIDE.hidden, WIDE.nOut), init: { name: 'glorot_uniform', args: {} } },
  { name: 'b2', kind: 'param', type: f32(WIDE.nOut), init: { name: 'zeros', args: {} } },
];

function forward(b: GraphBuilder, x: Value, p: Record<string, Value>): Value {
  const h0 = b.op('relu', [b.op('add', [b.op('matmul', [x, p.W1]), p.b1])]);
  const body = b.region('refine');
  const h = body.arg('region', 'h', f32(WIDE.batch, WIDE.hidden));
  const U = body.arg('region', 'U', f32(WIDE.hidden, WIDE.hidden));
  const c = body.arg('region', 'c', f32(WIDE.hidden));
  const next = body.op('tanh', [body.op('add', [body.op('matmul', [h, U]), c])]);
  const refine = body.finish([{ name: 'h', value: next }]);
  const [hK] = b.emit('repeat', [h0, p.U, p.c], { count: 3, carries: 1 }, { regions: [refine] }).outputs;
  return b.op('add', [b.op('matmul', [hK, p.W2]), p.b2]);
}

export function wideProgram(): Program {
  const { batch, nIn, nOut } = WIDE;
  const pb = new GraphBuilder('predict');
  const prob = pb.op('softmax', [forward(pb, pb.arg('input', 'x', f32(batch, nIn)), paramArgs(pb, WIDE_PARAMS))], {
    axis: 1,
  });
  const predict = pb.finish({ prob });

  const tb = new GraphBuilder('step');
  const x = tb.arg('input', 'x', f32(batch, nIn));
  const y = tb.arg('input', 'y', f32(batch, nOut));
  const p = paramArgs(tb, WIDE_PARAMS);
  const logp = tb.op('log', [tb.op('softmax', [forward(tb, x, p)], { axis: 1 })]);
  const loss = tb.op('neg', [
    tb.op('mean', [tb.op('sum', [tb.op('mul', [y, logp])], { axes: [1], keepdims: false })], {
      axes: [0],
      keepdims: false,
    }),
  ]);
  const update = optimizerStep(tb, p, loss, { name: 'sgd', options: { lr: 0.1, momentum: 0.9 } });
  return {
    model: 'wide',
    hyper: {},
    persistent: [...WIDE_PARAMS, ...update.slots],
    scalars: update.scalars,
    entries: [
      { name: 'predict', kind: 'infer', graph: predict },
      { name: 'step', kind: 'train', graph: tb.finish({ loss }) },
    ],
  };
}

/**
 * BPTT at a size where packing pays: bpttProgram's scan t over 5 carry h { h = tanh(h @ U + xs[:, t]);
 * emit h }, loss = mean(hs²) + sum(h_T), gradients for U and h0 (a stashing scan
 * forward, a reverse scan backward, stacked emits read after the loops), batch 16, width 64.
 */
export function wideScanProgram(): Program {
  return bpttProgram({ T: 5, batch: 16, n: 64 }, 'wide_bptt', 0.1);
}
