// Lowering a whole model: hyperparameters (with -D overrides) are evaluated, every
// input/param/state declaration and layer instance becomes a name in the model's
// scope (params and state become persistent tensors), then each entry point is
// lowered on its own into one graph (entry.ts). Errors are collected per
// declaration and per entry point, so one file reports several.
import type {
  Expr,
  FnDecl,
  Ident,
  LayerDef,
  LayerInstance,
  ModelDecl,
  SourceProgram,
  Span,
  TensorDecl,
  TypeExpr,
} from '../../dsl/ast';
import type { Diagnostic } from '../../dsl/diagnostics';
import { makeDiagnostic } from '../../dsl/diagnostics';
import type { Entry, PersistentTensor, Program, RuntimeScalar } from '../ir/program';
import type { Initializer, TensorType } from '../ir/types';
import { typeToString } from '../ir/types';
import { INITIALIZERS_BY_NAME } from '../../runtime/init';
import { asInt, asNumber } from './coerce';
import { lowerEntry } from './entry';
import { lowerStage } from './schedule';
import type { LoadTarget } from './load-tensor';
import { loadInitializer } from './load-tensor';
import { failureDiagnostic, LowerError, withCallNote } from './errors';
import { checkSize } from './limits';
import type { Env } from './expr';
import { lowerExpr } from './expr';
import { Scope } from './scope';
import type { LVal } from './values';
import { describe, num } from './values';
import type { SparseUpdates } from '../optim/sparse-rows';
import { DEFAULT_SPARSE_UPDATES } from '../optim/sparse-rows';

export interface LowerOptions {
  /** `-D name=value` overrides of hyperparameters. */
  readonly defines?: Readonly<Record<string, number | boolean>>;
  /** Which model of the root file; default the first. */
  readonly model?: string;
  /**
   * 'grad' (default): train entries include the backward pass and the optimizer
   * update. 'lowered': only the forward; `minimize` checks its loss and stops there.
   */
  readonly stage?: 'lowered' | 'grad';
  /**
   * Updates of params read only through `gather` at their gathered rows
   * (compiler/optim/sparse-rows.ts): 'exact' (default), 'lazy' or 'off'.
   */
  readonly sparseUpdates?: SparseUpdates;
}

export interface LowerResult {
  readonly program?: Program;
  readonly diagnostics: Diagnostic[];
}

/** Everything the model's declarations produce before any entry point is lowered. */
export interface ModelEnv {
  readonly name: string;
  readonly scope: Scope;
  readonly persistent: Map<string, PersistentTensor>;
  readonly inputs: Map<string, TensorType>;
  readonly layerDefs: ReadonlyMap<string, LayerDef>;
  readonly stage: 'lowered' | 'grad';
  readonly sparseUpdates: SparseUpdates;
}

