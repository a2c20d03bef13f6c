// Lowering one entry point into its graph. Steps:
//  1. bind the entry's parameters: model inputs by name, typed runtime inputs
//     (`prime: i32[1]`), compile-time constants (`length = 200`);
//  2. lower the body; `minimize` appends the backward pass (autodiff) and the
//     optimizer update; `<-` records writes of state and params (a train entry
//     without minimize is a user update rule, `W <- W - lr * grad(loss, W)`);
//  3. refuse a param that both `<-` and the optimizer write;
//  4. emit the recorded writes as `assign` nodes at the end, so every read in the
//     entry sees the values from before the call;
//  5. close the graph with the declared outputs as its results.
import type { Arg, EntryDecl, Expr, Minimize, StateAssign } from '../../dsl/ast';
import type { Span } from '../../runtime/errors';
import { reachingGradients } from '../autodiff/differentiate';
import type { Entry, PersistentTensor, RuntimeScalar } from '../ir/program';
import type { Node, Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { applyOptimizer, groupOptions } from '../optim/index';
import type { OptionValue } from '../optim/context';
import type { SparseUpdates } from '../optim/sparse-rows';
import { gatherReads, rowGradient, sparseChoice } from '../optim/sparse-rows';
import { DlcError } from '../../runtime/errors';
import { asTensor } from './coerce';
import { EntryContext } from './context';
import { FollowOnError, LowerError } from './errors';
import { checkGraphSizes } from './limits';
import type { Env } from './expr';
import { lowerExpr, memberOf } from './expr';
import type { ModelEnv } from './model';
import { evalType } from './model';
import { lowerStatements } from './stmts';
import type { LVal } from './values';
import { describe } from './values';

export interface LoweredEntry {
  readonly entry: Entry;
  readonly slots: readonly PersistentTensor[];
  readonly scalars: readonly RuntimeScalar[];
  /** The next free random stream after this entry. */
  readonly streams: number;
}

export function lowerEntry(model: ModelEnv, decl: EntryDecl, firstStream: number): LoweredEntry {
  const scope = model.scope.child();
  const inputs = new Map(model.inputs);
  for (const p of decl.params) {
    const name = p.name.name;
    if (p.type) {
      inputs.set(name, evalType(model.scope, p.type, `input '${name}'`, 'use a smaller batch'));
      scope.define(name, { kind: 'global', name, role: 'input' });
    } else if (p.default) {
      scope.define(name, lowerExpr({ ctx: null, scope: model.scope }, p.default));
    } else if (!model.inputs.has(name)) {
      if (model.scope.isPoisoned(name)) throw new FollowOnError(name);
      throw new LowerError(p.span, 'entry-param-not-input', { name, model: model.name });
    }
  }
  const ctx = new EntryContext(decl.name.name, decl.entry, model.persistent, inputs, firstStream);
  const env: Env = { ctx, scope };
  const slots: PersistentTensor[] = [];
  const scalars: RuntimeScalar[] = [];
  let minimized = false;
  let trained: { readonly names: ReadonlySet<string>; readonly span: Span } | undefined;

  lowerStatements(env, decl.body, {
    minimize(env, s) {
      if (decl.entry !== 'train') throw new LowerError(s.span, 'minimize-outside-train');
      if (minimized) throw new LowerError(s.span, 'minimize-twice');
      minimized = true;
      const update = minimize(ctx, env, s, model);
      slots.push(...update.slots);
      scalars.push(...update.scalars);
      trained = { names: update.trained, span: s.span };
    },
    stateAssign(env, s) {
      stateAssign(ctx, env, s);
    },
  });
  // Without minimize, a train entry is a user update rule: it must write a param.
  if (decl.entry === 'train' && !minimized && !ctx.writes.some((w) => ctx.persistent.get(w.target)?.kind === 'param')) {
    throw new LowerError(decl.name.span, 'train-without-minimize', { name: decl.name.name });
  }

  // Two writers of one param would leave it to the order of the assigns which one wins.
  const clash = trained && ctx.writes.find((w) => trained!.names.has(w.target));
  if (clash) {
    throw new LowerError(clash.span, 'param-written-and-trained', { target: clash.target, entry: decl.name.name }, [
      { message: `the optimizer updates '${clash.target}' here`, span: trained!.span },
    ]);
  }
  for (const w of ctx.writes) ctx.top.emit('assign', [w.value], { target: w.target }, { span: w.span });
  const results = decl.outputs.map((o) => {
    const v = scope.lookup(o.name);
    if (!v) throw new LowerError(o.span, 'output-not-assigned', { name: o.name, entry: decl.name.name });
    return { name: o.name, value: asTensor(ctx, v, o.span) };
  });
  const graph = ctx.top.finish(results);
  checkGraphSizes(graph, decl.span);
  return {
    entry: { name: decl.name.name, kind: decl.entry, graph, span: decl.span },
    slots,
    scalars,
    streams: ctx.streamsUsed,
  };
}

interface MinimizeResult {
  readonly slots: PersistentTensor[];
  readonly scalars: RuntimeScalar[];
  /** The params the optimizer writes. */
  readonly trained: ReadonlySet<string>;
}

/**
 * `minimize loss with opt(...) [over [...]] [{ [...]: options }]`: the gradients of the
 * chosen params (those listed after `over`, else every param the entry reads), then
 * the update of those with a gradient. A param whose gradient is structurally zero
 * (read only under stop_gradient) is left alone: no decay, momentum or constraint
 * moves it, and no slot is made for it; one the author named is an error instead.
 */
function minimize(
  ctx: EntryContext,
  env: Env,
  s: Minimize,
  { stage, sparseUpdates }: Pick<ModelEnv, 'stage' | 'sparseUpdates'>,
): MinimizeResult {
  const loss = asTensor(ctx, lowerExpr(env, s.loss), s.loss.span);
  if (loss.type.dtype !== 'f32' || loss.type.shape.length !== 0) {
    throw new LowerError(s.loss.span, 'loss-not-scalar', { type: typeToString(loss.type) }, [
      {
        message: loss.type.shape.length
          ? 'take the mean or sum over the batch, e.g. mean(...)'
          : 'cast it with f32(...)',
      },
    ]);
  }
  const options = optionValues(env, s.args);
  const groups = s.groups.map((g) => optionValues(env, g.options));
  const choice = chooseParams(ctx, env, s);
  if (stage === 'lowered') return { slots: [], scalars: [], trained: new Set() };
  const b = ctx.top;
  const read = b
    .finish([])
    .args.filter((a) => a.kind === 'param')
    .map((a) => a.name);
  const names = choice.over ?? read;
  const values = names.map((n) => b.findArg(n)?.value);
  const spec = { name: s.optimizer.name, options, groups };
  const sparse = sparseParams(b, names, values, (name) => groupOptions(spec, choice.group.get(name)), sparseUpdates, s);
  return b.withSpan(s.span, () => {
    // The backward pass reaches a sparse param's gathers, not the param (compiler/optim/sparse-rows.ts).
    const reached = values.flatMap((v) => (v === undefined ? [] : (sparse.get(v)?.map((n) => n.outputs[0]) ?? [v])));
    const grads = new Map(reachingGradients(b, loss, reached).map((g, i) => [reached[i], g]));
    const params = names.flatMap((name, i) => {
      const value = values[i];
      const gathers = value && sparse.get(value);
      const rows =
        gathers &&
        rowGradient(
          b,
          value,
          gathers,
          gathers.map((n) => grads.get(n.outputs[0]) ?? null),
        );
      const grad = rows ? rows.grad : value && !gathers && grads.get(value);
      if (!value || !grad) {
        const named = choice.named.get(name);
        if (named) throw new LowerError(named, 'param-without-gradient', { name }, [NO_GRADIENT_NOTE]);
        return [];
      }
      const group = choice.group.get(name);
      return [{ name, value, grad, ...(group ? { group } : {}), ...(rows ? { rows: rows.rows } : {}) }];
    });
    if (params.length === 0) {
      throw new LowerError(s.span, 'nothing-to-train', {}, read.length ? [NO_GRADIENT_NOTE] : []);
    }
    try {
      const update = applyOptimizer(b, {
        params,
        optimizer: { name: s.optimizer.name, options, scalarPrefix: `${ctx.name}.`, groups },
      });
      return { ...update, trained: new Set(params.map((p) => p.name)) };
    } catch (e) {
      // The optimizer checks its options' types and ranges (compiler/optim).
      if (e instanceof DlcError) {
        const message = e.message.replace(/^\S+:\d+:\d+: /, '');
        const option = /option '(\w+)'/.exec(message)?.[1];
        const group = /\(param group (\d+)\)$/.exec(message)?.[1];
        const args = group ? s.groups[Number(group) - 1]!.options : s.args;
        const at = args.find((a) => a.name?.name === option)?.span ?? s.span;
        throw new LowerError(at, 'optimizer-rejects', { message });
      }
      throw e;
    }
  });
}

/**
 * The params whose updates are sparse (read only through row gathers, and the mode
 * and their options allow it), with their gathers; refuses, at `minimize`, a param
 * the lazy mode cannot update sparsely.
 */
function sparseParams(
  b: EntryContext['top'],
  names: readonly string[],
  values: readonly (Value | undefined)[],
  optionsOf: (name: string) => Readonly<Record<string, OptionValue>>,
  mode: SparseUpdates,
  s: Minimize,
): Map<Value, Node[]> {
  const sparse = new Map<Value, Node[]>();
  if (mode === 'off') return sparse;
  const nodes = [...b.nodeList];
  names.forEach((name, i) => {
    const value = values[i];
    const gathers = value && gatherReads(nodes, value);
    if (!gathers) return;
    const choice = sparseChoice(mode, s.optimizer.name, optionsOf(name));
    if (typeof choice === 'object') {
      const message =
        `'${name}' is read only through gather, so --sparse-updates lazy updates its gathered rows only, ` +
        `but ${choice.refuse}`;
      throw new LowerError(s.span, 'optimizer-rejects', { message }, [
        { message: `use --sparse-updates exact (or off) for dense updates of '${name}'` },
      ]);
    }
    if (choice === 'sparse') sparse.set(value, gathers);
  });
  return sparse;
}

const NO_GRADIENT_NOTE = { message: 'a param read only under stop_gradient (or not at all) gets no gradient' };

/** Named options of the optimizer or of a param group, as compile-time values. */
function optionValues(env: Env, args: readonly Arg[]): Record<string, OptionValue> {
  const options: Record<string, OptionValue> = {};
  for (const a of args) {
    if (!a.name) throw new LowerError(a.span, 'optimizer-positional');
    const v = lowerExpr({ ctx: null, scope: env.scope }, a.value);
    if (v.kind !== 'number' && v.kind !== 'bool')
      throw new LowerError(a.span, 'bad-optimizer-option', { name: a.name.name, found: describe(v) });
    options[a.name.name] = v.value;
  }
  return options;
}

interface ParamChoice {
  /** The params after `over`, in order; undefined without `over`. */
  readonly over?: readonly string[];
  /** Each param the author named (after `over` or in a group), where first named. */
  readonly named: ReadonlyMap<string, Span>;
  /** Each grouped param's group, 1-based. */
  readonly group: ReadonlyMap<string, number>;
}

/** Expands `over` and the groups' lists (layer instances to their params), checking that groups don't overlap. */
function chooseParams(ctx: EntryContext, env: Env, s: Minimize): ParamChoice {
  const named = new Map<string, Span>();
  const refs = (items: readonly Expr[]): { name: string; span: Span }[] =>
    items.flatMap((e) => {
      const names = persistentNames(env, e, e.span, 'not-a-param');
      const params = names.filter((n) => ctx.persistent.get(n)?.kind === 'param');
      if (params.length === 0) {
        throw new LowerError(e.span, 'not-a-param', { name: sourceName(e), what: 'a state tensor' });
      }
      for (const name of params) if (!named.has(name)) named.set(name, e.span);
      return params.map((name) => ({ name, span: e.span }));
    });
  const over = s.over ? [...new Set(refs(s.over.items).map((r) => r.name))] : undefined;
  const group = new Map<string, number>();
  s.groups.forEach((g, k) => {
    for (const r of refs(g.params.items)) {
      const first = group.get(r.name);
      if (first !== undefined && first !== k + 1) {
        throw new LowerError(r.span, 'param-in-two-groups', { name: r.name }, [
          { message: `'${r.name}' is first grouped here`, span: s.groups[first - 1]!.params.span },
        ]);
      }
      if (over && !over.includes(r.name)) throw new LowerError(r.span, 'group-param-not-over', { name: r.name });
      group.set(r.name, k + 1);
    }
  });
  return { ...(over ? { over } : {}), named, group };
}

/** `fc1.W` as written. */
function sourceName(e: Expr): string {
  return e.kind === 'Name' ? e.name : e.kind === 'Member' ? `${sourceName(e.object)}.${e.member.name}` : '(expression)';
}

/** `chain <- vk`, or `q_target <- q` for whole layer instances (member by member). */
function stateAssign(ctx: EntryContext, env: Env, s: StateAssign): void {
  const targets = persistentNames(env, s.target, s.target.span, 'bad-write-target');
  const value = lowerExpr(env, s.value);
  if (value.kind === 'layer') {
    const sources = persistentNames(env, s.value, s.value.span, 'bad-write-target');
    if (sources.length !== targets.length || sources.some((n, i) => suffix(n) !== suffix(targets[i]))) {
      throw new LowerError(s.span, 'layer-write-mismatch', { left: targets.length, right: sources.length });
    }
    sources.forEach((src, i) => write(ctx, targets[i], ctx.global(src, s.value.span), s));
    return;
  }
  if (targets.length !== 1) throw new LowerError(s.value.span, 'layer-write-not-layer', { found: describe(value) });
  write(ctx, targets[0], asTensor(ctx, value, s.value.span), s);
}

function suffix(name: string): string {
  return name.slice(name.indexOf('.') + 1);
}

function write(ctx: EntryContext, target: string, value: Value, s: StateAssign): void {
  const p = ctx.persistent.get(target)!;
  if (typeToString(p.type) !== typeToString(value.type)) {
    throw new LowerError(
      s.span,
      'write-type-mismatch',
      { found: typeToString(value.type), target, type: typeToString(p.type) },
      [
        { message: `the value written is ${typeToString(value.type)}`, span: s.value.span },
        ...(p.span ? [{ message: `'${target}' is declared ${typeToString(p.type)} here`, span: p.span }] : []),
      ],
    );
  }
  if (ctx.writes.some((w) => w.target === target))
    throw new LowerError(s.span, 'written-twice', { target, entry: ctx.name }, [
      { message: `'${target}' is first written here`, span: ctx.writes.find((w) => w.target === target)!.span },
    ]);
  ctx.writes.push({ target, value, span: s.span });
}

/** A name or member chain as bound, without reading it (`fc1.W` stays the param, not its value). */
function reference(env: Env, e: Expr): LVal | undefined {
  if (e.kind === 'Name') return env.scope.lookup(e.name);
  if (e.kind === 'Member') {
    const object = reference(env, e.object);
    if (object) return memberOf(object, e.member.name, e.span);
  }
  return lowerExpr({ ctx: null, scope: env.scope }, e);
}

/** The persistent tensors a name stands for: one state/param, or all of a layer's. */
function persistentNames(env: Env, e: Expr, span: Span, code: 'bad-write-target' | 'not-a-param'): string[] {
  const v = reference(env, e);
  if (v?.kind === 'global' && v.role !== 'input') return [v.name];
  if (v?.kind === 'layer') return v.instance.members.map((m) => `${v.instance.path}.${m}`);
  if (!v && e.kind === 'Name' && env.scope.isPoisoned(e.name)) throw new FollowOnError(e.name);
  const what = v ? describe(v) : 'this';
  throw new LowerError(span, code, code === 'not-a-param' ? { name: sourceName(e), what } : { what });
}
