// Turns an error-free concrete syntax tree (dsl/parser.ts) into the typed AST.
// Binary precedence is applied here with an explicit operator stack (shunting
// yard), so long operator chains cost no recursion. Placement rules the grammar
// leaves open (a layer definition inside a model, an `input` inside a layer, the
// forward function's position) are reported here.
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Span } from '../runtime/errors';
import type * as A from './ast';
import { DTYPE_NAMES } from './ast';
import type { DiagnosticBag } from './diagnostics';

/** Binding strength of binary operators; prefix `-`/`not` sit between `* / @` and `**`. */
const PRECEDENCE: Record<string, number> = {
  '|>': 1,
  or: 2,
  and: 3,
  '==': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
  '@': 6,
  '**': 8,
};
const PREFIX_PRECEDENCE = 7;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/** The clauses of a stage as they are read, before the StageDecl is made. */
type StageClauses = {
  -readonly [K in 'length' | 'data' | 'bind' | 'lrSchedule' | 'eval' | 'easiest']?: A.StageDecl[K];
} & { calls: A.StageCall[] };

/** `1 epoch` reads as well as `2 epochs`. */
const UNIT_WORDS: Record<string, A.DurationUnit> = { epochs: 'epochs', epoch: 'epochs', steps: 'steps', step: 'steps' };

function wordOf(e: A.Expr): string | undefined {
  return e.kind === 'Name' ? e.name : undefined;
}

function describeWord(e: A.Expr): string {
  if (e.kind === 'Name') return `'${e.name}'`;
  if (e.kind === 'Number') return `'${e.raw}'`;
  if (e.kind === 'String') return 'a string';
  return 'an expression';
}

export class AstBuilder {
  constructor(
    private readonly file: string,
    private readonly diags: DiagnosticBag,
  ) {}

  // ---- helpers over CST children

  private nodes(n: CstNode, key: string): CstNode[] {
    // A key names either a rule (all CstNodes) or a token type (all tokens).
    return (n.children[key] ?? []) as CstNode[];
  }
  private node(n: CstNode, key: string, i = 0): CstNode {
    const c = this.nodes(n, key)[i];
    if (!c) throw new Error(`CST '${n.name}' has no '${key}'[${i}]`);
    return c;
  }
  private maybeNode(n: CstNode, key: string): CstNode | undefined {
    return this.nodes(n, key)[0];
  }
  private tokens(n: CstNode, key: string): IToken[] {
    return (n.children[key] ?? []) as IToken[];
  }
  private tok(n: CstNode, key: string, i = 0): IToken {
    const t = this.tokens(n, key)[i];
    if (!t) throw new Error(`CST '${n.name}' has no token '${key}'[${i}]`);
    return t;
  }

