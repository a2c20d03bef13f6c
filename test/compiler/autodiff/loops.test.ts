import { describe, expect, it } from 'vitest';
import '../../../compiler/ops/index';
import '../../../compiler/ops/control';
import '../../../compiler/ops/constant';
import '../../../compiler/ops/reduction';
import '../../../compiler/ops/shape';
import type { GraphBuilder } from '../../../compiler/ir/builder';
import type { TensorType, Value } from '../../../compiler/ir/types';
import { numel } from '../../../compiler/ir/types';
import type { Tensor } from '../../../compiler/ops/registry';
import { gradcheck, rng } from '../../helpers/gradcheck';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const I32: TensorType = { dtype: 'i32', shape: [] };

function randomTensor(type: TensorType, seed: number): Tensor {
  const r = rng(seed);
  return { type, data: Float64Array.from({ length: numel(type.shape) }, () => 2 * r() - 1) };
}

/** h' = tanh(h * W + x) */
function cell(b: GraphBuilder, h: Value, W: Value, x: Value): Value {
  return b.op('tanh', [b.op('add', [b.op('mul', [h, W]), x])]);
}

function repeatRnn(count: number) {
  return (b: GraphBuilder, [h0, W, x]: Value[]): Value[] => {
    const rb = b.region('body');
    const h = rb.arg('region', 'h', h0.type);
    const w = rb.arg('region', 'W', W.type);
    const xx = rb.arg('region', 'x', x.type);
    const body = rb.finish([{ name: 'h', value: cell(rb, h, w, xx) }]);
    return b.emit('repeat', [h0, W, x], { count, carries: 1 }, { regions: [body] }).outputs as Value[];
  };
}

function scanRnn(T: number, reverse: boolean) {
  return (b: GraphBuilder, [h0, W, xs]: Value[]): Value[] => {
    const rb = b.region('body');
    const t = rb.arg('region', 't', I32);
    const h = rb.arg('region', 'h', h0.type);
    const w = rb.arg('region', 'W', W.type);
    const x = rb.arg('region', 'xs', xs.type);
    const next = cell(rb, h, w, rb.op('stack_get', [x, t], { axis: 1 }));
    const body = rb.finish([
      { name: 'h', value: next },
      { name: 'y', value: rb.op('mul', [next, h]) },
      { name: 'hh', value: next },
    ]);
    return b.emit('scan', [h0, W, xs], { length: T, carries: 1, reverse }, { regions: [body] }).outputs as Value[];
  };
}

describe.each([
  ['forward loops store the steps', true],
  ['the backward re-runs the loop', false],
])('loop gradients (BPTT) against finite differences: %s', (_label, stash) => {
  it('repeat: gradients of the initial carry and the captures', () => {
    const inputs = [randomTensor(f32(2, 3), 1), randomTensor(f32(2, 3), 2), randomTensor(f32(2, 3), 3)];
    const report = gradcheck(repeatRnn(3), inputs, { stash });
    expect(report.elements).toBe(18);
  });

  it('scan: gradients through carries, emits and a stacked input', () => {
    const inputs = [randomTensor(f32(2, 3), 4), randomTensor(f32(2, 3), 5), randomTensor(f32(2, 4, 3), 6)];
    expect(gradcheck(scanRnn(4, false), inputs, { stash }).elements).toBe(36);
  });

  it('scan with reverse=true', () => {
    const inputs = [randomTensor(f32(2, 3), 7), randomTensor(f32(2, 3), 8), randomTensor(f32(2, 4, 3), 9)];
    expect(gradcheck(scanRnn(4, true), inputs, { stash }).elements).toBe(36);
  });

  it('nested: a repeat inside a scan body', () => {
    const build = (b: GraphBuilder, [h0, W]: Value[]): Value[] => {
      const sb = b.region('outer');
      sb.arg('region', 't', I32);
      const h = sb.arg('region', 'h', h0.type);
      const w = sb.arg('region', 'W', W.type);
      const ib = sb.region('inner');
      const ih = ib.arg('region', 'h', h0.type);
      const iw = ib.arg('region', 'W', W.type);
      const inner = ib.finish([{ name: 'h', value: ib.op('tanh', [ib.op('mul', [ih, iw])]) }]);
      const [hi] = sb.emit('repeat', [h, w], { count: 2, carries: 1 }, { regions: [inner] }).outputs;
      const body = sb.finish([{ name: 'h', value: sb.op('add', [hi, w]) }]);
      return b.emit('scan', [h0, W], { length: 3, carries: 1 }, { regions: [body] }).outputs as Value[];
    };
    const inputs = [randomTensor(f32(3), 10), randomTensor(f32(3), 11)];
    expect(gradcheck(build, inputs, { stash }).elements).toBe(6);
  });
});

