// Lowers `minimize loss with OPT(options)` after the gradients: one call appends
// the whole update to the graph being built. In order:
//  1. clip_norm (if given): rescale all gradients by their global norm;
//  2. weight_decay, l1 (if given): add the penalties' gradients;
//  3. the update rule (sgd, adagrad, rmsprop, adam, vsgd) gives each new param;
//  4. max_norm (if given): constrain the columns of the new weight matrices;
//  5. assign the new params and slots.
// Steps 2-4 use the options of the param's group (`minimize ... { [fc1.b]: weight_decay = 0 }`),
// each group in its own OptimizerContext; clipping stays global to the entry.
// Every numeric option is a runtime scalar (an f32[] `scalar` arg named after the
// option, defaulting to its value), so a training loop can change `lr` without a
// recompile; boolean options (nesterov) are fixed at compile time.
import { DlcError, formatSpan } from '../../runtime/errors';
import type { GraphBuilder } from '../ir/builder';
import type { PersistentTensor, RuntimeScalar } from '../ir/program';
import { adagrad } from './adagrad';
import { adam } from './adam';
import { clipNorm } from './clip_norm';
import type { OptionValue, ParamGrad, UpdateRule } from './context';
import { OptimizerContext } from './context';
import { l1 } from './l1';
import { maxNorm } from './max_norm';
import { rmsprop } from './rmsprop';
import { sgd } from './sgd';
import { vsgd } from './vsgd';
import { weightDecay } from './weight_decay';
import { ROW_WIDE_OPTIONS } from './sparse-rows';
import { COMMON_OPTIONS, ENTRY_WIDE_OPTIONS, OPTIMIZERS, OPTIMIZERS_BY_NAME } from '../../dsl/optimizers';

export type { ParamGrad } from './context';

/** One update rule per optimizer of dsl/optimizers.ts (test/compiler/optim/tables.test.ts holds them equal). */
export const RULES: Readonly<Record<string, UpdateRule>> = { sgd, adagrad, rmsprop, adam, vsgd };

/** Options every optimizer accepts; present only when given. */
const MODIFIERS: readonly string[] = COMMON_OPTIONS.map((o) => o.name);

export const OPTIMIZER_NAMES: readonly string[] = OPTIMIZERS.map((o) => o.name);

export interface OptimizerSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionValue>>;
  /** Prefix of the runtime scalars' and slots' names (the lowering passes `ENTRY.`). */
  readonly scalarPrefix?: string;
  /**
   * Param groups' own options, over the main ones; a param's `group` (1-based)
   * picks one. Their scalars and shared slots are named `ENTRY.groupK.*`.
   */
  readonly groups?: readonly Readonly<Record<string, OptionValue>>[];
}

export interface OptimizerUpdate {
  /** The slots it added (per-param state and counters), to join the program's persistent tensors. */
  readonly slots: PersistentTensor[];
  /** The runtime scalars it added, with their defaults. */
  readonly scalars: RuntimeScalar[];
}

/**
 * The options in force for a param group (1-based; absent: the main options): the
 * rule's own options with their defaults, the main ones given, the group's own. The
 * common options (weight_decay…) are present only when given.
 */
export function groupOptions(optimizer: OptimizerSpec, group?: number): Record<string, OptionValue> {
  const def = OPTIMIZERS_BY_NAME.get(optimizer.name);
  const defaults = Object.fromEntries(
    (def?.options ?? []).filter((o) => !MODIFIERS.includes(o.name)).map((o) => [o.name, o.default]),
  );
  const own = group === undefined ? {} : (optimizer.groups?.[group - 1] ?? {});
  return { ...defaults, ...optimizer.options, ...own };
}

export function applyOptimizer(
  b: GraphBuilder,
  { params, optimizer }: { readonly params: readonly ParamGrad[]; readonly optimizer: OptimizerSpec },
): OptimizerUpdate {
  const span = b.currentSpan;
  const fail = (msg: string): never => {
    throw new DlcError(span ? `${formatSpan(span)}: ${msg}` : msg, 1, span);
  };
  const def = OPTIMIZERS_BY_NAME.get(optimizer.name);
  const rule = RULES[optimizer.name];
  if (!def || !rule)
    return fail(`unknown optimizer '${optimizer.name}' (expected one of ${OPTIMIZER_NAMES.join(', ')})`);
  // `group` (1-based) names the param group whose options these are, in the messages too.
  const check = (options: Readonly<Record<string, OptionValue>>, group?: number): void => {
    const inGroup = group !== undefined;
    const reject = (msg: string): never => fail(inGroup ? `${msg} (param group ${group})` : msg);
    for (const [k, v] of Object.entries(options)) {
      const known = def.options.find((o) => o.name === k)?.default;
      if (known === undefined) {
        reject(`${rule.name} has no option '${k}' (options: ${def.options.map((o) => o.name).join(', ')})`);
      }
      if (inGroup && ENTRY_WIDE_OPTIONS.includes(k)) {
        reject(`${rule.name}: option '${k}' applies to the whole entry, not to a param group`);
      }
      if (typeof v !== typeof known) reject(`${rule.name}: option '${k}' must be a ${typeof known}`);
      if (typeof v === 'number' && MODIFIERS.includes(k) && !(v >= 0))
        reject(`${rule.name}: option '${k}' must be ≥ 0, got ${v}`);
    }
  };
  check(optimizer.options);
  (optimizer.groups ?? []).forEach((g, k) => check(g, k + 1));

  const prefix = optimizer.scalarPrefix ?? '';
  const main = groupOptions(optimizer);
  const contexts = [
    new OptimizerContext(b, main, { entry: prefix, group: prefix, own: new Set() }),
    ...(optimizer.groups ?? []).map((g, k) => {
      const names = { entry: prefix, group: `${prefix}group${k + 1}.`, own: new Set(Object.keys(g)) };
      return new OptimizerContext(b, groupOptions(optimizer, k + 1), names);
    }),
  ];
  const contextOf = (p: ParamGrad): OptimizerContext =>
    contexts[p.group ?? 0] ?? fail(`param '${p.name}' is in no group`);

  // Clipping is by the norm of all the entry's gradients together, whatever their group.
  let grads = params.map((p) => p.grad);
  if (contexts[0]!.has('clip_norm')) grads = clipNorm(contexts[0]!, grads);
  params.forEach((p, i) => {
    const ctx = contextOf(p);
    let g = grads[i]!;
    if (p.rows) {
      // A sparse param (sparse-rows.ts): the rule on its gathered rows; the lowering
      // keeps the options that would move other rows off such params.
      const dense = ROW_WIDE_OPTIONS.filter((o) => ctx.has(o) && ctx.options[o] !== 0);
      if (dense.length) fail(`'${p.name}' is updated at its gathered rows only, so ${dense[0]} cannot apply to it`);
      ctx.write(p.name, rule.update(ctx, ctx.rowView(p, g), g));
      return;
    }
    if (ctx.has('weight_decay')) g = weightDecay(ctx, p, g);
    if (ctx.has('l1')) g = l1(ctx, p, g);
    let w = rule.update(ctx, p, g);
    if (ctx.has('max_norm')) w = maxNorm(ctx, w);
    ctx.write(p.name, w);
  });
  for (const ctx of contexts) ctx.finish();
  return { slots: contexts.flatMap((c) => c.slots), scalars: contexts.flatMap((c) => c.scalars) };
}