export function lowerModelProgram(source: SourceProgram, options: LowerOptions = {}): LowerResult {
  const diagnostics: Diagnostic[] = [];
  const models = source.root.items.filter((i): i is ModelDecl => i.kind === 'Model');
  const model = options.model ? models.find((m) => m.name.name === options.model) : models[0];
  if (!model) {
    const names = models.map((m) => m.name.name).join(', ') || 'none';
    diagnostics.push(
      options.model
        ? makeDiagnostic('unknown-model', source.root.span, { name: options.model, models: names })
        : makeDiagnostic('no-model', source.root.span),
    );
    return { diagnostics };
  }

  // Top-level layer definitions and fns of every file (prelude, imports, root).
  const top = new Scope();
  const layerDefs = new Map<string, LayerDef>();
  for (const file of source.files) {
    for (const item of file.items) {
      if (item.kind === 'LayerDef') layerDefs.set(item.name.name, item);
      if (item.kind === 'Fn') top.define(item.name.name, { kind: 'fn', decl: item, closure: top });
    }
  }

  // Each declaration and entry point is lowered on its own, so one file reports
  // several errors; a non-DlcError is a bug here, reported at what was lowered.
  // A declaration that fails poisons its name, so its uses are not reported again.
  const guard = <T>(span: Span, f: () => T, declares?: string): T | undefined => {
    try {
      return f();
    } catch (e) {
      const d = failureDiagnostic(e, span);
      if (d) diagnostics.push(d);
      if (declares !== undefined) scope.poison(declares);
      return undefined;
    }
  };

  const scope = top.child();
  const hyper: Record<string, number | boolean> = {};
  const defines = { ...options.defines };
  for (const h of model.hyper) {
    guard(
      h.span,
      () => {
        const name = h.name.name;
        let v: LVal;
        if (name in defines) {
          const d = defines[name];
          v = typeof d === 'boolean' ? { kind: 'bool', value: d } : num(d);
          delete defines[name];
        } else if (h.default) {
          v = lowerExpr({ ctx: null, scope }, h.default);
        } else {
          throw new LowerError(h.span, 'missing-hyper-default', { name });
        }
        if (v.kind !== 'number' && v.kind !== 'bool')
          throw new LowerError(h.span, 'bad-hyperparameter', { name, found: describe(v) });
        hyper[name] = v.value;
        scope.define(name, v);
      },
      h.name.name,
    );
  }
  for (const name of Object.keys(defines)) {
    const names = model.hyper.map((h) => h.name.name).join(', ') || 'none';
    diagnostics.push(
      makeDiagnostic('unknown-hyperparameter', model.name.span, { name, model: model.name.name, names }),
    );
  }

  const env: ModelEnv = {
    name: model.name.name,
    scope,
    persistent: new Map(),
    inputs: new Map(),
    layerDefs,
    stage: options.stage ?? 'grad',
    sparseUpdates: options.sparseUpdates ?? DEFAULT_SPARSE_UPDATES,
  };
  for (const item of model.items) {
    guard(
      item.span,
      () => {
        switch (item.kind) {
          case 'TensorDecl':
            declareTensor(env, scope, '', item);
            break;
          case 'LayerInstance':
            scope.define(item.name.name, instantiate(env, scope, item.name.name, item));
            break;
          case 'Fn':
            scope.define(item.name.name, { kind: 'fn', decl: item as FnDecl, closure: scope });
            break;
          case 'Entry':
            break;
        }
      },
      item.kind === 'Entry' ? undefined : item.name.name,
    );
  }

  const entries: Entry[] = [];
  const scalars = new Map<string, RuntimeScalar>();
  let streams = 0;
  for (const item of model.items) {
    if (item.kind !== 'Entry') continue;
    guard(item.span, () => {
      const lowered = lowerEntry(env, item, streams);
      streams = lowered.streams;
      entries.push(lowered.entry);
      for (const s of lowered.slots) if (!env.persistent.has(s.name)) env.persistent.set(s.name, s);
      for (const s of lowered.scalars) scalars.set(s.name, s);
    });
  }
  // Each stage on its own, so one file reports every bad count.
  const stages = model.schedule?.stages.map((s) =>
    guard(s.span, () => {
      if (s.easiest) checkScoringEntry(s.easiest.entry, entries);
      return lowerStage(s, scope);
    }),
  );
  if (diagnostics.length > 0) return { diagnostics };
  const schedule = stages && { stages: stages.filter((s) => s !== undefined) };
  const program: Program = {
    model: model.name.name,
    hyper,
    persistent: [...env.persistent.values()],
    scalars: [...scalars.values()],
    entries,
    batchInputs: declaredBatchInputs(model),
  };
  return { diagnostics, program: schedule ? { ...program, schedule } : program };
}

/**
 * `easiest F by ENTRY` ranks examples by ENTRY's first output, so it must be one f32
 * score per row of ENTRY's inputs: f32[batch].
 */