describe('stashing', () => {
  it('turns the forward loop into a scan that emits its step carries, and reads them back in the backward scan', () => {
    const inputs = [randomTensor(f32(2, 3), 1), randomTensor(f32(2, 3), 2), randomTensor(f32(2, 3), 3)];
    const { graph } = gradcheck(repeatRnn(3), inputs);
    const loops = graph.nodes.filter((n) => n.regions);
    expect(loops.map((n) => [n.op, n.attrs.stash, n.attrs.reverse])).toEqual([
      ['scan', 1, false],
      ['scan', 0, true],
    ]);
    const [fwd, bwd] = loops;
    // The stash (stacked carries, [2, 3 steps, 3]) feeds the backward scan.
    expect(fwd.outputs[1].type.shape).toEqual([2, 3, 3]);
    expect(bwd.inputs).toContain(fwd.outputs[1]);
    const { graph: recomputed } = gradcheck(repeatRnn(3), inputs, { stash: false });
    expect(recomputed.nodes.filter((n) => n.regions).map((n) => n.op)).toEqual(['repeat', 'scan', 'scan']);
  });
});

describe('gradients of the per-step stack ops', () => {
  const step = (t: number): Tensor => ({ type: I32, data: Float64Array.from([t]) });

  it('stack_get and stack_put are each other’s adjoints', () => {
    const get = gradcheck(
      (b, [x, t]) => [b.op('stack_get', [x, t], { axis: 1 })],
      [randomTensor(f32(2, 4, 3), 12), step(2)],
    );
    expect(get.elements).toBe(24);
    const put = gradcheck(
      (b, [x, t]) => [b.op('stack_put', [x, t], { axis: 0, size: 3 })],
      [randomTensor(f32(2, 3), 13), step(1)],
    );
    expect(put.elements).toBe(6);
  });
});

describe('loops with integer values', () => {
  it('carries and captures of integer dtype get no gradient, float ones are checked', () => {
    const build = (b: GraphBuilder, [h0, n0, k, w]: Value[]): Value[] => {
      const rb = b.region('body');
      rb.arg('region', 't', I32);
      const h = rb.arg('region', 'h', h0.type);
      const n = rb.arg('region', 'n', n0.type);
      const kk = rb.arg('region', 'k', k.type);
      const ww = rb.arg('region', 'w', w.type);
      const scale = rb.op('cast', [rb.op('add', [n, kk])], { to: 'f32' });
      const next = rb.op('tanh', [rb.op('mul', [rb.op('mul', [h, ww]), scale])]);
      const body = rb.finish([
        { name: 'h', value: next },
        { name: 'n', value: rb.op('add', [n, kk]) },
        { name: 'y', value: next },
      ]);
      return b.emit('scan', [h0, n0, k, w], { length: 3, carries: 2 }, { regions: [body] }).outputs as Value[];
    };
    const ints = (type: TensorType, values: number[]): Tensor => ({ type, data: Float64Array.from(values) });
    const inputs = [
      randomTensor(f32(2), 20),
      ints({ dtype: 'i32', shape: [2] }, [1, -1]),
      ints({ dtype: 'i32', shape: [2] }, [1, 1]),
      randomTensor(f32(2), 21),
    ];
    expect(gradcheck(build, inputs).elements).toBe(4);
    expect(gradcheck(build, inputs, { stash: false }).elements).toBe(4);
  });
});
