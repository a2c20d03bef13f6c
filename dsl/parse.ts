// Source text → AST for one file: tokenize (with the bracket and nesting checks),
// parse with recovery, and build the AST when the file has no syntax errors.
// A file with syntax errors yields its diagnostics and no AST, so later phases
// never report follow-on errors about half-parsed code.
import { EOF, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import type { Span } from '../runtime/errors';
import type { SourceFile } from './ast';
import { AstBuilder } from './build';
import { DiagnosticBag, type Diagnostic } from './diagnostics';
import { dlParser } from './parser';
import { tokenize, tokenSpan } from './tokens';
import * as T from './lexer';

export interface ParseResult {
  /** Absent when the file has syntax errors. */
  readonly ast?: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
}

function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  if (t.tokenType === T.Newline) return 'end of line';
  const image = t.image.length > 30 ? `${t.image.slice(0, 30)}...` : t.image;
  return `'${image}'`;
}

function endOfFile(text: string, file: string): Span {
  const lines = text.split('\n');
  const line = lines.length;
  const col = lines[line - 1]!.length + 1;
  return { file, line, col, endLine: line, endCol: col + 1 };
}

/** What the parser expects where a statement fails to start (dsl/parser.ts RULE_DESCRIPTIONS). */
const STATEMENT = 'a statement';
const EXPRESSION_STARTS: ReadonlySet<TokenType> = new Set([T.Identifier, T.LParen, T.Minus]);

/** A statement position holding a name, number, `(` or `-`: an expression written where none can stand. */
function startsExpression(t: IToken): boolean {
  return EXPRESSION_STARTS.has(t.tokenType) || /^[0-9.]/.test(t.image);
}

/** The source from an offset to the end of its line, for the `return ...` hint (long lines cut). */
function restOfLine(text: string, offset: number): string {
  const nl = text.indexOf('\n', offset);
  const rest = text
    .slice(offset, nl < 0 ? text.length : nl)
    .replace(/\s*\}?\s*$/, '')
    .trim();
  return rest.length > 60 ? `${rest.slice(0, 60)}...` : rest;
}

export function parseSource(text: string, file: string, bag = new DiagnosticBag()): ParseResult {
  const start = bag.items.length;
  const stream = tokenize(text, file, bag);
  if (!stream.parseable) return { diagnostics: bag.items.slice(start) };
  dlParser.input = stream.tokens;
  const cst = dlParser.file();
  const errors: IRecognitionException[] = dlParser.errors;
  let lastLine = -1;
  let bare = false;
  for (const e of errors) {
    const t = e.token;
    const atEnd = t.tokenType === EOF || Number.isNaN(t.startOffset);
    const span = atEnd ? endOfFile(text, file) : tokenSpan(file, t);
    // One error per line: later ones on the same line are almost always follow-ons.
    if (span.line === lastLine || stream.errorLines.has(span.line)) continue;
    // After a bare expression the parser loses the body; the `}` that closed it is a follow-on.
    if (bare && t.image === '}') continue;
    lastLine = span.line;
    if (!atEnd && e.message === STATEMENT && startsExpression(t)) {
      bare = true;
      bag.report('bare-expression', span, { text: restOfLine(text, t.startOffset) });
      continue;
    }
    if (atEnd) bag.report('unexpected-end', span, { expected: e.message });
    else bag.report('unexpected-token', span, { expected: e.message, found: describeToken(t) });
  }
  if (errors.length > 0 || stream.errorLines.size > 0) return { diagnostics: bag.items.slice(start) };
  const ast = new AstBuilder(file, bag).buildFile(cst);
  return { ast, diagnostics: bag.items.slice(start) };
}
