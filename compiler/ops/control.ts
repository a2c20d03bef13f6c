// Control and effect ops: the loops `repeat` and `scan` (region ops holding a body
// graph), `assign` (writes a persistent tensor), `stop_gradient`, and
// `stack_get`/`stack_put`, the per-step access to stacked loop values that the
// backward loops of BPTT are built from.
//
// Loop bodies are closed: everything a body reads comes in through its args.
//   repeat [count=K, carries=k]: inputs [carries..., captures...]; body args
//     [carries..., captures...] → results [next carries...]; outputs: final carries.
//   scan [length=T, carries=k, reverse=false]: inputs [carries..., captures...];
//     body args [t: i32[], carries..., captures...] → results [next carries...,
//     emits...]; outputs: final carries, then each emit stacked over the T steps.
//     An emit of rank ≥ 1 is stacked along axis 1 (batch-first: [batch, T, ...]);
//     a scalar emit along axis 0 ([T]). With reverse=true, t runs T-1 down to 0;
//     the emit of step t is stored at index t either way.
import { loopGrad } from '../autodiff/loops';
import { emitStackGetKernel, emitStackPutKernel } from '../codegen/stack';
import { defineRegionRule, type RunBody } from '../ir/regions';
import { stackAxis, stackedType } from '../ir/stack';

// Re-exported: scan's stacking rule is part of its definition.
export { stackAxis, stackedType };
import type { Attrs, Graph, TensorType } from '../ir/types';
import { numel, sameType, typeToString } from '../ir/types';
import { makeTensor } from './broadcast';
import type { Tensor } from './registry';
import { defineOp, ShapeError } from './registry';
import { needsBody, oneBody } from './region-body';

const I32_SCALAR: TensorType = { dtype: 'i32', shape: [] };

// Element (o, i) of a slice sits at (o, index, i) of the stack: o runs over the
// axes before `axis`, i over the axes after it.
function sliceGeometry(stackShape: readonly number[], axis: number): { outer: number; size: number; inner: number } {
  return {
    outer: numel(stackShape.slice(0, axis)),
    size: stackShape[axis],
    inner: numel(stackShape.slice(axis + 1)),
  };
}

function readSlice(stack: Tensor, axis: number, index: number, into: Float64Array): void {
  const { outer, size, inner } = sliceGeometry(stack.type.shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) into[o * inner + i] = stack.data[(o * size + index) * inner + i];
  }
}

function writeSlice(
  stack: Float64Array,
  stackShape: readonly number[],
  axis: number,
  index: number,
  slice: Float64Array,
): void {
  const { outer, size, inner } = sliceGeometry(stackShape, axis);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) stack[(o * size + index) * inner + i] = slice[o * inner + i];
  }
}

function stepIndex(t: Tensor, size: number, op: string): number {
  const index = t.data[0];
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new Error(`${op}: step index ${index} is outside [0, ${size})`);
  }
  return index;
}

// --- stop_gradient ----------------------------------------------------

defineOp({
  name: 'stop_gradient',
  kind: 'elementwise',
  doc: 'Identity whose gradient is zero: `%1: f32[4] = stop_gradient %0`',
  arity: 1,
  infer: (inputs) => [inputs[0]],
  grad: () => [null],
  reference: (inputs) => [inputs[0]],
  wgsl: (args) => args[0],
});

// --- assign ----------------------------------------------------------------------

defineOp({
  name: 'assign',
  kind: 'effect',
  doc: 'Writes a persistent tensor (param, state or slot) at the end of the pass: `assign %7 [target="fc1.W"]`',
  arity: 1,
  attrs: { target: { type: 'string', doc: 'name of the persistent tensor written' } },
  infer: () => [],
  // The write itself is done by whoever runs the graph (the executor collects it).
  reference: () => [],
});

// --- stack_get / stack_put ---------------------------------------------------------

