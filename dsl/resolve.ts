// Name resolution and the checks that need no shapes. Algorithm:
// 1. collect the global scope (top-level layers and fns of every file) and report
//    duplicates;
// 2. per model and per layer definition, collect its scope (hyperparameters,
//    inputs, params, states, layer instances, fns) and check each declaration;
// 3. walk every body in order with nested scopes, resolving each name (with
//    "did you mean"), checking calls against the fn/layer/builtin signature,
//    statement placement (`<-`, `minimize`, `emit`, `return`) and entry outputs;
// 4. find recursion in the call graph among fns and layers (iteratively).
import type { Span } from '../runtime/errors';
import type * as A from './ast';
import { assertNever } from './ast';
import { MODULE_METHOD_NAMES } from './module-methods';
import { INITIALIZERS_BY_NAME } from '../runtime/init';
import { BUILTINS_BY_NAME } from './builtins';
import { ENTRY_WIDE_OPTIONS, OPTIMIZERS_BY_NAME, type OptimizerDef } from './optimizers';
import type { DiagnosticBag, DiagnosticNote } from './diagnostics';

type SymKind = 'hyper' | 'input' | 'param' | 'state' | 'instance' | 'fn' | 'layer' | 'local' | 'carry' | 'index';

interface Sym {
  readonly kind: SymKind;
  readonly name: string;
  readonly span: Span;
  readonly fn?: A.FnDecl;
  readonly layer?: A.LayerDef;
  readonly instance?: A.LayerInstance;
}

const DESCRIBE: Record<SymKind, string> = {
  hyper: 'a hyperparameter',
  input: 'an input',
  param: 'a param',
  state: 'a state tensor',
  instance: 'a layer instance',
  fn: 'a fn',
  layer: 'a layer definition',
  local: 'a local value',
  carry: 'a carried value',
  index: 'a loop index',
};

class Scope {
  readonly syms = new Map<string, Sym>();
  constructor(readonly parent?: Scope) {}
  lookup(name: string): Sym | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.syms.get(name);
      if (v) return v;
    }
    return undefined;
  }
  allNames(): string[] {
    const out: string[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) out.push(...s.syms.keys());
    return out;
  }
}

/**
 * Optimal-string-alignment distance (Damerau): insert, delete, substitute, or swap two neighbours,
 * each costing 1, so the common typo `tahn` is one edit from `tanh`. Bounded work for long names.
 */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.abs(a.length - b.length) + 64;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** ` (did you mean 'x'?)` for the closest candidate within a third of the name's length, else ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // A one-letter name is one edit from every other one-letter name: no hint.
    if (c === name || editDistance(name, c) >= name.length) continue;
    const d = editDistance(name, c);
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      if (d < bestD) bestD = d;
      best = c;
    }
  }
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

/**
 * didYouMean, then every valid name, for an unknown layer, optimizer, initializer
 * or option: ` (did you mean 'lr'?); its options are lr, momentum`. `valid` is
 * listed in the order given; none listed when there are none.
 */
export function unknownNameHint(name: string, valid: readonly string[], what: string): string {
  return (
    didYouMean(name, valid) +
    (valid.length === 0
      ? ''
      : `; ${valid.length === 1 ? `${what.replace(/s$/, '')} is` : `${what} are`} ${valid.join(', ')}`)
  );
}

interface Signature {
  readonly what: string;
  readonly name: string;
  readonly params: readonly { name: string; required: boolean; rest?: boolean }[];
}

/** Where a body sits, for statement placement checks. */
interface BodyContext {
  readonly entry?: A.EntryDecl;
  /** In a fn or forward body (return allowed). */
  readonly fnBody: boolean;
  readonly inLoop: boolean;
  readonly scan?: { emitted: boolean };
  minimized?: A.Minimize;
  /** Whether a `<-` may write a param (a param or a layer instance): a user update rule. */
  writesParam?: boolean;
  readonly assigned: Set<string>;
}

export class Resolver {
  private readonly global = new Scope();
  /** Call graph for recursion: from a fn/layer decl to the decls it uses. */
  private readonly edges = new Map<A.FnDecl | A.LayerDef, Set<A.FnDecl | A.LayerDef>>();
  private current: A.FnDecl | A.LayerDef | undefined;
  /** Names assigned later in the body being walked: for "used before defined". */
  private later = new Map<string, Span>();
  /** Hyperparameters read by some expression: the others are reported as unused. */
  private readonly readHypers = new Set<Sym>();

  constructor(private readonly diags: DiagnosticBag) {}

