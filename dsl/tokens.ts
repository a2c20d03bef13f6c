// Turns source text into the token stream the parser reads, checking on the way
// what the recursive-descent parser must never see:
// 1. lex, reporting stray characters and unterminated strings/comments;
// 2. match brackets with an explicit stack (unmatched and unclosed ones are
//    reported here, so the parser is spared the cascade they would cause);
// 3. bound nesting: bracket depth plus the operators chained at each level
//    approximate the depth of the AST, and a file past the limit gets one
//    "nested too deeply" error instead of a JavaScript stack overflow;
// 4. drop newlines that cannot end a statement: inside ( ) and [ ], after an
//    operator or comma, and before a line that starts with an operator, `.` or `{`.
import type { IToken, TokenType } from 'chevrotain';
import type { Span } from '../runtime/errors';
import { DiagnosticBag } from './diagnostics';
import * as T from './lexer';

/** Deepest bracket nesting accepted. */
export const MAX_BRACKET_DEPTH = 100;
/** Deepest expression (brackets plus chained operators) accepted. */
export const MAX_EXPR_DEPTH = 1000;

export interface TokenStream {
  readonly tokens: IToken[];
  /** False when brackets or nesting are broken: the parser must not run. */
  readonly parseable: boolean;
  /** Lines that already have a lexical error: parse errors there are follow-ons. */
  readonly errorLines: ReadonlySet<number>;
}

export function tokenSpan(file: string, t: IToken): Span {
  const line = t.startLine ?? 1;
  const col = t.startColumn ?? 1;
  return {
    file,
    line,
    col,
    endLine: t.endLine ?? line,
    endCol: (t.endColumn ?? col) + 1,
  };
}

const OPENERS = new Map<TokenType, TokenType>([
  [T.LParen, T.RParen],
  [T.LBracket, T.RBracket],
  [T.LBrace, T.RBrace],
]);
const CLOSERS = new Set<TokenType>([T.RParen, T.RBracket, T.RBrace]);

/** Tokens after which a newline continues the expression. */
const CONTINUES_AFTER = new Set<TokenType>([
  T.Comma,
  T.Eq,
  T.Arrow,
  T.LeftArrow,
  T.FatArrow,
  T.Not,
  T.Colon,
  T.Dot,
  T.LParen,
  T.LBracket,
]);
/** Tokens that, starting a line, continue the previous one. */
const CONTINUES_BEFORE = new Set<TokenType>([T.Dot, T.LBrace, T.FatArrow, T.Arrow, T.RParen, T.RBracket]);

function isBinOp(t: IToken): boolean {
  return t.tokenType.CATEGORIES?.includes(T.BinOp) ?? false;
}

export function tokenize(text: string, file: string, diags: DiagnosticBag): TokenStream {
  const lexed = T.dlLexer.tokenize(text);
  const errorLines = new Set<number>();
  for (const e of lexed.errors) {
    const line = e.line ?? 1;
    const col = e.column ?? 1;
    errorLines.add(line);
    const ch = text.slice(e.offset, e.offset + Math.min(e.length, 1));
    const shown = ch === '' ? 'end of file' : JSON.stringify(ch).slice(1, -1);
    diags.report(
      'unexpected-character',
      { file, line, col, endLine: line, endCol: col + Math.max(1, e.length) },
      { text: shown },
    );
  }
  for (const c of lexed.groups['comments'] ?? []) {
    if (c.tokenType === T.UnterminatedComment) {
      const s = tokenSpan(file, c);
      diags.report('unterminated-comment', { ...s, endLine: s.line, endCol: s.col + 2 });
      errorLines.add(s.line);
    }
  }

  const tokens: IToken[] = [];
  for (const t of lexed.tokens) {
    if (t.tokenType === T.UnterminatedString) {
      diags.report('unterminated-string', tokenSpan(file, t));
      errorLines.add(t.startLine ?? 1);
      t.tokenType = T.StringTok;
      t.tokenTypeIdx = T.StringTok.tokenTypeIdx!;
    }
    tokens.push(t);
  }

  // After a lexical error (an unterminated string swallowing a '}'), bracket
  // errors are follow-ons: check silently.
  const balanced = checkBrackets(tokens, file, errorLines.size > 0 ? new DiagnosticBag() : diags);
  if (!balanced) return { tokens: [], parseable: false, errorLines };
  return { tokens: dropSoftNewlines(tokens), parseable: true, errorLines };
}

