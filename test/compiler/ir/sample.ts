// A small graph exercising args of every kind, spans, attributes, a loop region and
// an assign: shared by the printer, parser, JSON and dot tests.
import '../../../compiler/ops/index';
import '../../../compiler/ops/constant';
import '../../../compiler/ops/control';
import '../../../compiler/ops/reduction';
import '../../../compiler/ops/shape';
import { GraphBuilder } from '../../../compiler/ir/builder';
import type { Graph, Span } from '../../../compiler/ir/types';

export const at = (line: number, col: number): Span => ({ file: 'tiny.dl', line, col, endLine: line, endCol: col + 1 });

export function sampleGraph(): Graph {
  const b = new GraphBuilder('train');
  const x = b.arg('input', 'x', { dtype: 'f32', shape: [4, 3] });
  const W = b.arg(
    'param',
    'fc.W',
    { dtype: 'f32', shape: [3, 2] },
    { name: 'glorot_uniform', args: { fan_out: 2, fan_in: 3 } },
  );
  const h0 = b.arg('state', 'h0', { dtype: 'f32', shape: [4, 2] }, { name: 'zeros', args: {} });
  const lr = b.arg('scalar', 'lr', { dtype: 'f32', shape: [] }, { name: 'constant', args: { value: 0.1 } });
  const y = b.withSpan(at(3, 7), () => b.op('matmul', [x, W]));
  const rb = b.region('body');
  const h = rb.arg('region', 'h', h0.type);
  const yy = rb.arg('region', 'y', y.type);
  const body = rb.withSpan(at(4, 30), () => rb.finish([{ name: 'h', value: rb.op('tanh', [rb.op('add', [h, yy])]) }]));
  const [hN] = b.withSpan(
    at(4, 9),
    () => b.emit('repeat', [h0, y], { count: 2, carries: 1 }, { regions: [body] }).outputs,
  );
  const scaled = b.op('mul', [hN, lr]);
  b.emit('assign', [hN], { target: 'h0' });
  return b.finish({ out: scaled });
}

export const SAMPLE_TEXT = `graph train {
  input %x: f32[4,3]
  param %fc.W: f32[3,2] = glorot_uniform(fan_in=3, fan_out=2)
  state %h0: f32[4,2] = zeros()
  scalar %lr: f32[] = constant(value=0.1)
  %4: f32[4,2] = matmul %x, %fc.W [transpose_a=false, transpose_b=false]  # tiny.dl:3:7
  %9: f32[4,2] = repeat %h0, %4 [carries=1, count=2]  # tiny.dl:4:9
    graph body {
      region %h: f32[4,2]
      region %y: f32[4,2]
      %7: f32[4,2] = add %h, %y  # tiny.dl:4:30
      %8: f32[4,2] = tanh %7  # tiny.dl:4:30
      return h=%8
    }
  %10: f32[4,2] = mul %9, %lr
  assign %9 [target="h0"]
  return out=%10
}
`;
