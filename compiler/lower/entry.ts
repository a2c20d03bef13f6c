// Lowering one entry point into its graph. Steps:
//  1. bind the entry's parameters: model inputs by name, typed runtime inputs
//     (`prime: i32[1]`), compile-time constants (`length = 200`);
//  2. lower the body; `minimize` appends the backward pass (autodiff) and the
//     optimizer update; `<-` records writes of state and params;
//  3. emit the recorded writes as `assign` nodes at the end, so every read in the
//     entry sees the values from before the call;
//  4. close the graph with the declared outputs as its results.
import type { EntryDecl, Minimize, StateAssign } from '../../dsl/ast';
import { gradients } from '../autodiff/differentiate';
import type { Entry, PersistentTensor, RuntimeScalar } from '../ir/program';
import type { Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { applyOptimizer } from '../optim/index';
import type { OptionValue } from '../optim/context';
import { DlcError } from '../../runtime/errors';
import { asTensor } from './coerce';
import { EntryContext } from './context';
import { FollowOnError, LowerError } from './errors';
import type { Env } from './expr';
import { lowerExpr } from './expr';
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
      inputs.set(name, evalType(model.scope, p.type));
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

  lowerStatements(env, decl.body, {
    minimize(env, s) {
      if (decl.entry !== 'train') throw new LowerError(s.span, 'minimize-outside-train');
      if (minimized) throw new LowerError(s.span, 'minimize-twice');
      minimized = true;
      const update = minimize(ctx, env, s, model.stage);
      slots.push(...update.slots);
      scalars.push(...update.scalars);
    },
    stateAssign(env, s) {
      stateAssign(ctx, env, s);
    },
  });
  if (decl.entry === 'train' && !minimized) {
    throw new LowerError(decl.name.span, 'train-without-minimize', { name: decl.name.name });
  }

  for (const w of ctx.writes) ctx.top.emit('assign', [w.value], { target: w.target }, { span: w.span });
  const results = decl.outputs.map((o) => {
    const v = scope.lookup(o.name);
    if (!v) throw new LowerError(o.span, 'output-not-assigned', { name: o.name, entry: decl.name.name });
    return { name: o.name, value: asTensor(ctx, v, o.span) };
  });
  const graph = ctx.top.finish(results);
  return { entry: { name: decl.name.name, kind: decl.entry, graph, span: decl.span }, slots, scalars, streams: ctx.streamsUsed };
}

/** `minimize loss with opt(...)`: gradients of every param the loss reads, then the update. */
function minimize(ctx: EntryContext, env: Env, s: Minimize, stage: ModelEnv['stage']): { slots: PersistentTensor[]; scalars: RuntimeScalar[] } {
  const loss = asTensor(ctx, lowerExpr(env, s.loss), s.loss.span);
  if (loss.type.dtype !== 'f32' || loss.type.shape.length !== 0) {
    throw new LowerError(s.loss.span, 'loss-not-scalar', { type: typeToString(loss.type) }, [
      { message: loss.type.shape.length ? 'take the mean or sum over the batch, e.g. mean(...)' : 'cast it with f32(...)' },
    ]);
  }
  const options: Record<string, OptionValue> = {};
  for (const a of s.args) {
    if (!a.name) throw new LowerError(a.span, 'optimizer-positional');
    const v = lowerExpr({ ctx: null, scope: env.scope }, a.value);
    if (v.kind !== 'number' && v.kind !== 'bool') throw new LowerError(a.span, 'bad-optimizer-option', { name: a.name.name, found: describe(v) });
    options[a.name.name] = v.value;
  }
  if (stage === 'lowered') return { slots: [], scalars: [] };
  const b = ctx.top;
  const params = b.finish([]).args.filter((a) => a.kind === 'param');
  if (params.length === 0) throw new LowerError(s.span, 'nothing-to-train');
  return b.withSpan(s.span, () => {
    const grads = gradients(b, loss, params.map((p) => p.value));
    try {
      return applyOptimizer(b, {
        params: params.map((p, i) => ({ name: p.name, value: p.value, grad: grads[i] })),
        optimizer: { name: s.optimizer.name, options, scalarPrefix: `${ctx.name}.` },
      });
    } catch (e) {
      // The optimizer checks its options' types and ranges (compiler/optim).
      if (e instanceof DlcError) {
        const message = e.message.replace(/^\S+:\d+:\d+: /, '');
        const option = /option '(\w+)'/.exec(message)?.[1];
        const at = s.args.find((a) => a.name?.name === option)?.span ?? s.span;
        throw new LowerError(at, 'optimizer-rejects', { message });
      }
      throw e;
    }
  });
}

/** `chain <- vk`, or `q_target <- q` for whole layer instances (member by member). */
function stateAssign(ctx: EntryContext, env: Env, s: StateAssign): void {
  const targets = persistentNames(env, s.target, s.target.span);
  const value = lowerExpr(env, s.value);
  if (value.kind === 'layer') {
    const sources = persistentNames(env, s.value, s.value.span);
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
    throw new LowerError(s.span, 'write-type-mismatch', { found: typeToString(value.type), target, type: typeToString(p.type) }, [
      { message: `the value written is ${typeToString(value.type)}`, span: s.value.span },
      ...(p.span ? [{ message: `'${target}' is declared ${typeToString(p.type)} here`, span: p.span }] : []),
    ]);
  }
  if (ctx.writes.some((w) => w.target === target)) throw new LowerError(s.span, 'written-twice', { target, entry: ctx.name }, [{ message: `'${target}' is first written here`, span: ctx.writes.find((w) => w.target === target)!.span }]);
  ctx.writes.push({ target, value, span: s.span });
}

/** The persistent tensors an assignment target names: one state/param, or all of a layer's. */
function persistentNames(env: Env, e: StateAssign['target'], span: StateAssign['span']): string[] {
  const v: LVal | undefined = e.kind === 'Name' ? env.scope.lookup(e.name) : lowerExpr({ ctx: null, scope: env.scope }, e);
  if (v?.kind === 'global' && v.role !== 'input') return [v.name];
  if (v?.kind === 'layer') return v.instance.members.map((m) => `${v.instance.path}.${m}`);
  if (!v && e.kind === 'Name' && env.scope.isPoisoned(e.name)) throw new FollowOnError(e.name);
  throw new LowerError(span, 'bad-write-target', { what: v ? describe(v) : 'this' });
}