  resolveProgram(program: A.SourceProgram): void {
    for (const f of program.files) {
      for (const item of f.items) {
        if (item.kind === 'Model') continue;
        const kind: SymKind = item.kind === 'Fn' ? 'fn' : 'layer';
        const what = item.kind === 'Fn' ? 'fn' : 'layer';
        const sym: Sym =
          item.kind === 'Fn'
            ? { kind, name: item.name.name, span: item.name.span, fn: item }
            : { kind, name: item.name.name, span: item.name.span, layer: item };
        this.define(this.global, sym, 'duplicate-global', what);
      }
    }
    const models = new Map<string, A.ModelDecl>();
    for (const f of program.files) {
      for (const item of f.items) {
        switch (item.kind) {
          case 'Model': {
            const prev = models.get(item.name.name);
            if (prev)
              this.diags.report('duplicate-global', item.name.span, { what: 'model', name: item.name.name }, [
                { message: 'first defined here', span: prev.name.span },
              ]);
            else models.set(item.name.name, item);
            this.model(item);
            break;
          }
          case 'LayerDef':
            this.layerDef(item);
            break;
          case 'Fn': {
            this.current = item;
            this.fnDecl(item, this.global);
            this.current = undefined;
            break;
          }
          default:
            assertNever(item);
        }
      }
    }
    this.findRecursion();
  }

  private define(
    scope: Scope,
    sym: Sym,
    code: 'duplicate-name' | 'duplicate-global' | 'duplicate-param',
    what = '',
  ): void {
    const prev = scope.syms.get(sym.name);
    if (prev) {
      this.diags.report(code, sym.span, { name: sym.name, what }, [
        { message: `'${sym.name}' was first defined here`, span: prev.span },
      ]);
      return;
    }
    scope.syms.set(sym.name, sym);
  }

  // ---- declarations

  private model(m: A.ModelDecl): void {
    const scope = new Scope(this.global);
    this.hyperParams(m.hyper, scope, true);
    this.collectItems(m.items, scope);
    for (const item of m.items) {
      if (item.kind === 'Entry') {
        this.entry(item, scope, m);
      } else if (item.kind === 'Fn') {
        // A model's functions are call-graph nodes of their own (a layer's count as the layer).
        this.current = item;
        this.layerItem(item, scope);
        this.current = undefined;
      } else {
        this.layerItem(item, scope);
      }
    }
    if (m.schedule) this.schedule(m, m.schedule, scope);
    this.unusedHypers(m, scope);
  }

  /** A model hyperparameter nothing reads: `-D` on it would change nothing, so say so. */
  private unusedHypers(m: A.ModelDecl, scope: Scope): void {
    for (const h of m.hyper) {
      const sym = scope.syms.get(h.name.name);
      if (h.default && sym?.kind === 'hyper' && sym.span === h.name.span && !this.readHypers.has(sym))
        this.diags.report('unused-hyperparameter', h.name.span, { name: h.name.name, model: m.name.name });
    }
  }

  /**
   * A schedule's names: stages are unique, each trains a train entry and calls update
   * entries that take no inputs; stage lengths and counts are hyperparameter expressions.
   */
  private schedule(m: A.ModelDecl, s: A.ScheduleDecl, scope: Scope): void {
    const entries = new Map(m.items.filter((i): i is A.EntryDecl => i.kind === 'Entry').map((e) => [e.name.name, e]));
    const lookup = (id: A.Ident): A.EntryDecl | undefined => {
      const e = entries.get(id.name);
      if (!e)
        this.diags.report('schedule-unknown-entry', id.span, {
          model: m.name.name,
          name: id.name,
          hint: didYouMean(id.name, entries.keys()),
        });
      return e;
    };
    const article = (e: A.EntryDecl) => `${e.entry === 'infer' || e.entry === 'update' ? 'an' : 'a'} '${e.entry}'`;
    const takesInputs = (e: A.EntryDecl) => e.params.filter((p) => !p.default).map((p) => p.name.name);
    const names = new Map<string, A.Ident>();
    for (const st of s.stages) {
      const prev = names.get(st.name.name);
      if (prev)
        this.diags.report('duplicate-global', st.name.span, { what: 'stage', name: st.name.name }, [
          { message: 'first defined here', span: prev.span },
        ]);
      else names.set(st.name.name, st.name);
      for (const d of [
        st.length,
        st.eval?.kind === 'Duration' ? st.eval : undefined,
        ...st.calls.map((c) => c.every),
      ]) {
        if (d) this.expr(d.count, scope);
      }
      // `cosine(total = n)`: the schedule's kind is a word, its arguments may name hyperparameters.
      if (st.lrSchedule?.kind === 'Call') for (const a of st.lrSchedule.args) this.expr(a.value, scope);
      if (st.easiest) {
        this.expr(st.easiest.fraction, scope);
        const r = lookup(st.easiest.entry);
        if (r && r.entry !== 'infer')
          this.diags.report('stage-rank-not-infer', st.easiest.entry.span, { name: r.name.name, kind: article(r) });
      }
      if (!st.length) this.diags.report('stage-without-length', st.name.span, { stage: st.name.name });
      const e = lookup(st.entry);
      if (e && e.entry !== 'train')
        this.diags.report('stage-not-train', st.entry.span, {
          stage: st.name.name,
          name: e.name.name,
          kind: article(e),
        });
      if (e && e.entry === 'train' && takesInputs(e).length === 0) {
        const stage = st.name.name;
        const name = e.name.name;
        const misuse =
          st.length?.unit === 'epochs'
            ? {
                span: st.length.span,
                why: "give its length in steps ('for N steps'); there are no epochs without data",
              }
            : st.data
              ? { span: st.data.span, why: "drop 'data'" }
              : st.bind
                ? { span: st.bind.span, why: "drop 'bind'" }
                : st.easiest
                  ? { span: st.easiest.span, why: "drop 'easiest': there are no examples to choose from" }
                  : undefined;
        if (misuse) this.diags.report('stage-data-free', misuse.span, { stage, name, why: misuse.why });
        // Without data the stage is one long epoch: a count of epochs would come due at its end or never.
        const perEpoch = [
          ...(st.eval && st.eval.kind !== 'NoEval' ? [{ d: st.eval, what: "'eval every N steps'" }] : []),
          ...st.calls.flatMap((c) => (c.every ? [{ d: c.every, what: "'every N steps call'" }] : [])),
        ];
        for (const { d, what } of perEpoch)
          if (d.unit === 'epochs')
            this.diags.report('stage-data-free', d.span, {
              stage,
              name,
              why: `count in steps (${what}); there are no epochs without data`,
            });
      }
      for (const c of st.calls) {
        const u = lookup(c.entry);
        if (!u) continue;
        if (u.entry !== 'update')
          this.diags.report('schedule-call-not-update', c.entry.span, { name: u.name.name, kind: article(u) });
        else if (takesInputs(u).length > 0)
          this.diags.report('schedule-call-with-inputs', c.entry.span, {
            name: u.name.name,
            inputs: takesInputs(u).join(', '),
          });
      }
    }
  }

