// The kernel-test helper itself: real WGSL kernels on the real device, checked
// against values computed here, and the guard catching a stray write.
import { describe, expect, it } from 'vitest';
import type { KernelSpec } from '../../compiler/codegen/kernel-spec';
import { runKernel } from './kernel';

const addRelu: KernelSpec = {
  name: 'test_add_relu_10',
  workgroups: [1, 1, 1],
  wgsl: /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < 10u) { out[i] = max(a[i] + b[i], 0.0); }
}`,
};

// Sum of 1000 values by one workgroup of 256 (strided partial sums, then a tree in shared memory).
const sum1000: KernelSpec = {
  name: 'test_sum_1000',
  workgroups: [1, 1, 1],
  wgsl: /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
var<workgroup> partial: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < 1000u; i += 256u) { acc += x[i]; }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = partial[0]; }
}`,
};

describe('runKernel', () => {
  it('runs an elementwise kernel', async () => {
    const a = Array.from({ length: 10 }, (_, i) => i - 5);
    const b = Array.from({ length: 10 }, (_, i) => 0.5 * i);
    const [out] = await runKernel(
      addRelu,
      [
        { type: { dtype: 'f32', shape: [10] }, data: a },
        { type: { dtype: 'f32', shape: [10] }, data: b },
      ],
      [{ dtype: 'f32', shape: [10] }],
      { guard: true },
    );
    expect(Array.from(out!)).toEqual(a.map((v, i) => Math.max(v + b[i]!, 0)));
  });

  it('runs a workgroup reduction', async () => {
    const x = Array.from({ length: 1000 }, (_, i) => ((i * 37) % 11) - 5);
    const [out] = await runKernel(
      sum1000,
      [{ type: { dtype: 'f32', shape: [1000] }, data: x }],
      [{ dtype: 'f32', shape: [] }],
      { guard: true },
    );
    expect(out![0]).toBe(x.reduce((s, v) => s + v, 0));
  });

  it('packs integer and bool buffers and passes scalars', async () => {
    const spec: KernelSpec = {
      name: 'test_select_scaled',
      workgroups: [1, 1, 1],
      usesScalars: true,
      wgsl: /* wgsl */ `
@group(0) @binding(0) var<storage, read> c: array<u32>;
@group(0) @binding(1) var<storage, read> v: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;
@group(0) @binding(3) var<storage, read> scalars: array<u32>;
@compute @workgroup_size(4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  out[i] = select(-v[i], v[i] * i32(scalars[1]), c[i] != 0u);
}`,
    };
    const [out] = await runKernel(
      spec,
      [
        { type: { dtype: 'bool', shape: [4] }, data: [1, 0, 1, 0] },
        { type: { dtype: 'i32', shape: [4] }, data: [3, -4, -7, 9] },
      ],
      [{ dtype: 'i32', shape: [4] }],
      { scalars: new Uint32Array([0, 3]) },
    );
    expect(Array.from(out!)).toEqual([9, 4, -21, -9]);
  });

  it('reports a WGSL compile error with the kernel name', async () => {
    const bad: KernelSpec = { ...addRelu, name: 'test_broken', wgsl: addRelu.wgsl.replace('max(', 'maxx(') };
    await expect(
      runKernel(
        bad,
        [
          { type: { dtype: 'f32', shape: [10] }, data: new Array(10).fill(0) },
          { type: { dtype: 'f32', shape: [10] }, data: new Array(10).fill(0) },
        ],
        [{ dtype: 'f32', shape: [10] }],
      ),
    ).rejects.toThrow(/test_broken.*maxx/s);
  });

  it('guard catches a write past the end of an output', async () => {
    const overrun: KernelSpec = { ...addRelu, name: 'test_overrun', wgsl: addRelu.wgsl.replace('i < 10u', 'i < 12u') };
    const inputs = [
      { type: { dtype: 'f32', shape: [12] } as const, data: new Array(12).fill(1) },
      { type: { dtype: 'f32', shape: [12] } as const, data: new Array(12).fill(1) },
    ];
    // Without the guard the stray writes go unnoticed ...
    const [out] = await runKernel(overrun, inputs, [{ dtype: 'f32', shape: [10] }]);
    expect(Array.from(out!)).toEqual(new Array(10).fill(2));
    // ... with it they are caught.
    await expect(runKernel(overrun, inputs, [{ dtype: 'f32', shape: [10] }], { guard: true })).rejects.toThrow(
      /test_overrun' wrote outside output 0: 0 bytes past the end/,
    );
  });

  it('guard catches an output element left unwritten', async () => {
    const short: KernelSpec = { ...addRelu, name: 'test_short', wgsl: addRelu.wgsl.replace('i < 10u', 'i < 9u') };
    const data = { type: { dtype: 'f32', shape: [10] } as const, data: new Array(10).fill(1) };
    await expect(runKernel(short, [data, data], [{ dtype: 'f32', shape: [10] }], { guard: true })).rejects.toThrow(
      /left element 9 of output 0 unwritten/,
    );
  });
});
