// Rules for region ops (repeat, scan): their output types and reference semantics
// depend on their body graphs, which an OpDef's infer/reference cannot see. Region
// ops register these rules here, next to their OpDef; the builder, the verifier and
// the reference executor look them up by op name.
import type { RefContext, Tensor } from '../ops/registry';
import type { Attrs, Graph, TensorType } from './types';

/** Runs a region body on the reference executor: its args in order → its results in order. */
export type RunBody = (body: Graph, args: readonly Tensor[]) => Tensor[];

export interface RegionRule {
  /** Output types from input types and the bodies; throws ShapeError. */
  infer(inputs: readonly TensorType[], attrs: Attrs, regions: readonly Graph[]): TensorType[];
  reference(
    inputs: readonly Tensor[],
    attrs: Attrs,
    regions: readonly Graph[],
    run: RunBody,
    ctx: RefContext,
  ): Tensor[];
}

const rules = new Map<string, RegionRule>();

export function defineRegionRule(op: string, rule: RegionRule): void {
  if (rules.has(op)) throw new Error(`region rule for '${op}' is defined twice`);
  rules.set(op, rule);
}

export function getRegionRule(op: string): RegionRule {
  const rule = rules.get(op);
  if (!rule) throw new Error(`op '${op}' takes no region bodies`);
  return rule;
}

export function hasRegionRule(op: string): boolean {
  return rules.has(op);
}