function checkScoringEntry(id: Ident, entries: readonly Entry[]): void {
  const e = entries.find((x) => x.name === id.name);
  if (!e) return; // the resolver reported it
  const batch = e.graph.args.find((a) => a.kind === 'input')?.value.type.shape[0];
  const out = e.graph.results[0];
  const t = out?.value.type;
  if (batch !== undefined && t && t.dtype === 'f32' && t.shape.length === 1 && t.shape[0] === batch) return;
  throw new LowerError(id.span, 'stage-rank-output', {
    name: id.name,
    batch: batch ?? 'batch',
    output: out?.name ?? '(none)',
    found: t ? typeToString(t) : 'missing',
  });
}

/** Inputs whose first dimension is written `batch`: `input x: f32[batch, 784]`. */
function declaredBatchInputs(model: ModelDecl): string[] {
  return model.items
    .filter((i): i is TensorDecl => i.kind === 'TensorDecl' && i.role === 'input')
    .filter((d) => d.type.shape[0]?.kind === 'Name' && d.type.shape[0].name === 'batch')
    .map((d) => d.name.name);
}

/** Evaluates `f32[batch, 784]` in `scope`. */
export function evalType(scope: Scope, t: TypeExpr, what?: string, hint?: string): TensorType {
  const env: Env = { ctx: null, scope };
  const shape = t.shape.map((d) => {
    const n = asInt(lowerExpr(env, d), d.span, 'a dimension (an integer)');
    if (n <= 0) throw new LowerError(d.span, 'bad-dimension', { value: n });
    return n;
  });
  checkSize({ dtype: t.dtype, shape }, t.span, what, hint);
  return { dtype: t.dtype, shape };
}

function evalInit(scope: Scope, e: Expr | undefined, decl: LoadTarget): Initializer {
  if (!e) return { name: 'zeros', args: {} };
  const name = e.kind === 'Name' ? e.name : e.kind === 'Call' && e.callee.kind === 'Name' ? e.callee.name : undefined;
  const def = name === undefined ? undefined : INITIALIZERS_BY_NAME.get(name);
  if (name === undefined || def === undefined) {
    throw new LowerError(e.span, 'not-an-initializer', { names: [...INITIALIZERS_BY_NAME.keys()].join(', ') });
  }
  if (name === 'load') return evalLoad(scope, e, decl);
  const params = def.params.map((p) => p.name);
  const args: Record<string, number> = {};
  if (e.kind === 'Call') {
    let position = 0;
    for (const a of e.args) {
      const key = a.name?.name ?? params[position++];
      if (key === undefined || !params.includes(key)) {
        throw new LowerError(a.span, 'initializer-args', {
          name,
          params: params.length === 0 ? 'no arguments' : `(${params.join(', ')})`,
        });
      }
      args[key] = asNumber(lowerExpr({ ctx: null, scope }, a.value), a.span);
    }
  }
  // Defaults are filled by the runtime from the same table; a required one must be given.
  const missing = def.params.find((p) => p.default === undefined && args[p.name] === undefined);
  if (missing) throw new LowerError(e.span, 'missing-arg', { what: 'initializer', name, param: missing.name });
  return { name, args };
}

const LOAD_PARAMS = INITIALIZERS_BY_NAME.get('load')!.params.map((p) => p.name);

/** `load(file, tensor)`: both compile-time strings; the file is read now (load-tensor.ts). */
function evalLoad(scope: Scope, e: Expr, decl: LoadTarget): Initializer {
  const args = e.kind === 'Call' ? e.args : [];
  const strings: Record<string, { value: string; span: Span }> = {};
  let position = 0;
  for (const a of args) {
    const key = a.name?.name ?? LOAD_PARAMS[position++];
    if (key === undefined || !LOAD_PARAMS.includes(key)) {
      throw new LowerError(a.span, 'initializer-args', { name: 'load', params: '(file, tensor)' });
    }
    const v = lowerExpr({ ctx: null, scope }, a.value);
    if (v.kind !== 'string') {
      const expected = `the ${key} name as a string`;
      throw new LowerError(a.value.span, 'expected-value', { expected, found: describe(v) });
    }
    strings[key] = { value: v.value, span: a.value.span };
  }
  const file = strings.file;
  if (!file) throw new LowerError(e.span, 'initializer-args', { name: 'load', params: '(file, tensor)' });
  const tensor = strings.tensor ?? { value: '', span: e.span };
  const where = { file: file.value, fileSpan: file.span, tensor: tensor.value, tensorSpan: tensor.span, span: e.span };
  return loadInitializer({ ...decl, ...where });
}