  /** Hyperparameters of a model (each needs a default) or a layer: defaults resolved, names defined. */
  private hyperParams(params: readonly A.Param[], scope: Scope, defaultRequired: boolean): void {
    for (const h of params) {
      if (h.default) this.expr(h.default, scope);
      else if (defaultRequired) this.diags.report('missing-hyper-default', h.name.span, { name: h.name.name });
      this.define(scope, { kind: 'hyper', name: h.name.name, span: h.name.span }, 'duplicate-param');
    }
  }

  /** An item of a layer body, or the same kind of item in a model, after collectItems defined its name. */
  private layerItem(item: A.LayerItem, scope: Scope): void {
    switch (item.kind) {
      case 'TensorDecl':
        this.tensorDecl(item, scope);
        break;
      case 'LayerInstance':
        this.instance(item, scope);
        break;
      case 'Fn':
        this.fnDecl(item, scope);
        break;
      default:
        assertNever(item);
    }
  }

  private collectItems(items: readonly (A.ModelItem | A.LayerItem)[], scope: Scope): void {
    for (const item of items) {
      switch (item.kind) {
        case 'TensorDecl':
          this.define(scope, { kind: item.role, name: item.name.name, span: item.name.span }, 'duplicate-name');
          break;
        case 'LayerInstance':
          this.define(
            scope,
            { kind: 'instance', name: item.name.name, span: item.name.span, instance: item },
            'duplicate-name',
          );
          break;
        case 'Fn':
          this.define(scope, { kind: 'fn', name: item.name.name, span: item.name.span, fn: item }, 'duplicate-name');
          break;
        case 'Entry':
          this.define(scope, { kind: 'local', name: item.name.name, span: item.name.span }, 'duplicate-name');
          break;
        default:
          assertNever(item);
      }
    }
  }

  private layerDef(l: A.LayerDef): void {
    this.current = l;
    const scope = new Scope(this.global);
    this.hyperParams(l.params, scope, false);
    this.collectItems(l.items, scope);
    for (const item of l.items) this.layerItem(item, scope);
    if (l.forward) this.callable(l.forward.params, l.forward.body, scope);
    this.current = undefined;
  }

  private tensorDecl(d: A.TensorDecl, scope: Scope): void {
    for (const dim of d.type.shape) this.expr(dim, scope);
    if (d.role === 'input') {
      if (d.init) this.diags.report('input-with-init', d.init.span, { name: d.name.name });
      return;
    }
    if (!d.init) {
      this.diags.report('missing-init', d.name.span, { role: d.role, name: d.name.name });
      return;
    }
    const init = d.init;
    const nameNode = init.kind === 'Call' ? init.callee : init;
    if (nameNode.kind !== 'Name') {
      this.diags.report('unknown-initializer', init.span, { name: '(expression)', hint: '' });
      return;
    }
    const def = INITIALIZERS_BY_NAME.get(nameNode.name);
    if (!def) {
      this.diags.report('unknown-initializer', nameNode.span, {
        name: nameNode.name,
        hint: unknownNameHint(nameNode.name, [...INITIALIZERS_BY_NAME.keys()].sort(), 'the initializers'),
      });
      return;
    }
    const required = def.params.find((p) => p.default === undefined);
    if (init.kind !== 'Call' && required) {
      this.diags.report('missing-arg', init.span, { what: 'initializer', name: def.name, param: required.name });
    }
    if (init.kind === 'Call') {
      this.checkArgs(
        {
          what: 'initializer',
          name: def.name,
          params: def.params.map((p) => ({ name: p.name, required: p.default === undefined })),
        },
        init.args,
        0,
        init.span,
      );
      for (const a of init.args) this.expr(a.value, scope);
    }
  }