  spanOf(n: CstNode): Span {
    const l = n.location!;
    return {
      file: this.file,
      line: l.startLine ?? 1,
      col: l.startColumn ?? 1,
      endLine: l.endLine ?? 1,
      endCol: (l.endColumn ?? 0) + 1,
    };
  }
  private tokSpan(t: IToken): Span {
    return {
      file: this.file,
      line: t.startLine ?? 1,
      col: t.startColumn ?? 1,
      endLine: t.endLine ?? 1,
      endCol: (t.endColumn ?? 0) + 1,
    };
  }
  private join(a: Span, b: Span): Span {
    return { file: this.file, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
  }
  private ident(t: IToken): A.Ident {
    return { kind: 'Ident', name: t.image, span: this.tokSpan(t) };
  }
  private misplaced(what: string, where: string, span: Span): void {
    this.diags.report('misplaced-item', span, { what, where });
  }

  // ---- file and declarations

  buildFile(root: CstNode): A.SourceFile {
    const imports: A.ImportDecl[] = [];
    const items: A.TopItem[] = [];
    for (const top of this.nodes(root, 'topItem')) {
      const [kind, n] = this.only(top);
      switch (kind) {
        case 'importDecl': {
          const span = this.spanOf(n);
          if (items.length > 0) this.diags.report('import-not-first', span);
          imports.push({ kind: 'Import', path: this.stringValue(this.tok(n, 'String')), span });
          break;
        }
        case 'modelDecl':
          items.push(this.model(n));
          break;
        case 'layerDecl': {
          const l = this.layerDecl(n);
          if (l.kind === 'LayerDef') items.push(l);
          else this.misplaced('a layer instance', 'outside a model or layer', l.span);
          break;
        }
        case 'fnDecl':
          items.push(this.fn(n));
          break;
        default:
          throw new Error(`unexpected top item ${kind}`);
      }
    }
    const span: Span = {
      file: this.file,
      line: 1,
      col: 1,
      endLine: root.location?.endLine ?? 1,
      endCol: (root.location?.endColumn ?? 0) + 1,
    };
    return { kind: 'SourceFile', file: this.file, imports, items, span };
  }

  /** The single child node of an OR wrapper rule. */
  private only(n: CstNode): [string, CstNode] {
    for (const [k, v] of Object.entries(n.children)) {
      const c = v[0];
      if (c && !isToken(c)) return [k, c];
    }
    throw new Error(`CST '${n.name}' is empty`);
  }

  private model(n: CstNode): A.ModelDecl {
    const hyper = this.maybeNode(n, 'paramList') ? this.params(this.node(n, 'paramList')) : [];
    const items: A.ModelItem[] = [];
    let schedule: A.ScheduleDecl | undefined;
    for (const item of this.nodes(n, 'modelItem')) {
      const [kind, c] = this.only(item);
      switch (kind) {
        case 'tensorDecl':
          items.push(this.tensorDecl(c));
          break;
        case 'layerDecl': {
          const l = this.layerDecl(c);
          if (l.kind === 'LayerInstance') items.push(l);
          else
            this.misplaced(
              'a layer definition',
              'inside a model (define it at the top level of the file)',
              l.name.span,
            );
          break;
        }
        case 'fnDecl':
          items.push(this.fn(c));
          break;
        case 'entryDecl':
          items.push(this.entry(c));
          break;
        case 'scheduleDecl': {
          const sched = this.schedule(c);
          if (schedule)
            this.diags.report('duplicate-schedule', sched.span, {}, [
              { message: 'the first schedule is here', span: schedule.span },
            ]);
          else schedule = sched;
          break;
        }
        default:
          throw new Error(`unexpected model item ${kind}`);
      }
    }
    const name = this.ident(this.tok(n, 'Identifier'));
    return { kind: 'Model', name, hyper, items, ...(schedule ? { schedule } : {}), span: this.spanOf(n) };
  }

  // ---- schedules: the grammar reads each stage clause as words; their meaning is checked here.

  private schedule(n: CstNode): A.ScheduleDecl {
    const stages: A.StageDecl[] = [];
    for (const st of this.nodes(n, 'stageDecl')) {
      const stage = this.stage(st);
      if (stage) stages.push(stage);
    }
    return { kind: 'Schedule', stages, span: this.spanOf(n) };
  }

  private stage(n: CstNode): A.StageDecl | undefined {
    const [word, nameTok, entryTok] = this.tokens(n, 'Identifier');
    if (word!.image !== 'stage') {
      this.diags.report('unexpected-token', this.tokSpan(word!), { expected: "'stage'", found: `'${word!.image}'` });
      return undefined;
    }
    const name = this.ident(nameTok!);
    const clauses: StageClauses = { calls: [] };
    for (const c of this.nodes(n, 'stageClause')) this.stageClause(name.name, c, clauses);
    return { kind: 'Stage', name, entry: this.ident(entryTok!), ...clauses, span: this.spanOf(n) };
  }

  /** One clause: `for D`, `data "S"`, `bind "S"`, `lr_schedule E`, `eval every D | eval none`, `every D call U`, `at end call U`. */
  private stageClause(stage: string, n: CstNode, out: StageClauses): void {
    const words = this.nodes(n, 'postfixExpr').map((p) => this.postfix(p));
    const span = this.spanOf(n);
    const head = words[0]!;
    const key = wordOf(head);
    const expect = (i: number, expected: string): A.Expr | undefined => {
      const w = words[i];
      if (w) return w;
      const at = words[words.length - 1]!.span;
      this.diags.report(
        'unexpected-token',
        { ...at, col: at.endCol, endCol: at.endCol + 1, line: at.endLine },
        { expected, found: 'end of clause' },
      );
      return undefined;
    };
    const once = (field: keyof Omit<StageClauses, 'calls'>, what: string): boolean => {
      if (out[field] === undefined) return true;
      this.diags.report('duplicate-stage-clause', head.span, { what, stage });
      return false;
    };
    const finish = (used: number): void => {
      const extra = words[used];
      if (extra)
        this.diags.report('unexpected-token', extra.span, {
          expected: "',' or the end of the line",
          found: describeWord(extra),
        });
    };
    const str = (what: string): A.StringLit | undefined => {
      const v = expect(1, `a string after '${what}'`);
      if (v && v.kind !== 'String') {
        this.diags.report('unexpected-token', v.span, { expected: `a string after '${what}'`, found: describeWord(v) });
        return undefined;
      }
      finish(2);
      return v;
    };
    switch (key) {
      case 'for': {
        const d = this.duration(words, 1, ['epochs', 'steps']);
        if (d && once('length', "'for'")) out.length = d;
        finish(3);
        return;
      }
      case 'data':
      case 'bind': {
        const v = str(key);
        if (v && once(key, `'${key}'`)) out[key] = v;
        return;
      }
      case 'lr_schedule': {
        const v = expect(
          1,
          "a schedule after 'lr_schedule' (constant, step(...), exp(...), linear(...) or cosine(...))",
        );
        if (v && once('lrSchedule', "'lr_schedule'")) out.lrSchedule = v;
        finish(2);
        return;
      }
      case 'eval': {
        const next = expect(1, "'every' or 'none' after 'eval'");
        if (!next) return;
        if (wordOf(next) === 'none') {
          if (once('eval', "'eval'")) out.eval = { kind: 'NoEval', span };
          finish(2);
          return;
        }
        if (wordOf(next) !== 'every') {
          this.diags.report('unexpected-token', next.span, {
            expected: "'every' or 'none' after 'eval'",
            found: describeWord(next),
          });
          return;
        }
        const d = this.duration(words, 2, ['epochs', 'steps']);
        if (d && once('eval', "'eval'")) out.eval = d;
        finish(4);
        return;
      }
      case 'easiest': {
        const fraction = expect(1, "a fraction after 'easiest' (easiest 0.5 by ENTRY)");
        if (!fraction) return;
        const by = expect(2, "'by'");
        if (!by) return;
        if (wordOf(by) !== 'by') {
          this.diags.report('unexpected-token', by.span, { expected: "'by'", found: describeWord(by) });
          return;
        }
        const target = expect(3, 'the name of an infer entry point that scores each example');
        if (!target) return;
        if (target.kind !== 'Name') {
          this.diags.report('unexpected-token', target.span, {
            expected: 'the name of an infer entry point that scores each example',
            found: describeWord(target),
          });
          return;
        }
        const entry = { kind: 'Ident' as const, name: target.name, span: target.span };
        if (once('easiest', "'easiest'")) out.easiest = { kind: 'StageSubset', fraction, entry, span };
        finish(4);
        return;
      }
      case 'every':
      case 'at': {
        let at = 1;
        let every: A.Duration | undefined;
        if (key === 'every') {
          every = this.duration(words, 1, ['epochs', 'steps']);
          if (!every) return;
          at = 3;
        } else {
          const end = expect(1, "'end' after 'at'");
          if (!end) return;
          if (wordOf(end) !== 'end') {
            this.diags.report('unexpected-token', end.span, { expected: "'end' after 'at'", found: describeWord(end) });
            return;
          }
          at = 2;
        }
        const call = expect(at, "'call'");
        if (!call) return;
        if (wordOf(call) !== 'call') {
          this.diags.report('unexpected-token', call.span, { expected: "'call'", found: describeWord(call) });
          return;
        }
        const target = expect(at + 1, 'the name of an update entry point');
        if (!target) return;
        if (target.kind !== 'Name') {
          this.diags.report('unexpected-token', target.span, {
            expected: 'the name of an update entry point',
            found: describeWord(target),
          });
          return;
        }
        out.calls.push({
          kind: 'StageCall',
          entry: { kind: 'Ident', name: target.name, span: target.span },
          ...(every ? { every } : {}),
          span,
        });
        finish(at + 2);
        return;
      }
      default:
        this.diags.report('unknown-stage-clause', head.span, { found: describeWord(head) });
    }
  }

  /** `N epochs` / `N steps` at words[i], the count a number or a hyperparameter's name. */
  private duration(words: readonly A.Expr[], i: number, units: readonly A.DurationUnit[]): A.Duration | undefined {
    const count = words[i];
    const unitWord = words[i + 1];
    const expected = units.map((u) => `'${u}'`).join(' or ');
    const last = words[words.length - 1]!.span;
    const endOf: Span = { ...last, line: last.endLine, col: last.endCol, endCol: last.endCol + 1 };
    if (
      !count ||
      (count.kind !== 'Number' && count.kind !== 'Name' && count.kind !== 'Call' && count.kind !== 'Binary')
    ) {
      this.diags.report('unexpected-token', count?.span ?? endOf, {
        expected: `a count of ${expected}`,
        found: count ? describeWord(count) : 'end of clause',
      });
      return undefined;
    }
    const unit = unitWord ? UNIT_WORDS[wordOf(unitWord) ?? ''] : undefined;
    if (!unit || !units.includes(unit)) {
      this.diags.report('unexpected-token', unitWord?.span ?? endOf, {
        expected,
        found: unitWord ? describeWord(unitWord) : 'end of clause',
      });
      return undefined;
    }
    return { kind: 'Duration', count, unit, span: this.join(count.span, unitWord!.span) };
  }

  private params(n: CstNode): A.Param[] {
    return this.nodes(n, 'param').map((p) => {
      const type = this.maybeNode(p, 'typeExpr');
      const def = this.maybeNode(p, 'expression');
      return {
        kind: 'Param',
        name: this.ident(this.tok(p, 'Identifier')),
        ...(type ? { type: this.typeExpr(type) } : {}),
        ...(def ? { default: this.expr(def) } : {}),
        span: this.spanOf(p),
      };
    });
  }

  private typeExpr(n: CstNode): A.TypeExpr {
    const t = this.tok(n, 'Identifier');
    let dtype = t.image as A.DTypeName;
    if (!DTYPE_NAMES.includes(dtype)) {
      this.diags.report('bad-dtype', this.tokSpan(t), { name: t.image });
      dtype = 'f32';
    }
    return {
      kind: 'TypeExpr',
      dtype,
      shape: this.nodes(n, 'expression').map((e) => this.expr(e)),
      span: this.spanOf(n),
    };
  }

  private tensorDecl(n: CstNode): A.TensorDecl {
    const roleTok = this.tokens(n, 'Input')[0] ?? this.tokens(n, 'Param')[0] ?? this.tok(n, 'State');
    const init = this.maybeNode(n, 'expression');
    return {
      kind: 'TensorDecl',
      role: roleTok.image as A.TensorDecl['role'],
      name: this.ident(this.tok(n, 'Identifier')),
      type: this.typeExpr(this.node(n, 'typeExpr')),
      ...(init ? { init: this.expr(init) } : {}),
      span: this.spanOf(n),
    };
  }

  private layerDecl(n: CstNode): A.LayerDef | A.LayerInstance {
    const name = this.ident(this.tok(n, 'Identifier'));
    const span = this.spanOf(n);
    if (this.tokens(n, 'Eq').length > 0) {
      const argList = this.maybeNode(n, 'argList');
      return {
        kind: 'LayerInstance',
        name,
        layer: this.ident(this.tok(n, 'Identifier', 1)),
        args: argList ? this.args(argList) : [],
        span,
      };
    }
    const params = this.params(this.node(n, 'paramList'));
    const items: A.LayerItem[] = [];
    let forward: A.Forward | undefined;
    for (const item of this.nodes(n, 'layerItem')) {
      const [kind, c] = this.only(item);
      if (forward && kind !== 'forward') this.diags.report('forward-not-last', forward.span, { name: name.name });
      switch (kind) {
        case 'tensorDecl': {
          const d = this.tensorDecl(c);
          if (d.role === 'input') this.diags.report('input-in-layer', d.span, { name: name.name });
          else items.push(d);
          break;
        }
        case 'layerDecl': {
          const l = this.layerDecl(c);
          if (l.kind === 'LayerInstance') items.push(l);
          else this.misplaced('a layer definition', 'inside a layer', l.name.span);
          break;
        }
        case 'fnDecl':
          items.push(this.fn(c));
          break;
        case 'forward': {
          const f = this.forward(c);
          if (forward) this.diags.report('duplicate-forward', f.span, { name: name.name });
          else forward = f;
          break;
        }
        default:
          throw new Error(`unexpected layer item ${kind}`);
      }
    }
    if (!forward) this.diags.report('missing-forward', name.span, { name: name.name });
    return { kind: 'LayerDef', name, params, items, ...(forward ? { forward } : {}), span };
  }

  private body(n: CstNode): A.Body {
    const block = this.maybeNode(n, 'block');
    if (block) return { kind: 'BlockBody', stmts: this.block(block), span: this.spanOf(block) };
    const e = this.expr(this.node(n, 'expression'));
    return { kind: 'ExprBody', expr: e, span: e.span };
  }

  private forward(n: CstNode): A.Forward {
    return {
      kind: 'Forward',
      params: this.params(this.node(n, 'paramList')),
      body: this.body(n),
      span: this.spanOf(n),
    };
  }

  private fn(n: CstNode): A.FnDecl {
    return {
      kind: 'Fn',
      name: this.ident(this.tok(n, 'Identifier')),
      params: this.params(this.node(n, 'paramList')),
      body: this.body(n),
      span: this.spanOf(n),
    };
  }

  private entry(n: CstNode): A.EntryDecl {
    const kindNode = this.node(n, 'entryKind');
    const kindTok = Object.values(kindNode.children)[0]![0] as IToken;
    const ids = this.tokens(n, 'Identifier');
    return {
      kind: 'Entry',
      entry: kindTok.image as A.EntryKind,
      name: this.ident(ids[0]!),
      params: this.params(this.node(n, 'paramList')),
      outputs: ids.slice(1).map((t) => this.ident(t)),
      body: this.block(this.node(n, 'block')),
      span: this.spanOf(n),
    };
  }

  // ---- statements

  private block(n: CstNode): A.Stmt[] {
    return this.nodes(n, 'statement').map((s) => this.stmt(s));
  }

  private stmt(n: CstNode): A.Stmt {
    const [kind, c] = this.only(n);
    const span = this.spanOf(c);
    switch (kind) {
      case 'assign': {
        const targets = this.tokens(c, 'Identifier').map((t): A.Target =>
          t.image === '_'
            ? { kind: 'Target', span: this.tokSpan(t) }
            : { kind: 'Target', name: this.ident(t), span: this.tokSpan(t) },
        );
        return { kind: 'Assign', targets, value: this.expr(this.node(c, 'expression')), span };
      }
      case 'stateAssign': {
        const ids = this.tokens(c, 'Identifier');
        let target: A.Expr = { kind: 'Name', name: ids[0]!.image, span: this.tokSpan(ids[0]!) };
        for (const t of ids.slice(1))
          target = {
            kind: 'Member',
            object: target,
            member: this.ident(t),
            span: this.join(target.span, this.tokSpan(t)),
          };
        return { kind: 'StateAssign', target, value: this.expr(this.node(c, 'expression')), span };
      }
      case 'minimizeStmt': {
        const argList = this.maybeNode(c, 'argList');
        const over = this.maybeNode(c, 'listExpr');
        const groups = this.maybeNode(c, 'paramGroups');
        return {
          kind: 'Minimize',
          loss: this.expr(this.node(c, 'expression')),
          optimizer: this.ident(this.tok(c, 'Identifier')),
          args: argList ? this.args(argList) : [],
          ...(over ? { over: this.list(over) } : {}),
          groups: groups ? this.nodes(groups, 'paramGroup').map((g) => this.paramGroup(g)) : [],
          span,
        };
      }
      case 'emitStmt':
        return { kind: 'Emit', values: this.exprList(this.node(c, 'expressionList')), span };
      case 'returnStmt':
        return { kind: 'Return', values: this.exprList(this.node(c, 'expressionList')), span };
      default:
        throw new Error(`unexpected statement ${kind}`);
    }
  }

  private exprList(n: CstNode): A.Expr[] {
    return this.nodes(n, 'expression').map((e) => this.expr(e));
  }

  // ---- expressions

  /** `unary (op unary)*` with precedence applied by an operator stack. */
  expr(n: CstNode): A.Expr {
    const operands = this.nodes(n, 'unaryExpr');
    const ops = this.tokens(n, 'BinOp');
    type Pending = { prefix: true; tok: IToken } | { prefix: false; tok: IToken; prec: number };
    const values: A.Expr[] = [];
    const stack: Pending[] = [];
    const reduce = (): void => {
      const top = stack.pop()!;
      if (top.prefix) {
        const operand = values.pop()!;
        const opSpan = this.tokSpan(top.tok);
        values.push({
          kind: 'Unary',
          op: top.tok.image as A.UnaryOp,
          operand,
          opSpan,
          span: this.join(opSpan, operand.span),
        });
        return;
      }
      const right = values.pop()!;
      const left = values.pop()!;
      const opSpan = this.tokSpan(top.tok);
      const span = this.join(left.span, right.span);
      if (top.tok.image === '|>') values.push({ kind: 'Pipe', value: left, target: right, opSpan, span });
      else values.push({ kind: 'Binary', op: top.tok.image as A.BinaryOp, left, right, opSpan, span });
    };
    operands.forEach((u, i) => {
      if (i > 0) {
        const tok = ops[i - 1]!;
        const prec = PRECEDENCE[tok.image]!;
        const rightAssoc = tok.image === '**';
        while (stack.length > 0) {
          const top = stack[stack.length - 1]!;
          const topPrec = top.prefix ? PREFIX_PRECEDENCE : top.prec;
          if (topPrec > prec || (topPrec === prec && !rightAssoc)) reduce();
          else break;
        }
        stack.push({ prefix: false, tok, prec });
      }
      const prefixes = [...this.tokens(u, 'Minus'), ...this.tokens(u, 'Not')].sort(
        (a, b) => a.startOffset - b.startOffset,
      );
      for (const p of prefixes) stack.push({ prefix: true, tok: p });
      values.push(this.postfix(this.node(u, 'postfixExpr')));
    });
    while (stack.length > 0) reduce();
    return values[0]!;
  }

  private postfix(n: CstNode): A.Expr {
    let e = this.primary(this.node(n, 'primary'));
    for (const op of this.nodes(n, 'postfixOp')) {
      const span = this.join(e.span, this.spanOf(op));
      const argList = this.maybeNode(op, 'argList');
      if (argList) {
        e = { kind: 'Call', callee: e, args: this.args(argList), span };
      } else if (this.tokens(op, 'LBracket').length > 0) {
        e = { kind: 'Index', object: e, items: this.nodes(op, 'indexItem').map((it) => this.indexItem(it)), span };
      } else {
        const id = this.ident(this.tok(op, 'Identifier'));
        e = id.name === 'T' ? { kind: 'Transpose', operand: e, span } : { kind: 'Member', object: e, member: id, span };
      }
    }
    return e;
  }

  private indexItem(n: CstNode): A.Expr | A.Slice {
    const startNode = this.maybeNode(n, 'expression');
    const tail = this.maybeNode(n, 'sliceTail');
    const start = startNode ? this.expr(startNode) : undefined;
    if (!tail) return start!;
    const colons = this.tokens(tail, 'Colon');
    let end: A.Expr | undefined;
    let step: A.Expr | undefined;
    for (const en of this.nodes(tail, 'expression')) {
      const e = this.expr(en);
      if (colons[1] && en.location!.startOffset > colons[1].startOffset) step = e;
      else end = e;
    }
    return {
      kind: 'Slice',
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
      ...(step ? { step } : {}),
      span: this.spanOf(n),
    };
  }

  private list(n: CstNode): A.List {
    return { kind: 'List', items: this.nodes(n, 'expression').map((e) => this.expr(e)), span: this.spanOf(n) };
  }

  private paramGroup(n: CstNode): A.ParamGroup {
    return {
      kind: 'ParamGroup',
      params: this.list(this.node(n, 'listExpr')),
      options: this.args(n),
      span: this.spanOf(n),
    };
  }

  private args(n: CstNode): A.Arg[] {
    return this.nodes(n, 'arg').map((a) => {
      const nameTok = this.tokens(a, 'Identifier')[0];
      return {
        kind: 'Arg',
        ...(nameTok ? { name: this.ident(nameTok) } : {}),
        value: this.expr(this.node(a, 'expression')),
        span: this.spanOf(a),
      };
    });
  }

  private primary(n: CstNode): A.Expr {
    const span = this.spanOf(n);
    for (const [key, list] of Object.entries(n.children)) {
      const c = list[0]!;
      switch (key) {
        case 'Number': {
          const raw = (c as IToken).image;
          const value = Number(raw);
          if (!Number.isFinite(value)) this.diags.report('bad-number', span, { text: raw });
          return { kind: 'Number', value: Number.isFinite(value) ? value : 0, raw, isInt: /^\d+$/.test(raw), span };
        }
        case 'String':
          return { kind: 'String', value: this.stringValue(c as IToken), span };
        case 'True':
        case 'False':
          return { kind: 'Bool', value: key === 'True', span };
        case 'Identifier':
          return { kind: 'Name', name: (c as IToken).image, span };
        case 'parenExpr':
          return this.expr(this.node(c as CstNode, 'expression'));
        case 'listExpr':
          return this.list(c as CstNode);
        case 'repeatExpr': {
          const r = c as CstNode;
          return {
            kind: 'Repeat',
            count: this.expr(this.node(r, 'expression')),
            carries: this.carries(r),
            body: this.block(this.node(r, 'block')),
            span,
          };
        }
        case 'scanExpr': {
          const s = c as CstNode;
          return {
            kind: 'Scan',
            index: this.ident(this.tok(s, 'Identifier')),
            length: this.expr(this.node(s, 'expression')),
            carries: this.carries(s),
            body: this.block(this.node(s, 'block')),
            span,
          };
        }
        default:
          throw new Error(`unexpected primary ${key}`);
      }
    }
    throw new Error('empty primary');
  }

  private carries(n: CstNode): A.Carry[] {
    const c = this.maybeNode(n, 'carries');
    if (!c) return [];
    return this.nodes(c, 'carry').map((k) => ({
      kind: 'Carry',
      name: this.ident(this.tok(k, 'Identifier')),
      init: this.expr(this.node(k, 'expression')),
      span: this.spanOf(k),
    }));
  }

  private stringValue(t: IToken): string {
    const body = t.image.endsWith('"') && t.image.length >= 2 ? t.image.slice(1, -1) : t.image.slice(1);
    return body.replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t', r: '\r' })[ch] ?? ch);
  }
}
