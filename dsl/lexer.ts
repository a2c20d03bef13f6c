// Tokens of the .dl language and the chevrotain lexer. Newlines are tokens
// (statements end at a newline or `;`); dsl/tokens.ts later drops the ones that
// cannot end a statement (inside brackets, after an operator, before a
// continuation line that starts with an operator).
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    label: `'${word}'`,
  });
}

export const Model = keyword('model');
export const Layer = keyword('layer');
export const Fn = keyword('fn');
export const Input = keyword('input');
export const Param = keyword('param');
export const State = keyword('state');
export const Infer = keyword('infer');
export const Train = keyword('train');
export const Sample = keyword('sample');
export const Update = keyword('update');
export const Minimize = keyword('minimize');
export const With = keyword('with');
export const Repeat = keyword('repeat');
export const Carry = keyword('carry');
export const Scan = keyword('scan');
export const Over = keyword('over');
export const Emit = keyword('emit');
export const Return = keyword('return');
export const Import = keyword('import');
export const True = keyword('true');
export const False = keyword('false');

/** Every binary operator has this category, so the parser reads them in one loop. */
export const BinOp = createToken({ name: 'BinOp', pattern: Lexer.NA, label: 'an operator' });

function op(name: string, pattern: string, categories: TokenType[] = []): TokenType {
  const escaped = pattern.replace(/[|*+?.()[\]{}^$\\/]/g, '\\$&');
  return createToken({ name, pattern: new RegExp(escaped), categories, label: `'${pattern}'` });
}

export const And = createToken({
  name: 'And',
  pattern: /and/,
  longer_alt: Identifier,
  categories: [BinOp],
  label: "'and'",
});
export const Or = createToken({
  name: 'Or',
  pattern: /or/,
  longer_alt: Identifier,
  categories: [BinOp],
  label: "'or'",
});
export const Not = createToken({ name: 'Not', pattern: /not/, longer_alt: Identifier, label: "'not'" });

export const PipeOp = op('PipeOp', '|>', [BinOp]);
export const Arrow = op('Arrow', '->');
export const LeftArrow = op('LeftArrow', '<-');
export const FatArrow = op('FatArrow', '=>');
export const Pow = op('Pow', '**', [BinOp]);
export const EqEq = op('EqEq', '==', [BinOp]);
export const NotEq = op('NotEq', '!=', [BinOp]);
export const LtEq = op('LtEq', '<=', [BinOp]);
export const GtEq = op('GtEq', '>=', [BinOp]);
export const Lt = op('Lt', '<', [BinOp]);
export const Gt = op('Gt', '>', [BinOp]);
export const Eq = op('Eq', '=');
export const Plus = op('Plus', '+', [BinOp]);
export const Minus = op('Minus', '-', [BinOp]);
export const Star = op('Star', '*', [BinOp]);
export const Slash = op('Slash', '/', [BinOp]);
export const Percent = op('Percent', '%', [BinOp]);
export const At = op('At', '@', [BinOp]);
export const Colon = op('Colon', ':');
export const Comma = op('Comma', ',');
export const Dot = op('Dot', '.');
export const Semi = op('Semi', ';');
export const LParen = op('LParen', '(');
export const RParen = op('RParen', ')');
export const LBracket = op('LBracket', '[');
export const RBracket = op('RBracket', ']');
export const LBrace = op('LBrace', '{');
export const RBrace = op('RBrace', '}');

export const NumberTok = createToken({
  name: 'Number',
  pattern: /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: 'a number',
});
export const StringTok = createToken({ name: 'String', pattern: /"(?:[^"\\\n]|\\.)*"/, label: 'a string' });
/** A string that reaches the end of its line; reported, then treated as a string. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\n]|\\.)*/,
  label: 'a string',
});

export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true, label: 'end of line' });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v\uFEFF]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  line_breaks: true,
  group: 'comments',
});
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  group: 'comments',
});

export const KEYWORDS: readonly TokenType[] = [
  Model,
  Layer,
  Fn,
  Input,
  Param,
  State,
  Infer,
  Train,
  Sample,
  Update,
  Minimize,
  With,
  Repeat,
  Carry,
  Scan,
  Over,
  Emit,
  Return,
  Import,
  True,
  False,
  And,
  Or,
  Not,
];

export const ALL_TOKENS: readonly TokenType[] = [
  WhiteSpace,
  Newline,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringTok,
  UnterminatedString,
  NumberTok,
  ...KEYWORDS,
  Identifier,
  PipeOp,
  Arrow,
  LeftArrow,
  FatArrow,
  Pow,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Eq,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  At,
  Colon,
  Comma,
  Dot,
  Semi,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  BinOp,
];

export const dlLexer = new Lexer([...ALL_TOKENS], {
  positionTracking: 'full',
  ensureOptimizations: true,
  // Line terminators: only \n (a \r before it is whitespace).
  lineTerminatorsPattern: /\n/g,
  lineTerminatorCharacters: ['\n'],
});

/** The words a user cannot use as names. */
export const RESERVED_WORDS: readonly string[] = KEYWORDS.map((t) => (t.LABEL ?? '').slice(1, -1));