  private instance(inst: A.LayerInstance, scope: Scope): void {
    const sym = this.global.lookup(inst.layer.name);
    for (const a of inst.args) this.expr(a.value, scope);
    if (!sym || sym.kind !== 'layer' || !sym.layer) {
      const layers = [...this.global.syms.values()].filter((s) => s.kind === 'layer').map((s) => s.name);
      this.diags.report('not-a-layer', inst.layer.span, {
        name: inst.layer.name,
        hint: unknownNameHint(inst.layer.name, layers.sort(), 'the layers'),
      });
      return;
    }
    this.edge(sym.layer);
    const def = sym.layer;
    this.checkArgs(
      {
        what: 'layer',
        name: def.name.name,
        params: def.params.map((p) => ({ name: p.name.name, required: !p.default })),
      },
      inst.args,
      0,
      inst.span,
      def.name.span,
    );
  }

  private fnDecl(f: A.FnDecl, scope: Scope): void {
    this.callable(f.params, f.body, scope);
  }

  /** A fn or forward: params in a new scope, then the body. */
  private callable(params: readonly A.Param[], body: A.Body, outer: Scope): void {
    const scope = new Scope(outer);
    for (const p of params) {
      if (p.type) for (const d of p.type.shape) this.expr(d, outer);
      if (p.default) this.expr(p.default, outer);
      this.define(scope, { kind: 'local', name: p.name.name, span: p.name.span }, 'duplicate-param');
    }
    if (body.kind === 'ExprBody') {
      this.expr(body.expr, scope);
      return;
    }
    const ctx: BodyContext = { fnBody: true, inLoop: false, assigned: new Set() };
    this.stmts(body.stmts, scope, ctx);
    if (!body.stmts.some((st) => st.kind === 'Return')) this.diags.report('missing-return', body.span);
  }

  private entry(e: A.EntryDecl, modelScope: Scope, m: A.ModelDecl): void {
    const scope = new Scope(modelScope);
    if (MODULE_METHOD_NAMES.has(e.name.name)) {
      const names = [...MODULE_METHOD_NAMES].join(', ');
      this.diags.report('entry-name-reserved', e.name.span, { name: e.name.name, names });
    }
    for (const p of e.params) {
      if (p.type) {
        for (const d of p.type.shape) this.expr(d, modelScope);
        this.define(scope, { kind: 'input', name: p.name.name, span: p.name.span }, 'duplicate-param');
      } else if (p.default) {
        this.expr(p.default, modelScope);
        this.define(scope, { kind: 'hyper', name: p.name.name, span: p.name.span }, 'duplicate-param');
      } else {
        const sym = modelScope.lookup(p.name.name);
        if (!sym || sym.kind !== 'input')
          this.diags.report(
            'entry-param-not-input',
            p.name.span,
            { name: p.name.name, model: m.name.name },
            sym ? [{ message: `'${p.name.name}' is ${DESCRIBE[sym.kind]} defined here`, span: sym.span }] : [],
          );
        if (scope.syms.has(p.name.name)) this.diags.report('duplicate-param', p.name.span, { name: p.name.name });
        else scope.syms.set(p.name.name, { kind: 'input', name: p.name.name, span: p.name.span });
      }
    }
    const ctx: BodyContext = { entry: e, fnBody: false, inLoop: false, assigned: new Set() };
    this.stmts(e.body, scope, ctx);
    if (e.entry === 'train' && !ctx.minimized && !ctx.writesParam)
      this.diags.report('train-without-minimize', e.name.span, { name: e.name.name });
    for (const o of e.outputs) {
      if (!ctx.assigned.has(o.name))
        this.diags.report('output-not-assigned', o.span, { name: o.name, entry: e.name.name });
    }
  }

  // ---- statements

  private stmts(stmts: readonly A.Stmt[], scope: Scope, ctx: BodyContext): void {
    const savedLater = this.later;
    this.later = new Map(savedLater);
    for (const s of stmts)
      if (s.kind === 'Assign')
        for (const t of s.targets)
          if (t.name && !scope.lookup(t.name.name) && !this.later.has(t.name.name))
            this.later.set(t.name.name, t.name.span);
    stmts.forEach((s, i) => {
      this.stmt(s, scope, ctx);
      if (s.kind === 'Return' && i !== stmts.length - 1) this.diags.report('return-not-last', s.span);
    });
    this.later = savedLater;
  }

