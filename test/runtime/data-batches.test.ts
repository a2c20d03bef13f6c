import { describe, expect, it } from 'vitest';
import { evalBatches, formatCursor, parseCursor, TrainBatches } from '../../runtime/data/batches';
import { makeDataset, type Split } from '../../runtime/data/dataset';
import { parseBindingSpec, resolveBinding } from '../../runtime/data/bind';
import { hostTensor } from '../../runtime/data/tensor';

function numbered(n: number): Split {
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) ((x[2 * i] = i), (x[2 * i + 1] = -i));
  return {
    x: hostTensor('f32', [n, 2], x),
    y: hostTensor(
      'i32',
      [n],
      Int32Array.from({ length: n }, (_, i) => i),
    ),
  };
}

const ids = (s: Split) => Array.from(s.y!.data);

describe('training batches', () => {
  it('sequential order: stored order every epoch', () => {
    const it = new TrainBatches(numbered(7), 3, 42, 'sequential');
    expect([it.next(), it.next(), it.next()].map((b) => ids(b.fields))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [0, 1, 2],
    ]);
  });

  it('striped order: each batch row reads its own contiguous stream; resume keeps it', () => {
    // 11 examples, batch 3: 3 streams of 3 (example 9 and 10 are dropped), row r reads 3r, 3r+1, 3r+2.
    const it = new TrainBatches(numbered(11), 3, 42, 'striped');
    expect([it.next(), it.next(), it.next()].map((b) => ids(b.fields))).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5, 8],
    ]);
    expect(new Set(it.orderOf(0)).size).toBe(11);
    const again = new TrainBatches(numbered(11), 3, 42, 'striped');
    again.restore(parseCursor('0:3'));
    expect(ids(again.next().fields)).toEqual([1, 4, 7]);
  });

  it('visits each example at most once per epoch, drops the partial batch, and reshuffles per epoch', () => {
    const it = new TrainBatches(numbered(10), 3, 42);
    expect(it.batchesPerEpoch).toBe(3);
    const e0 = [it.next(), it.next(), it.next()];
    expect(e0.map((b) => b.epoch)).toEqual([0, 0, 0]);
    const seen = e0.flatMap((b) => ids(b.fields));
    expect(new Set(seen).size).toBe(9);
    expect(e0[0]!.fields.x!.data[0]).toBe(e0[0]!.fields.y!.data[0]); // rows stay aligned across fields
    const e1 = it.next();
    expect(e1.epoch).toBe(1);
    expect(e1.index).toBe(0);
    expect(ids(e1.fields)).toEqual(Array.from(it.orderOf(1).subarray(0, 3)));
    expect(Array.from(it.orderOf(1))).not.toEqual(Array.from(it.orderOf(0)));
  });

  it('resumes from a saved cursor with exactly the same batches', () => {
    const a = new TrainBatches(numbered(50), 8, 3);
    const straight: number[][] = [];
    for (let k = 0; k < 20; k++) straight.push(ids(a.next().fields));
    const b = new TrainBatches(numbered(50), 8, 3);
    for (let k = 0; k < 9; k++) b.next();
    const saved = formatCursor(b.cursor);
    const c = new TrainBatches(numbered(50), 8, 3);
    c.restore(parseCursor(saved));
    const resumed: number[][] = [];
    for (let k = 9; k < 20; k++) resumed.push(ids(c.next().fields));
    expect(resumed).toEqual(straight.slice(9));
  });

  it('refuses bad cursors and batch sizes', () => {
    const it = new TrainBatches(numbered(10), 3, 0);
    expect(() => it.restore({ epoch: 0, position: 4 })).toThrow(
      'data cursor: position 4 is not a batch boundary of batch size 3 within 10 examples',
    );
    expect(() => parseCursor('1-2')).toThrow("data cursor '1-2' is not of the form epoch:position");
    expect(() => new TrainBatches(numbered(10), 11, 0)).toThrow(
      'batch size 11 is larger than the 10 training examples',
    );
  });
});

describe('evaluation batches', () => {
  it('covers 2,000 examples at batch 128 in order: 15 full batches and one padded with 80 real rows', () => {
    const batches = [...evalBatches(numbered(2000), 128)];
    expect(batches.length).toBe(16);
    expect(batches.slice(0, 15).every((b) => b.valid === 128)).toBe(true);
    const last = batches[15]!;
    expect(last.valid).toBe(80);
    expect(last.start).toBe(1920);
    expect(last.fields.x!.shape).toEqual([128, 2]);
    expect(last.fields.y!.data[79]).toBe(1999);
    expect(Array.from(last.fields.y!.data.subarray(80))).toEqual(new Array(48).fill(0));
    expect(batches.flatMap((b) => ids(b.fields).slice(0, b.valid))).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});

describe('binding dataset fields to model inputs', () => {
  const ds = makeDataset('mnist', numbered(4), numbered(2));
  const image = { name: 'image', dtype: 'f32', shape: [128, 1, 2] };
  const label = { name: 'label', dtype: 'i32', shape: [128] };

  it('binds by name, and by an explicit mapping with reshape noted', () => {
    expect(resolveBinding('mnist', ds.train, [{ name: 'x', dtype: 'f32', shape: [8, 2] }])).toEqual([
      { input: 'x', field: 'x', reshape: false },
    ]);
    expect(resolveBinding('mnist', ds.train, [image, label], parseBindingSpec('x=image, y=label'))).toEqual([
      { input: 'image', field: 'x', reshape: true },
      { input: 'label', field: 'y', reshape: false },
    ]);
  });

  it('says what is wrong', () => {
    expect(() => resolveBinding('mnist', ds.train, [image], { z: 'image' })).toThrow(
      "no field named 'z' in dataset 'mnist' (fields: x, y)",
    );
    expect(() => resolveBinding('mnist', ds.train, [image], { x: 'img' })).toThrow(
      "the model has no input named 'img' (inputs: image)",
    );
    expect(() => resolveBinding('mnist', ds.train, [image])).toThrow(
      "model input 'image' has no data: dataset 'mnist' has no field of that name (fields: x, y); map one to it (field=image)",
    );
    expect(() => resolveBinding('mnist', ds.train, [label], { x: 'label' })).toThrow(
      "dtype mismatch: field 'x' (f32[2] per example) for model input 'label' (i32[] per example)",
    );
    expect(() => resolveBinding('mnist', ds.train, [{ name: 'x', dtype: 'f32', shape: [8, 3] }])).toThrow(
      'shape mismatch',
    );
    expect(() => parseBindingSpec('x:image')).toThrow("binding 'x:image' is not of the form field=input");
  });

  it('refuses datasets whose fields disagree', () => {
    const bad = { x: numbered(3).x!, y: numbered(4).y! };
    expect(() => makeDataset('d', bad, numbered(2))).toThrow(
      "dataset 'd' train split: field 'y' has 4 examples but 'x' has 3",
    );
  });
});