defineOp({
  name: 'stack_get',
  kind: 'movement',
  doc: 'Step t of a stacked loop value, the axis removed: `%2: f32[4,8] = stack_get %0, %1 [axis=1]`',
  arity: 2,
  attrs: { axis: { type: 'int' } },
  infer([stack, t], attrs) {
    const axis = attrs.axis as number;
    if (!sameType(t, I32_SCALAR))
      throw new ShapeError(`stack_get: the step index must be i32[], got ${typeToString(t)}`, 1);
    if (axis < 0 || axis >= stack.shape.length)
      throw new ShapeError(`stack_get: axis ${axis} is out of range for ${typeToString(stack)}`, 0);
    return [{ dtype: stack.dtype, shape: stack.shape.filter((_, i) => i !== axis) }];
  },
  // Linear in the stack: the adjoint puts the gradient back at step t.
  grad(b, node, [g]) {
    const [stack, t] = node.inputs;
    if (!g) return [null, null];
    const axis = node.attrs.axis as number;
    return [b.op('stack_put', [g, t], { axis, size: stack.type.shape[axis] }), null];
  },
  reference([stack, t], attrs) {
    const axis = attrs.axis as number;
    const type: TensorType = { dtype: stack.type.dtype, shape: stack.type.shape.filter((_, i) => i !== axis) };
    const out = new Float64Array(numel(type.shape));
    readSlice(stack, axis, stepIndex(t, stack.type.shape[axis], 'stack_get'), out);
    return [makeTensor(type, out)];
  },
  kernel: (node) => [emitStackGetKernel(node.inputs[0].type, node.attrs.axis as number)],
});

defineOp({
  name: 'stack_put',
  kind: 'movement',
  doc: 'A zero stack of `size` steps holding x at step t: `%2: f32[4,5,8] = stack_put %0, %1 [axis=1,size=5]`',
  arity: 2,
  attrs: { axis: { type: 'int' }, size: { type: 'int' } },
  infer([x, t], attrs) {
    const axis = attrs.axis as number;
    const size = attrs.size as number;
    if (!sameType(t, I32_SCALAR))
      throw new ShapeError(`stack_put: the step index must be i32[], got ${typeToString(t)}`, 1);
    if (axis < 0 || axis > x.shape.length)
      throw new ShapeError(`stack_put: axis ${axis} is out of range for ${typeToString(x)}`, 0);
    if (!(size > 0)) throw new ShapeError(`stack_put: size must be positive, got ${size}`);
    const shape = [...x.shape];
    shape.splice(axis, 0, size);
    return [{ dtype: x.dtype, shape }];
  },
  grad(b, node, [g]) {
    const t = node.inputs[1];
    if (!g) return [null, null];
    return [b.op('stack_get', [g, t], { axis: node.attrs.axis }), null];
  },
  reference([x, t], attrs) {
    const axis = attrs.axis as number;
    const shape = [...x.type.shape];
    shape.splice(axis, 0, attrs.size as number);
    const type: TensorType = { dtype: x.type.dtype, shape };
    const out = new Float64Array(numel(type.shape));
    writeSlice(out, type.shape, axis, stepIndex(t, attrs.size as number, 'stack_put'), x.data);
    return [makeTensor(type, out)];
  },
  kernel: (node) => [emitStackPutKernel(node.inputs[0].type, node.attrs.axis as number, node.attrs.size as number)],
});

// --- repeat and scan -------------------------------------------------------------------

/** Checks a body's args against the types the loop passes it. */
function checkArgs(op: string, body: Graph, expected: readonly TensorType[]): void {
  if (body.args.length !== expected.length) {
    throw new ShapeError(`${op}: the body takes ${body.args.length} args, expected ${expected.length}`);
  }
  body.args.forEach((a, i) => {
    if (!sameType(a.value.type, expected[i])) {
      throw new ShapeError(
        `${op}: body arg ${i} ('${a.name}') is ${typeToString(a.value.type)}, expected ${typeToString(expected[i])}`,
      );
    }
  });
}

function checkCarries(op: string, body: Graph, carries: readonly TensorType[], emitsAllowed: boolean): void {
  const n = body.results.length;
  if (n < carries.length || (!emitsAllowed && n !== carries.length)) {
    throw new ShapeError(`${op}: the body returns ${n} values for ${carries.length} carried values`);
  }
  carries.forEach((c, i) => {
    const r = body.results[i].value.type;
    if (!sameType(r, c)) {
      throw new ShapeError(
        `${op}: carried value ${i} starts as ${typeToString(c)} but the body makes it ${typeToString(r)}`,
      );
    }
  });
}

// A stashing scan's last k results are exactly its body's carry args.
function checkStash(body: Graph, k: number, stash: number): void {
  if (stash === 0) return;
  const n = body.results.length;
  if (stash !== k || n < 2 * k)
    throw new ShapeError(`scan: stash=${stash} needs ${k} carries and as many stashed emits`);
  for (let i = 0; i < k; i++) {
    if (body.results[n - k + i].value !== body.args[1 + i].value) {
      throw new ShapeError(`scan: stashed emit ${i} is not the body's carry arg ${i}`);
    }
  }
}