  private stmt(s: A.Stmt, scope: Scope, ctx: BodyContext): void {
    switch (s.kind) {
      case 'Assign': {
        this.expr(s.value, scope);
        for (const t of s.targets) {
          if (!t.name) continue;
          const name = t.name.name;
          const sym = scope.lookup(name);
          if (
            sym &&
            (sym.kind === 'hyper' ||
              sym.kind === 'input' ||
              sym.kind === 'param' ||
              sym.kind === 'state' ||
              sym.kind === 'instance' ||
              sym.kind === 'fn' ||
              sym.kind === 'layer' ||
              sym.kind === 'index')
          ) {
            this.diags.report('assign-to-global', t.name.span, { what: DESCRIBE[sym.kind], name }, [
              { message: `'${name}' is defined here`, span: sym.span },
            ]);
            continue;
          }
          if (!sym) scope.syms.set(name, { kind: 'local', name, span: t.name.span });
          this.later.delete(name);
          ctx.assigned.add(name);
        }
        return;
      }
      case 'StateAssign': {
        if (!ctx.entry || ctx.inLoop) this.diags.report('state-assign-in-fn', s.span);
        this.expr(s.value, scope, true);
        const kind = this.stateTarget(s.target, scope);
        if (kind === 'param' || kind === 'instance') ctx.writesParam = true;
        return;
      }
      case 'Minimize': {
        this.expr(s.loss, scope);
        if (!ctx.entry || ctx.entry.entry !== 'train') this.diags.report('minimize-outside-train', s.span);
        else if (ctx.inLoop) this.diags.report('minimize-in-loop', s.span);
        else if (ctx.minimized)
          this.diags.report('minimize-twice', s.span, {}, [
            { message: 'first minimize is here', span: ctx.minimized.span },
          ]);
        else ctx.minimized = s;
        this.optimizer(s, scope);
        return;
      }
      case 'Emit':
        for (const v of s.values) this.expr(v, scope);
        if (!ctx.scan) this.diags.report('emit-outside-scan', s.span);
        else ctx.scan.emitted = true;
        return;
      case 'Return':
        for (const v of s.values) this.expr(v, scope);
        if (!ctx.fnBody || ctx.inLoop) this.diags.report('return-outside-fn', s.span);
        return;
      default:
        assertNever(s, 'statement');
    }
  }

  /** A name after `over` or in a param group: a param or a layer instance (whose params it means). */
  private paramRef(t: A.Expr, scope: Scope): void {
    let kind: SymKind | undefined;
    let defined: Span | undefined;
    if (t.kind === 'Name') {
      const sym = scope.lookup(t.name);
      if (!sym) {
        this.diags.report('undefined-name', t.span, { name: t.name, hint: didYouMean(t.name, scope.allNames()) });
        return;
      }
      kind = sym.kind;
      defined = sym.span;
    } else if (t.kind === 'Member') {
      kind = this.member(t, scope);
      if (!kind) return;
    } else {
      this.expr(t, scope);
      this.diags.report('not-a-param', t.span, { name: '(expression)', what: 'a value' });
      return;
    }
    if (kind === 'param' || kind === 'instance') return;
    const notes = defined ? [{ message: `'${exprName(t)}' is defined here`, span: defined }] : [];
    this.diags.report('not-a-param', t.span, { name: exprName(t), what: DESCRIBE[kind] }, notes);
  }

  /** A param group's options: the optimizer's, less those that act on the whole entry. */
  private groupOptions(def: OptimizerDef, g: A.ParamGroup, scope: Scope): void {
    const names = def.options.map((o) => o.name).filter((n) => !ENTRY_WIDE_OPTIONS.includes(n));
    const seen = new Set<string>();
    for (const a of g.options) {
      this.expr(a.value, scope);
      if (!a.name) this.diags.report('optimizer-positional', a.span);
      else if (ENTRY_WIDE_OPTIONS.includes(a.name.name)) {
        this.diags.report('entry-wide-group-option', a.name.span, { option: a.name.name });
      } else if (!names.includes(a.name.name)) {
        this.diags.report('unknown-group-option', a.name.span, {
          name: def.name,
          option: a.name.name,
          options: names.join(', '),
        });
      } else if (seen.has(a.name.name)) this.diags.report('duplicate-arg', a.name.span, { arg: a.name.name });
      if (a.name) seen.add(a.name.name);
    }
  }

  /** Checks a `<-` target; its kind when it names one. */
  private stateTarget(t: A.Expr, scope: Scope): SymKind | undefined {
    if (t.kind === 'Name') {
      const sym = scope.lookup(t.name);
      if (!sym) {
        this.diags.report('undefined-name', t.span, { name: t.name, hint: didYouMean(t.name, scope.allNames()) });
      } else if (sym.kind !== 'state' && sym.kind !== 'param' && sym.kind !== 'instance') {
        this.diags.report('bad-state-assign', t.span, { name: t.name, what: DESCRIBE[sym.kind] }, [
          { message: `'${t.name}' is defined here`, span: sym.span },
        ]);
      }
      return sym?.kind;
    }
    const kind = this.member(t as A.Member, scope);
    if (kind && kind !== 'state' && kind !== 'param' && kind !== 'instance')
      this.diags.report('bad-state-assign', t.span, { name: exprName(t), what: DESCRIBE[kind] });
    return kind;
  }

