// What a name or expression stands for while the lowering elaborates a model:
// a compile-time number, bool, string or list (hyperparameters, literals, shapes),
// an IR tensor, a tuple, or something callable (a user fn, a layer instance, a
// builtin). Only tensors reach the IR; everything else is folded away.
import type { FnDecl, LayerDef, Span } from '../../dsl/ast';
import type { Value } from '../ir/types';
import type { Scope } from './scope';

export type LVal =
  | { readonly kind: 'number'; readonly value: number; readonly isInt: boolean }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  /** `spans`: where each item was written, for a list from the source (tensor literal errors point there). */
  | { readonly kind: 'list'; readonly items: readonly LVal[]; readonly spans?: readonly Span[] }
  | { readonly kind: 'tuple'; readonly items: readonly LVal[] }
  | { readonly kind: 'tensor'; readonly value: Value; readonly origin?: Span }
  | { readonly kind: 'fn'; readonly decl: FnDecl; readonly closure: Scope }
  | { readonly kind: 'layer'; readonly instance: LayerInstanceVal }
  | { readonly kind: 'builtin'; readonly name: string }
  /** An input, param or state of the model: becomes an entry-graph arg where used. */
  | { readonly kind: 'global'; readonly name: string; readonly role: 'input' | 'param' | 'state' }
  | { readonly kind: 'nothing' };

/** A layer instance: its dotted name, its definition and the scope its forward runs in. */
export interface LayerInstanceVal {
  readonly path: string;
  readonly def: LayerDef;
  readonly scope: Scope;
  /** Persistent tensors it owns (its own and its nested instances'), by member path. */
  readonly members: readonly string[];
}

export const num = (value: number, isInt = Number.isInteger(value)): LVal => ({ kind: 'number', value, isInt });
export const tensor = (value: Value, origin?: Span): LVal => ({ kind: 'tensor', value, origin });

/** How a value is described in messages: `a tensor f32[128,10]`, `the number 3`. */
export function describe(v: LVal): string {
  switch (v.kind) {
    case 'number':
      return `the number ${v.value}`;
    case 'bool':
      return `the bool ${v.value}`;
    case 'string':
      return `the string "${v.value}"`;
    case 'list':
      return `a list of ${v.items.length}`;
    case 'tuple':
      return `a tuple of ${v.items.length} values`;
    case 'tensor':
      return `a tensor ${v.value.type.dtype}[${v.value.type.shape.join(',')}]`;
    case 'fn':
      return `the function '${v.decl.name.name}'`;
    case 'layer':
      return `the layer instance '${v.instance.path}'`;
    case 'builtin':
      return `the builtin '${v.name}'`;
    case 'global':
      return `the ${v.role} '${v.name}'`;
    case 'nothing':
      return 'nothing';
    default:
      return assertNeverVal(v);
  }
}

function assertNeverVal(v: never): never {
  throw new Error(`unhandled value kind ${JSON.stringify(v)}`);
}
