import { describe, expect, test } from 'vitest';
import type { Expr } from '../../dsl/ast';
import { formatDiagnostics } from '../../dsl/diagnostics';
import { parseSource } from '../../dsl/parse';
import { printExpr, printStmt } from './print-ast';

/** Parses `expr` as the body of `fn f() = expr` and prints it. */
function expr(src: string): string {
  const text = `fn f() = ${src}\n`;
  const r = parseSource(text, 't.dl');
  if (!r.ast) throw new Error(formatDiagnostics(r.diagnostics, text));
  const f = r.ast.items[0]!;
  if (f.kind !== 'Fn' || f.body.kind !== 'ExprBody') throw new Error('not an fn');
  return printExpr(f.body.expr as Expr);
}
function stmts(src: string): string[] {
  const text = `fn f() {\n${src}\n}\n`;
  const r = parseSource(text, 't.dl');
  if (!r.ast) throw new Error(formatDiagnostics(r.diagnostics, text));
  const f = r.ast.items[0]!;
  if (f.kind !== 'Fn' || f.body.kind !== 'BlockBody') throw new Error('not a block fn');
  return f.body.stmts.map(printStmt);
}
function parseError(src: string): string {
  const r = parseSource(src, 't.dl');
  return formatDiagnostics(r.diagnostics, src);
}

describe('expressions and precedence', () => {
  test('* binds tighter than +', () => expect(expr('a + b * c')).toBe('(+ a (* b c))'));
  test('@ with *', () => expect(expr('a @ b * c')).toBe('(* (@ a b) c)'));
  test('left associative -', () => expect(expr('a - b - c')).toBe('(- (- a b) c)'));
  test('** right associative', () => expect(expr('a ** b ** c')).toBe('(** a (** b c))'));
  test('unary minus below **', () => expect(expr('-x ** 2')).toBe('(neg (** x 2))'));
  test('unary minus above *', () => expect(expr('-a * b')).toBe('(* (neg a) b)'));
  test('** with negative exponent', () => expect(expr('2 ** -x')).toBe('(** 2 (neg x))'));
  test('comparison below +', () => expect(expr('a + 1 == b')).toBe('(== (+ a 1) b)'));
  test('and/or/not', () => expect(expr('not a and b or c')).toBe('(or (and (not a) b) c)'));
  test('pipe lowest', () => expect(expr('x |> f |> g(2) + 1')).toBe('(|> (|> x f) (+ (call g 2) 1))'));
  test('transpose postfix', () => expect(expr('h @ W.T + a')).toBe('(+ (@ h (T W)) a)'));
  test('member and call', () => expect(expr('fc1.W @ x')).toBe('(@ fc1.W x)'));
  test('named args', () => expect(expr('sum(x, axis = 1, keepdims = true)')).toBe('(call sum x axis=1 keepdims=true)'));
  test('slicing', () => expect(expr('x[:, 0:T, ::2, t]')).toBe('(index x : 0:T ::2 t)'));
  test('slice with expression', () => expect(expr('tokens[:, 1:T+1]')).toBe('(index tokens : 1:(+ T 1))'));
  test('list', () => expect(expr('reshape(x, [-1, n, p])')).toBe('(call reshape x [(neg 1) n p])'));
  test('parentheses', () => expect(expr('(a + b) * c')).toBe('(* (+ a b) c)'));
  test('numbers', () => expect(expr('1e-4 + 0.5 + 3')).toBe('(+ (+ 1e-4 0.5) 3)'));
  test('repeat', () => expect(expr('repeat k carry v = v0 { v = g(v) }')).toBe('(repeat k v=v0 {v = (call g v)})'));
  test('scan', () =>
    expect(expr('scan t over T carry h = h0, c = c0 { h = f(h); emit h }')).toBe(
      '(scan t T h=h0 c=c0 {h = (call f h); emit h})',
    ));
  test('continuation line starting with |>', () => expect(expr('x |> f\n  |> g')).toBe('(|> (|> x f) g)'));
  test('newlines inside parentheses', () => expect(expr('f(a,\n  b)')).toBe('(call f a b)'));
});

describe('statements', () => {
  test('tuple assignment with _', () => expect(stmts('hs, _ = f(x)')).toEqual(['hs, _ = (call f x)']));
  test('state assignment', () => expect(stmts('fc.W <- x')).toEqual(['fc.W <- x']));
  test('minimize', () => expect(stmts('minimize l with sgd(lr = 0.1)')).toEqual(['minimize l with (sgd lr=0.1)']));
  test('bare optimizer', () => expect(stmts('minimize l with adam')).toEqual(['minimize l with (adam)']));
  test('minimize over a param list', () =>
    expect(stmts('minimize l with sgd(lr = 0.1) over [fc2, out.W]')).toEqual([
      'minimize l with (sgd lr=0.1) over [fc2 out.W]',
    ]));
  test('minimize with param groups, one a line or split by `;`', () =>
    expect(
      stmts(
        'minimize l with adam over [a] {\n  [a.b, c.b]: weight_decay = 0, lr = 0.1\n  [a.W]: lr = 0.01; [d]: l1 = 1\n}',
      ),
    ).toEqual(['minimize l with (adam) over [a] {[a.b c.b]: weight_decay=0 lr=0.1} {[a.W]: lr=0.01} {[d]: l1=1}']));
  test('semicolons', () => expect(stmts('a = 1; b = 2')).toEqual(['a = 1', 'b = 2']));
  test('return tuple', () => expect(stmts('return h, c')).toEqual(['return h, c']));
  test('comments', () => expect(stmts('a = 1 // one\n/* two\n */ b = 2')).toEqual(['a = 1', 'b = 2']));
});

describe('syntax errors', () => {
  test('missing operand', () =>
    expect(parseError('fn f(x) = x + * 2\n')).toBe(
      "t.dl:1:15: error: expected an expression but found '*'\n 1 | fn f(x) = x + * 2\n   |               ^\n",
    ));
  test('one error per line, every line reported', () => {
    const r = parseSource('model m() {\n  input x f32\n  input y: f32[\n  fn g(x) = x ++ 1\n}\n', 't.dl');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.ast).toBeUndefined();
  });
  test('unterminated comment', () =>
    expect(parseError('/* no end\nfn f() = 1\n')).toContain('t.dl:1:1: error: unterminated block comment'));
  test('layer without forward', () =>
    expect(parseError('layer l(n) { param W: f32[n] = zeros }\n')).toContain("layer 'l' has no forward function"));
  test('layer definition inside a model', () =>
    expect(parseError('model m() {\n  layer l(n) { (x) => x }\n}\n')).toContain(
      'a layer definition is not allowed inside a model',
    ));
  test('end of file', () =>
    expect(parseError('fn f() =')).toContain('t.dl:1:9: error: expected an expression but the file ended'));
});