/** Steps 2 and 3: bracket matching and the nesting bound. Returns false on any error. */
function checkBrackets(tokens: readonly IToken[], file: string, diags: DiagnosticBag): boolean {
  const open: IToken[] = [];
  // Operators chained at each open level; their sum bounds the AST depth.
  const chained: number[] = [0];
  let chainSum = 0;
  let prev: TokenType | undefined;
  for (const t of tokens) {
    const type = t.tokenType;
    const after = prev;
    prev = type;
    if (OPENERS.has(type)) {
      // `f(a)(b)`, `x[0][1]`: each call or index applied to a bracketed result
      // deepens the AST without deepening the brackets, so it counts as an operator.
      if (after !== undefined && CLOSERS.has(after) && type !== T.LBrace) {
        chained[chained.length - 1]!++;
        chainSum++;
      }
      open.push(t);
      chained.push(0);
      if (open.length > MAX_BRACKET_DEPTH || open.length + chainSum > MAX_EXPR_DEPTH) {
        diags.report('nested-too-deeply', tokenSpan(file, t), {
          limit: open.length > MAX_BRACKET_DEPTH ? MAX_BRACKET_DEPTH : MAX_EXPR_DEPTH,
        });
        return false;
      }
    } else if (CLOSERS.has(type)) {
      const top = open[open.length - 1];
      if (!top || OPENERS.get(top.tokenType) !== type) {
        diags.report('unmatched-bracket', tokenSpan(file, t), { close: t.image });
        if (top) diags.report('unclosed-bracket', tokenSpan(file, top), { open: top.image });
        return false;
      }
      open.pop();
      chainSum -= chained.pop()!;
    } else if (isBinOp(t) || type === T.Not || type === T.Dot) {
      chained[chained.length - 1]!++;
      chainSum++;
      if (open.length + chainSum > MAX_EXPR_DEPTH) {
        diags.report('nested-too-deeply', tokenSpan(file, t), { limit: MAX_EXPR_DEPTH });
        return false;
      }
    } else if (type === T.Comma || type === T.Semi || type === T.Newline || type === T.Eq) {
      // A new expression starts at this level.
      chainSum -= chained[chained.length - 1]!;
      chained[chained.length - 1] = 0;
    }
  }
  if (open.length > 0) {
    diags.report('unclosed-bracket', tokenSpan(file, open[open.length - 1]!), { open: open[open.length - 1]!.image });
    return false;
  }
  return true;
}

/** Step 4. Newlines inside ( ) and [ ] never end anything; braces hold statements. */
function dropSoftNewlines(tokens: readonly IToken[]): IToken[] {
  const out: IToken[] = [];
  const stack: TokenType[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    if (OPENERS.has(type)) stack.push(type);
    else if (CLOSERS.has(type)) stack.pop();
    if (type !== T.Newline) {
      out.push(t);
      continue;
    }
    const inside = stack.length > 0 && stack[stack.length - 1] !== T.LBrace;
    const prev = out[out.length - 1];
    if (
      inside ||
      prev === undefined ||
      prev.tokenType === T.Newline ||
      prev.tokenType === T.Semi ||
      prev.tokenType === T.LBrace
    )
      continue;
    if (CONTINUES_AFTER.has(prev.tokenType) || isBinOp(prev)) continue;
    let j = i + 1;
    while (j < tokens.length && tokens[j]!.tokenType === T.Newline) j++;
    const next = tokens[j];
    if (next && next.tokenType !== T.Not && (isBinOp(next) || CONTINUES_BEFORE.has(next.tokenType))) continue;
    out.push(t);
  }
  return out;
}