function loopAttrs(
  op: string,
  inputs: readonly TensorType[],
  attrs: Attrs,
  stepsAttr: string,
): { steps: number; k: number } {
  const steps = attrs[stepsAttr] as number;
  const k = attrs.carries as number;
  if (!(steps >= 1)) throw new ShapeError(`${op}: ${stepsAttr} must be at least 1, got ${steps}`);
  if (k < 0 || k > inputs.length) throw new ShapeError(`${op}: carries=${k} but only ${inputs.length} inputs`);
  return { steps, k };
}

defineOp({
  name: 'repeat',
  kind: 'control',
  doc: 'Runs its body `count` times on loop-carried values: `%5: f32[4,8] = repeat %0, %1 [carries=1,count=3]` + body',
  arity: [0, Infinity],
  attrs: {
    count: { type: 'int', doc: 'number of iterations' },
    carries: { type: 'int', doc: 'how many leading inputs are loop-carried (the rest are captured)' },
  },
  infer: () => needsBody('repeat'),
  grad(b, node, outGrads) {
    const body = oneBody('repeat', node.regions ?? []);
    return loopGrad(b, node, outGrads, {
      length: node.attrs.count as number,
      reverse: false,
      hasStep: false,
      carries: node.attrs.carries as number,
      body,
      stashed: false,
    });
  },
  reference: () => needsBody('repeat'),
});

defineRegionRule('repeat', {
  infer(inputs, attrs, regions) {
    const body = oneBody('repeat', regions);
    const { k } = loopAttrs('repeat', inputs, attrs, 'count');
    checkArgs('repeat', body, inputs);
    checkCarries('repeat', body, inputs.slice(0, k), false);
    return inputs.slice(0, k);
  },
  reference(inputs, attrs, regions, run) {
    const body = regions[0];
    const k = attrs.carries as number;
    let carries = inputs.slice(0, k);
    const captures = inputs.slice(k);
    for (let i = 0; i < (attrs.count as number); i++) carries = run(body, [...carries, ...captures]);
    return carries;
  },
});

defineOp({
  name: 'scan',
  kind: 'control',
  doc:
    'Runs its body for t in [0, length), carrying values and stacking emits: ' +
    '`%6: f32[4,8], %7: f32[4,5,8] = scan %0, %1 [carries=1,length=5,reverse=false]` + body',
  arity: [0, Infinity],
  attrs: {
    length: { type: 'int', doc: 'number of steps T' },
    carries: { type: 'int', doc: 'how many leading inputs are loop-carried (the rest are captured)' },
    reverse: { type: 'bool', default: false, doc: 'run t from T-1 down to 0' },
    stash: {
      type: 'int',
      default: 0,
      doc: 'set by autodiff: the last `stash` emits are the carries each step started from, kept for the backward loop',
    },
  },
  infer: () => needsBody('scan'),
  grad(b, node, outGrads) {
    const body = oneBody('scan', node.regions ?? []);
    return loopGrad(b, node, outGrads, {
      length: node.attrs.length as number,
      reverse: node.attrs.reverse as boolean,
      hasStep: true,
      carries: node.attrs.carries as number,
      body,
      stashed: (node.attrs.stash as number) > 0,
    });
  },
  reference: () => needsBody('scan'),
});

defineRegionRule('scan', {
  infer(inputs, attrs, regions) {
    const body = oneBody('scan', regions);
    const { steps, k } = loopAttrs('scan', inputs, attrs, 'length');
    checkArgs('scan', body, [I32_SCALAR, ...inputs]);
    checkCarries('scan', body, inputs.slice(0, k), true);
    checkStash(body, k, attrs.stash as number);
    return [...inputs.slice(0, k), ...body.results.slice(k).map((r) => stackedType(r.value.type, steps))];
  },
  reference(inputs, attrs, regions, run: RunBody) {
    const body = regions[0];
    const k = attrs.carries as number;
    const T = attrs.length as number;
    const emitTypes = body.results.slice(k).map((r) => r.value.type);
    const stacks = emitTypes.map((t) => new Float64Array(numel(t.shape) * T));
    let carries = inputs.slice(0, k);
    const captures = inputs.slice(k);
    for (let s = 0; s < T; s++) {
      const t = attrs.reverse ? T - 1 - s : s;
      const step = makeTensor(I32_SCALAR, new Float64Array([t]));
      const out = run(body, [step, ...carries, ...captures]);
      carries = out.slice(0, k);
      out
        .slice(k)
        .forEach((e, j) =>
          writeSlice(stacks[j], stackedType(emitTypes[j], T).shape, stackAxis(emitTypes[j]), t, e.data),
        );
    }
    return [...carries, ...stacks.map((data, j) => makeTensor(stackedType(emitTypes[j], T), data))];
  },
});