/** An input, param or state declaration; `prefix` is the layer instance path (`fc1.`). */
function declareTensor(env: ModelEnv, scope: Scope, prefix: string, d: TensorDecl, layer?: string): void {
  const name = prefix + d.name.name;
  const hint = d.role === 'input' ? 'use a smaller batch' : 'split it into smaller tensors (a layer into several)';
  const type = evalType(scope, d.type, `${d.role} '${name}'`, hint);
  if (d.role === 'input') {
    if (layer) throw new LowerError(d.span, 'input-in-layer', { name: layer });
    env.inputs.set(name, type);
  } else {
    const init = evalInit(scope, d.init, { role: d.role, name, type });
    env.persistent.set(name, { name, kind: d.role, type, init, span: d.span });
  }
  scope.define(d.name.name, { kind: 'global', name, role: d.role });
}

/** `layer fc1 = dense(784, hidden)`: binds the definition's parameters and declares its tensors. */
function instantiate(env: ModelEnv, outer: Scope, path: string, inst: LayerInstance): LVal {
  const def = env.layerDefs.get(inst.layer.name);
  if (!def) throw new LowerError(inst.layer.span, 'not-a-layer', { name: inst.layer.name, hint: '' });
  const scope = new Scope(layerTop(outer));
  const given = new Map<string, LVal>();
  let position = 0;
  for (const a of inst.args) {
    const key = a.name?.name ?? def.params[position++]?.name.name;
    const what = { what: 'layer', name: def.name.name };
    if (key === undefined)
      throw new LowerError(a.span, 'too-many-args', {
        ...what,
        max: def.params.length,
        s: def.params.length === 1 ? '' : 's',
        count: inst.args.length,
      });
    if (!def.params.some((p) => p.name.name === key))
      throw new LowerError(a.span, 'unknown-named-arg', { ...what, arg: key, hint: '' });
    if (given.has(key)) throw new LowerError(a.span, 'duplicate-arg', { arg: key });
    given.set(key, lowerExpr({ ctx: null, scope: outer }, a.value));
  }
  for (const p of def.params) {
    const v = given.get(p.name.name) ?? (p.default ? lowerExpr({ ctx: null, scope }, p.default) : undefined);
    if (v === undefined)
      throw new LowerError(inst.span, 'missing-arg', { what: 'layer', name: def.name.name, param: p.name.name });
    scope.define(p.name.name, v);
  }
  const members: string[] = [];
  withCallNote(inst.span, `in layer instance '${path}' = ${def.name.name}(...)`, () =>
    declareMembers(env, scope, path, def, members),
  );
  return { kind: 'layer', instance: { path, def, scope, members } };
}

/** The tensors and nested instances of one layer instance; `members` collects their names. */
function declareMembers(env: ModelEnv, scope: Scope, path: string, def: LayerDef, members: string[]): void {
  for (const item of def.items) {
    if (item.kind === 'TensorDecl') {
      declareTensor(env, scope, `${path}.`, item, def.name.name);
      members.push(item.name.name);
    } else if (item.kind === 'LayerInstance') {
      const child = instantiate(env, scope, `${path}.${item.name.name}`, item);
      scope.define(item.name.name, child);
      if (child.kind === 'layer') members.push(...child.instance.members.map((m) => `${item.name.name}.${m}`));
    } else {
      scope.define(item.name.name, { kind: 'fn', decl: item, closure: scope });
    }
  }
}

/** The top-level scope (fns of all files), under which every layer body is elaborated. */
function layerTop(s: Scope): Scope {
  let top = s;
  while (top.parent) top = top.parent;
  return top;
}