  private optimizer(s: A.Minimize, scope: Scope): void {
    const def = OPTIMIZERS_BY_NAME.get(s.optimizer.name);
    for (const a of s.args) this.expr(a.value, scope);
    for (const p of [...(s.over?.items ?? []), ...s.groups.flatMap((g) => g.params.items)]) this.paramRef(p, scope);
    if (def) for (const g of s.groups) this.groupOptions(def, g, scope);
    if (!def) {
      this.diags.report('unknown-optimizer', s.optimizer.span, {
        name: s.optimizer.name,
        hint: unknownNameHint(s.optimizer.name, [...OPTIMIZERS_BY_NAME.keys()].sort(), 'the optimizers'),
      });
      return;
    }
    const seen = new Set<string>();
    for (const a of s.args) {
      if (!a.name) {
        this.diags.report('optimizer-positional', a.span);
        continue;
      }
      const names = def.options.map((o) => o.name);
      if (!names.includes(a.name.name))
        this.diags.report('unknown-optimizer-option', a.name.span, {
          name: def.name,
          option: a.name.name,
          hint: unknownNameHint(a.name.name, names, 'its options'),
        });
      else if (seen.has(a.name.name)) this.diags.report('duplicate-arg', a.name.span, { arg: a.name.name });
      seen.add(a.name.name);
    }
  }

  // ---- expressions

  /**
   * Resolves names in an expression. Walks with an explicit work list where the
   * tree is deep (binary chains); nesting through brackets is bounded by
   * dsl/tokens.ts, so the recursion here is too.
   */
  private expr(e: A.Expr, scope: Scope, valueMayBeInstance = false): void {
    switch (e.kind) {
      case 'Number':
      case 'Bool':
      case 'String':
        return;
      case 'Name':
        this.nameValue(e, scope, valueMayBeInstance);
        return;
      case 'Member':
        this.member(e, scope);
        return;
      case 'Unary':
        this.expr(e.operand, scope);
        return;
      case 'Binary': {
        // Left-deep chains: iterate down the left spine.
        let cur: A.Expr = e;
        const rights: A.Expr[] = [];
        while (cur.kind === 'Binary') {
          rights.push(cur.right);
          cur = cur.left;
        }
        this.expr(cur, scope);
        for (let i = rights.length - 1; i >= 0; i--) this.expr(rights[i]!, scope);
        return;
      }
      case 'Pipe':
        this.expr(e.value, scope);
        this.callTarget(e.target, scope, 1, e.span);
        return;
      case 'Transpose':
        this.expr(e.operand, scope);
        return;
      case 'Call':
        this.callTarget(e, scope, 0, e.span);
        return;
      case 'Index':
        this.expr(e.object, scope);
        for (const it of e.items) {
          if (it.kind === 'Slice') {
            if (it.start) this.expr(it.start, scope);
            if (it.end) this.expr(it.end, scope);
            if (it.step) this.expr(it.step, scope);
          } else this.expr(it, scope);
        }
        return;
      case 'List':
        for (const it of e.items) this.expr(it, scope);
        return;
      case 'Repeat':
      case 'Scan': {
        if (e.kind === 'Repeat') this.expr(e.count, scope);
        else this.expr(e.length, scope);
        const inner = new Scope(scope);
        if (e.kind === 'Scan') inner.syms.set(e.index.name, { kind: 'index', name: e.index.name, span: e.index.span });
        for (const c of e.carries) {
          this.expr(c.init, scope);
          this.define(inner, { kind: 'carry', name: c.name.name, span: c.name.span }, 'duplicate-name');
        }
        const scan = e.kind === 'Scan' ? { emitted: false } : undefined;
        const ctx: BodyContext = { fnBody: false, inLoop: true, ...(scan ? { scan } : {}), assigned: new Set() };
        this.stmts(e.body, inner, ctx);
        if (scan && !scan.emitted) this.diags.report('scan-without-emit', e.span);
        for (const c of e.carries)
          if (!ctx.assigned.has(c.name.name))
            this.diags.report('carry-not-assigned', c.name.span, { name: c.name.name });
        return;
      }
      default:
        assertNever(e, 'expression');
    }
  }

  private nameValue(e: A.Name, scope: Scope, valueMayBeInstance: boolean): Sym | undefined {
    if (e.name === '_') {
      this.diags.report('wildcard-as-value', e.span);
      return undefined;
    }
    const sym = scope.lookup(e.name);
    if (!sym) {
      const later = this.later.get(e.name);
      if (later)
        this.diags.report('use-before-definition', e.span, { name: e.name }, [
          { message: `'${e.name}' is defined here`, span: later },
        ]);
      else if (BUILTINS_BY_NAME.has(e.name))
        this.diags.report('not-a-value', e.span, { name: e.name, what: 'a builtin function' });
      else
        this.diags.report('undefined-name', e.span, {
          name: e.name,
          hint: didYouMean(e.name, [...scope.allNames(), ...BUILTINS_BY_NAME.keys()]),
        });
      return undefined;
    }
    if (sym.kind === 'hyper') this.readHypers.add(sym);
    if (sym.kind === 'fn' || sym.kind === 'layer' || (sym.kind === 'instance' && !valueMayBeInstance)) {
      this.diags.report('not-a-value', e.span, { name: e.name, what: DESCRIBE[sym.kind] });
    }
    return sym;
  }

