// A compact, span-free rendering of AST expressions and statements for one-line
// tests: `(+ a (* b c))`, `(call f a axis=1)`.
import type * as A from '../../dsl/ast';

export function printExpr(e: A.Expr | A.Slice): string {
  switch (e.kind) {
    case 'Number':
      return e.raw;
    case 'Bool':
      return String(e.value);
    case 'String':
      return JSON.stringify(e.value);
    case 'Name':
      return e.name;
    case 'Member':
      return `${printExpr(e.object)}.${e.member.name}`;
    case 'Unary':
      return `(${e.op === '-' ? 'neg' : 'not'} ${printExpr(e.operand)})`;
    case 'Binary':
      return `(${e.op} ${printExpr(e.left)} ${printExpr(e.right)})`;
    case 'Pipe':
      return `(|> ${printExpr(e.value)} ${printExpr(e.target)})`;
    case 'Transpose':
      return `(T ${printExpr(e.operand)})`;
    case 'Call':
      return `(call ${[printExpr(e.callee), ...e.args.map(printArg)].join(' ')})`;
    case 'Index':
      return `(index ${[printExpr(e.object), ...e.items.map(printExpr)].join(' ')})`;
    case 'Slice':
      return `${e.start ? printExpr(e.start) : ''}:${e.end ? printExpr(e.end) : ''}${e.step ? `:${printExpr(e.step)}` : ''}`;
    case 'List':
      return `[${e.items.map(printExpr).join(' ')}]`;
    case 'Repeat':
      return `(repeat ${printExpr(e.count)} ${e.carries.map(printCarry).join(' ')} {${e.body.map(printStmt).join('; ')}})`;
    case 'Scan':
      return `(scan ${e.index.name} ${printExpr(e.length)} ${e.carries.map(printCarry).join(' ')} {${e.body.map(printStmt).join('; ')}})`;
  }
}

function printArg(a: A.Arg): string {
  return a.name ? `${a.name.name}=${printExpr(a.value)}` : printExpr(a.value);
}
function printCarry(c: A.Carry): string {
  return `${c.name.name}=${printExpr(c.init)}`;
}

export function printStmt(s: A.Stmt): string {
  switch (s.kind) {
    case 'Assign':
      return `${s.targets.map((t) => t.name?.name ?? '_').join(', ')} = ${printExpr(s.value)}`;
    case 'StateAssign':
      return `${printExpr(s.target)} <- ${printExpr(s.value)}`;
    case 'Minimize': {
      const over = s.over ? ` over ${printExpr(s.over)}` : '';
      const groups = s.groups.map((g) => ` {${printExpr(g.params)}: ${g.options.map(printArg).join(' ')}}`).join('');
      return `minimize ${printExpr(s.loss)} with (${[s.optimizer.name, ...s.args.map(printArg)].join(' ')})${over}${groups}`;
    }
    case 'Emit':
      return `emit ${s.values.map(printExpr).join(', ')}`;
    case 'Return':
      return `return ${s.values.map(printExpr).join(', ')}`;
  }
}

function printParam(p: A.Param): string {
  return `${p.name.name}${p.type ? `: ${printType(p.type)}` : ''}${p.default ? ` = ${printExpr(p.default)}` : ''}`;
}
function printType(t: A.TypeExpr): string {
  return `${t.dtype}[${t.shape.map(printExpr).join(', ')}]`;
}
function printBody(b: A.Body): string {
  return b.kind === 'ExprBody' ? `= ${printExpr(b.expr)}` : `{ ${b.stmts.map(printStmt).join('; ')} }`;
}
function loc(n: { span: A.Span }): string {
  return `@${n.span.line}:${n.span.col}-${n.span.endLine}:${n.span.endCol}`;
}

/** One line per declaration, indented by nesting, each with its span. */
export function printFile(f: A.SourceFile): string {
  const out: string[] = [];
  for (const i of f.imports) out.push(`import ${JSON.stringify(i.path)} ${loc(i)}`);
  const item = (it: A.TopItem | A.ModelItem | A.LayerItem, ind: string): void => {
    switch (it.kind) {
      case 'Model':
        out.push(`${ind}model ${it.name.name}(${it.hyper.map(printParam).join(', ')}) ${loc(it)}`);
        for (const c of it.items) item(c, ind + '  ');
        return;
      case 'LayerDef':
        out.push(`${ind}layer ${it.name.name}(${it.params.map(printParam).join(', ')}) ${loc(it)}`);
        for (const c of it.items) item(c, ind + '  ');
        if (it.forward)
          out.push(
            `${ind}  forward(${it.forward.params.map(printParam).join(', ')}) ${printBody(it.forward.body)} ${loc(it.forward)}`,
          );
        return;
      case 'LayerInstance':
        out.push(`${ind}layer ${it.name.name} = ${it.layer.name}(${it.args.map(printArg).join(' ')}) ${loc(it)}`);
        return;
      case 'TensorDecl':
        out.push(
          `${ind}${it.role} ${it.name.name}: ${printType(it.type)}${it.init ? ` = ${printExpr(it.init)}` : ''} ${loc(it)}`,
        );
        return;
      case 'Fn':
        out.push(`${ind}fn ${it.name.name}(${it.params.map(printParam).join(', ')}) ${printBody(it.body)} ${loc(it)}`);
        return;
      case 'Entry':
        out.push(
          `${ind}${it.entry} ${it.name.name}(${it.params.map(printParam).join(', ')}) -> ${it.outputs.map((o) => o.name).join(', ')} ${loc(it)}`,
        );
        for (const s of it.body) out.push(`${ind}  ${printStmt(s)} ${loc(s)}`);
        return;
    }
  };
  for (const it of f.items) item(it, '');
  return out.join('\n') + '\n';
}
