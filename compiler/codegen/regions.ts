// How the code generator reads a loop node (`repeat`, `scan`): which inputs are
// carried, which are captured, where the body's index argument is, and where each
// emitted value is stacked. The region convention itself is defined with the ops
// in compiler/ops/control.ts:
//   node.inputs   = [carried initial values..., captured values...]  (attr carries)
//   body.args     = [t: i32[] (scan only), carried..., captured...]
//   body.results  = [new carried values..., emitted values (scan only)...]
//   node.outputs  = [final carried values..., stacked emits...]
//   attrs: count (repeat) or length (scan), reverse (scan); emits are stacked along
//   stackAxis(type) (1 for rank >= 1, batch-first; 0 for scalars).
import type { Node, Value } from '../ir/types';
import { stackAxis } from '../ops/control';

export interface LoopCarry {
  readonly init: Value;
  readonly arg: Value;
  readonly result: Value;
  readonly out: Value;
}

export interface LoopEmit {
  readonly result: Value;
  readonly out: Value;
  readonly axis: number;
}

export interface LoopShape {
  readonly count: number;
  readonly reverse: boolean;
  readonly index?: Value;
  readonly carried: readonly LoopCarry[];
  readonly captured: readonly { readonly outer: Value; readonly arg: Value }[];
  readonly emits: readonly LoopEmit[];
}

function intAttr(node: Node, names: readonly string[]): number | undefined {
  for (const name of names) {
    const v = node.attrs[name];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

export function isLoopNode(node: Node): boolean {
  return node.regions !== undefined && node.regions.length > 0;
}

export function readLoop(node: Node): LoopShape {
  const body = node.regions?.[0];
  if (!body) throw new Error(`%${node.id} ${node.op} has no body`);
  const count = intAttr(node, ['count', 'length']);
  if (count === undefined || !Number.isInteger(count) || count < 0) {
    throw new Error(`%${node.id} ${node.op} has no integer count/length attribute`);
  }
  const nEmit = node.outputs.length - (intAttr(node, ['carries']) ?? Math.min(node.inputs.length, body.results.length));
  const nCarry = node.outputs.length - nEmit;
  const nCaptured = node.inputs.length - nCarry;
  const hasIndex = body.args.length === node.inputs.length + 1;
  if (!hasIndex && body.args.length !== node.inputs.length) {
    throw new Error(`%${node.id} ${node.op}: body has ${body.args.length} arguments for ${node.inputs.length} inputs`);
  }
  if (body.results.length !== nCarry + nEmit || nCaptured < 0) {
    throw new Error(
      `%${node.id} ${node.op}: body results ${body.results.length} do not match ${nCarry} carried + ${nEmit} emitted`,
    );
  }
  const first = hasIndex ? 1 : 0;
  return {
    count,
    reverse: node.attrs.reverse === true,
    index: hasIndex ? body.args[0].value : undefined,
    carried: Array.from({ length: nCarry }, (_, k) => ({
      init: node.inputs[k],
      arg: body.args[first + k].value,
      result: body.results[k].value,
      out: node.outputs[k],
    })),
    captured: Array.from({ length: nCaptured }, (_, k) => ({
      outer: node.inputs[nCarry + k],
      arg: body.args[first + nCarry + k].value,
    })),
    emits: Array.from({ length: nEmit }, (_, k) => ({
      result: body.results[nCarry + k].value,
      out: node.outputs[nCarry + k],
      axis: stackAxis(body.results[nCarry + k].value.type),
    })),
  };
}