  /** Resolves `a.b.c`; returns what the last member is, if known. */
  private member(e: A.Member, scope: Scope): SymKind | undefined {
    let layer: A.LayerDef | undefined;
    let objName: string;
    if (e.object.kind === 'Name') {
      const sym = scope.lookup(e.object.name);
      objName = e.object.name;
      if (!sym) {
        this.diags.report('undefined-name', e.object.span, {
          name: e.object.name,
          hint: didYouMean(e.object.name, scope.allNames()),
        });
        return undefined;
      }
      if (sym.kind !== 'instance' || !sym.instance) {
        this.diags.report('not-a-layer-instance', e.object.span, { name: e.object.name, what: DESCRIBE[sym.kind] });
        return undefined;
      }
      layer = this.global.lookup(sym.instance.layer.name)?.layer;
    } else if (e.object.kind === 'Member') {
      const k = this.member(e.object, scope);
      if (k !== 'instance') {
        if (k)
          this.diags.report('not-a-layer-instance', e.object.span, { name: exprName(e.object), what: DESCRIBE[k] });
        return undefined;
      }
      objName = exprName(e.object);
      layer = this.memberLayer(e.object, scope);
    } else {
      this.expr(e.object, scope);
      this.diags.report('not-a-layer-instance', e.object.span, { name: '(expression)', what: 'a value' });
      return undefined;
    }
    if (!layer) return undefined; // the instance's layer is unknown: reported at the instance
    const item = layer.items.find((i) => i.name.name === e.member.name);
    if (!item) {
      this.diags.report(
        'undefined-member',
        e.member.span,
        {
          object: objName,
          member: e.member.name,
          hint: didYouMean(
            e.member.name,
            layer.items.map((i) => i.name.name),
          ),
        },
        [{ message: `layer '${layer.name.name}' is defined here`, span: layer.name.span }],
      );
      return undefined;
    }
    return item.kind === 'TensorDecl' ? item.role : item.kind === 'LayerInstance' ? 'instance' : 'fn';
  }

  private memberLayer(e: A.Expr, scope: Scope): A.LayerDef | undefined {
    if (e.kind === 'Name') {
      const inst = scope.lookup(e.name)?.instance;
      return inst ? this.global.lookup(inst.layer.name)?.layer : undefined;
    }
    if (e.kind === 'Member') {
      const outer = this.memberLayer(e.object, scope);
      const item = outer?.items.find((i) => i.name.name === e.member.name);
      return item?.kind === 'LayerInstance' ? this.global.lookup(item.layer.name)?.layer : undefined;
    }
    return undefined;
  }

  /** A call, or the target of a pipe (which supplies `extra` leading arguments). */
  private callTarget(target: A.Expr, scope: Scope, extra: number, span: Span): void {
    const callee = target.kind === 'Call' ? target.callee : target;
    const args = target.kind === 'Call' ? target.args : [];
    for (const a of args) this.expr(a.value, scope);
    const sig = this.signatureOf(callee, scope);
    if (sig) this.checkArgs(sig.sig, args, extra, span, sig.defSpan);
  }

  private signatureOf(callee: A.Expr, scope: Scope): { sig: Signature; defSpan?: Span } | undefined {
    if (callee.kind === 'Member') {
      const kind = this.member(callee, scope);
      if (kind && kind !== 'fn' && kind !== 'instance')
        this.diags.report('not-callable', callee.span, { name: exprName(callee), what: DESCRIBE[kind] });
      return undefined;
    }
    if (callee.kind !== 'Name') {
      this.expr(callee, scope);
      this.diags.report('not-callable', callee.span, { name: '(expression)', what: 'a value' });
      return undefined;
    }
    const name = callee.name;
    const sym = scope.lookup(name);
    if (sym?.kind === 'fn' && sym.fn) {
      this.edge(sym.fn);
      return {
        sig: { what: 'fn', name, params: sym.fn.params.map((p) => ({ name: p.name.name, required: !p.default })) },
        defSpan: sym.fn.name.span,
      };
    }
    if (sym?.kind === 'instance' && sym.instance) {
      const layer = this.global.lookup(sym.instance.layer.name)?.layer;
      if (!layer?.forward) return undefined;
      return {
        sig: {
          what: 'layer instance',
          name,
          params: layer.forward.params.map((p) => ({ name: p.name.name, required: !p.default })),
        },
        defSpan: layer.forward.span,
      };
    }
    if (sym?.kind === 'layer') {
      this.diags.report('not-callable', callee.span, {
        name,
        what: "a layer definition (make an instance: 'layer l = " + name + "(...)')",
      });
      return undefined;
    }
    if (sym) {
      this.diags.report('not-callable', callee.span, { name, what: DESCRIBE[sym.kind] });
      return undefined;
    }
    const builtin = BUILTINS_BY_NAME.get(name);
    if (builtin) {
      return {
        sig: {
          what: 'builtin',
          name,
          params: builtin.params.map((p) => ({
            name: p.name,
            required: p.default === undefined && !p.rest,
            ...(p.rest ? { rest: true } : {}),
          })),
        },
      };
    }
    const later = this.later.get(name);
    if (later)
      this.diags.report('use-before-definition', callee.span, { name }, [
        { message: `'${name}' is defined here`, span: later },
      ]);
    else
      this.diags.report('undefined-name', callee.span, {
        name,
        hint: didYouMean(name, [...scope.allNames(), ...BUILTINS_BY_NAME.keys()]),
      });
    return undefined;
  }

  private checkArgs(sig: Signature, args: readonly A.Arg[], extra: number, span: Span, defSpan?: Span): void {
    const notes: DiagnosticNote[] = defSpan ? [{ message: `'${sig.name}' is defined here`, span: defSpan }] : [];
    const given = new Set<string>();
    let positional = extra;
    let sawNamed = false;
    const rest = sig.params.findIndex((p) => p.rest);
    for (const a of args) {
      if (!a.name) {
        if (sawNamed) {
          this.diags.report('positional-after-named', a.span);
          return;
        }
        positional++;
        continue;
      }
      sawNamed = true;
      const name = a.name.name;
      if (!sig.params.some((p) => p.name === name && !p.rest)) {
        this.diags.report(
          'unknown-named-arg',
          a.name.span,
          {
            what: sig.what,
            name: sig.name,
            arg: name,
            hint: unknownNameHint(
              name,
              sig.params.filter((p) => !p.rest).map((p) => p.name),
              'its parameters',
            ),
          },
          notes,
        );
        return;
      }
      if (given.has(name)) {
        this.diags.report('duplicate-arg', a.name.span, { arg: name });
        return;
      }
      given.add(name);
    }
    const maxPositional = rest >= 0 ? Infinity : sig.params.length;
    if (positional > maxPositional) {
      this.diags.report(
        'too-many-args',
        span,
        { what: sig.what, name: sig.name, max: maxPositional, s: maxPositional === 1 ? '' : 's', count: positional },
        notes,
      );
      return;
    }
    sig.params.forEach((p, i) => {
      if (rest >= 0 && i >= rest) return;
      const byPosition = i < positional;
      if (byPosition && given.has(p.name)) this.diags.report('duplicate-arg', span, { arg: p.name });
      else if (p.required && !byPosition && !given.has(p.name))
        this.diags.report('missing-arg', span, { what: sig.what, name: sig.name, param: p.name }, notes);
    });
  }

  // ---- recursion

  private edge(to: A.FnDecl | A.LayerDef): void {
    if (!this.current) return;
    let set = this.edges.get(this.current);
    if (!set) this.edges.set(this.current, (set = new Set()));
    set.add(to);
  }

  /** Iterative DFS; reports each cycle once, at its first declaration. */
  private findRecursion(): void {
    const state = new Map<A.FnDecl | A.LayerDef, 'active' | 'done'>();
    for (const start of this.edges.keys()) {
      if (state.has(start)) continue;
      const stack: { node: A.FnDecl | A.LayerDef; it: Iterator<A.FnDecl | A.LayerDef> }[] = [];
      const path: (A.FnDecl | A.LayerDef)[] = [];
      const push = (n: A.FnDecl | A.LayerDef): void => {
        state.set(n, 'active');
        path.push(n);
        stack.push({ node: n, it: (this.edges.get(n) ?? new Set()).values() });
      };
      push(start);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const next = top.it.next();
        if (next.done) {
          state.set(top.node, 'done');
          stack.pop();
          path.pop();
          continue;
        }
        const n = next.value;
        const s = state.get(n);
        if (s === 'active') {
          const cycle = path.slice(path.indexOf(n));
          const names = [...cycle, n].map((c) => `'${c.name.name}'`).join(' -> ');
          this.diags.report(
            'recursion',
            n.name.span,
            { cycle: names },
            cycle.slice(1).map((c) => ({ message: `'${c.name.name}' is defined here`, span: c.name.span })),
          );
        } else if (s === undefined) push(n);
      }
    }
  }
}

function exprName(e: A.Expr): string {
  if (e.kind === 'Name') return e.name;
  if (e.kind === 'Member') return `${exprName(e.object)}.${e.member.name}`;
  return '(expression)';
}

export function resolveProgram(program: A.SourceProgram, diags: DiagnosticBag): void {
  new Resolver(diags).resolveProgram(program);
}
