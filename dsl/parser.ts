// The chevrotain grammar of .dl, producing a concrete syntax tree (dsl/build.ts
// turns an error-free CST into the typed AST). Chevrotain's error recovery keeps
// parsing after a syntax error (single-token insertion/deletion, re-sync at the
// next item or statement), so one run reports every error in a file.
//
// Binary operators are read flat (`unary (op unary)*`) and precedence is applied
// afterwards by an iterative operator-precedence pass: the parser's recursion
// then grows only with bracket nesting, which dsl/tokens.ts bounds.
import { CstParser, EOF, type IParserErrorMessageProvider, type TokenType } from 'chevrotain';
import * as T from './lexer';

/** How each rule is described in "expected ... but found ..." messages. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  topItem: "'model', 'layer', 'fn' or 'import'",
  modelItem:
    "a model item ('input', 'param', 'state', 'layer', 'fn', 'infer', 'train', 'sample', 'update' or 'schedule')",
  stageDecl: "'stage NAME: train ENTRY for N epochs'",
  stageClause: "a stage clause ('for', 'data', 'bind', 'lr_schedule', 'eval', 'easiest', 'every' or 'at end')",
  layerItem: "a layer item ('param', 'state', 'layer', 'fn' or the forward '(x) => ...')",
  statement: 'a statement',
  expression: 'an expression',
  unaryExpr: 'an expression',
  primary: 'an expression',
  postfixExpr: 'an expression',
  indexItem: 'an index or slice',
  arg: 'an argument',
  param: 'a parameter name',
  tensorDecl: "'input', 'param' or 'state'",
  entryDecl: "'infer', 'train', 'sample' or 'update'",
  layerDecl: "'(' of a layer definition or '=' of a layer instance",
  fnDecl: "'=' or '{' of a fn body",
  forward: "'=>' or '{' of the forward body",
  entryKind: "'infer', 'train', 'sample' or 'update'",
};

export function tokenLabel(t: TokenType): string {
  if (t === EOF) return 'end of file';
  if (t === T.Identifier) return 'a name';
  return t.LABEL ?? t.name;
}

function describeAlternatives(paths: TokenType[][][], ruleName: string): string {
  const described = RULE_DESCRIPTIONS[ruleName];
  if (described) return described;
  const firsts = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) firsts.add(tokenLabel(path[0]));
  const list = [...firsts].slice(0, 6);
  if (list.length <= 1) return list[0] ?? 'more input';
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** Messages carry only the "expected" part; dsl/parse.ts adds what was found. */
const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => tokenLabel(expected),
  buildNotAllInputParsedMessage: () => RULE_DESCRIPTIONS['topItem']!,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) => describeAlternatives(expectedPathsPerAlt, ruleName),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    describeAlternatives([expectedIterationPaths], ruleName),
};

class DlParser extends CstParser {
  constructor() {
    super([...T.ALL_TOKENS], {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  readonly file = this.RULE('file', () => {
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.sep) }, { ALT: () => this.SUBRULE(this.topItem) }]));
  });

  private readonly sep = this.RULE('sep', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Newline) }, { ALT: () => this.CONSUME(T.Semi) }]);
  });

  private readonly topItem = this.RULE('topItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.layerDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
    ]);
  });

  private readonly importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringTok);
  });

  private readonly modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.sep) }, { ALT: () => this.SUBRULE(this.modelItem) }]));
    this.CONSUME(T.RBrace);
  });

  private readonly modelItem = this.RULE('modelItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.tensorDecl) },
      { ALT: () => this.SUBRULE(this.layerDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.entryDecl) },
      // `schedule` is a word only here (a model may still name something `schedule`).
      { GATE: () => this.LA(1).image === 'schedule', ALT: () => this.SUBRULE(this.scheduleDecl) },
    ]);
  });

  /** `schedule { stage NAME: train ENTRY clause, clause ... }`, one stage per line. */
  private readonly scheduleDecl = this.RULE('scheduleDecl', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.sep) }, { ALT: () => this.SUBRULE(this.stageDecl) }]));
    this.CONSUME(T.RBrace);
  });

  /** `stage NAME: train ENTRY for 5 epochs, every 3 steps call sync`; the words are checked in dsl/build.ts. */
  private readonly stageDecl = this.RULE('stageDecl', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
    this.CONSUME(T.Colon);
    this.CONSUME(T.Train);
    this.CONSUME3(T.Identifier);
    // Optional so that a stage without its length gets the resolver's message, not a parse error.
    this.OPTION(() => this.SUBRULE(this.stageClause));
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.stageClause);
    });
  });

  /** Words, numbers, strings and calls (`for 5 epochs`, `lr_schedule cosine(final = 0.1)`). */
  private readonly stageClause = this.RULE('stageClause', () => {
    this.AT_LEAST_ONE(() => this.SUBRULE(this.postfixExpr));
  });

  private readonly paramList = this.RULE('paramList', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.OPTION2(() => this.SUBRULE2(this.param));
      });
    });
    this.CONSUME(T.RParen);
  });

  private readonly param = this.RULE('param', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Eq);
      this.SUBRULE(this.expression);
    });
  });

  private readonly typeExpr = this.RULE('typeExpr', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.OPTION2(() => {
        this.SUBRULE(this.expression);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expression);
        });
      });
      this.CONSUME(T.RBracket);
    });
  });

  private readonly tensorDecl = this.RULE('tensorDecl', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Input) },
      { ALT: () => this.CONSUME(T.Param) },
      { ALT: () => this.CONSUME(T.State) },
    ]);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => {
      this.CONSUME(T.Eq);
      this.SUBRULE(this.expression);
    });
  });

  private readonly layerDecl = this.RULE('layerDecl', () => {
    this.CONSUME(T.Layer);
    this.CONSUME(T.Identifier);
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.paramList);
          this.CONSUME(T.LBrace);
          this.MANY(() =>
            this.OR2([{ ALT: () => this.SUBRULE(this.sep) }, { ALT: () => this.SUBRULE(this.layerItem) }]),
          );
          this.CONSUME(T.RBrace);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Eq);
          this.CONSUME2(T.Identifier);
          this.OPTION(() => this.SUBRULE(this.argList));
        },
      },
    ]);
  });

  private readonly layerItem = this.RULE('layerItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.tensorDecl) },
      { ALT: () => this.SUBRULE(this.layerDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.forward) },
    ]);
  });

  private readonly forward = this.RULE('forward', () => {
    this.SUBRULE(this.paramList);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.FatArrow);
          this.SUBRULE(this.expression);
        },
      },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
  });

  private readonly fnDecl = this.RULE('fnDecl', () => {
    this.CONSUME(T.Fn);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Eq);
          this.SUBRULE(this.expression);
        },
      },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
  });

  private readonly entryDecl = this.RULE('entryDecl', () => {
    this.SUBRULE(this.entryKind);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.CONSUME2(T.Identifier);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.CONSUME3(T.Identifier);
      });
    });
    this.SUBRULE(this.block);
  });

  private readonly entryKind = this.RULE('entryKind', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Infer) },
      { ALT: () => this.CONSUME(T.Train) },
      { ALT: () => this.CONSUME(T.Sample) },
      { ALT: () => this.CONSUME(T.Update) },
    ]);
  });

  private readonly block = this.RULE('block', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.sep) }, { ALT: () => this.SUBRULE(this.statement) }]));
    this.CONSUME(T.RBrace);
  });

  private readonly statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.minimizeStmt) },
      { ALT: () => this.SUBRULE(this.emitStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.stateAssign) },
      { ALT: () => this.SUBRULE(this.assign) },
    ]);
  });

  private readonly minimizeStmt = this.RULE('minimizeStmt', () => {
    this.CONSUME(T.Minimize);
    this.SUBRULE(this.expression);
    this.CONSUME(T.With);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.argList));
    this.OPTION2(() => {
      this.CONSUME(T.Over);
      this.SUBRULE(this.listExpr);
    });
    this.OPTION3(() => this.SUBRULE(this.paramGroups));
  });

  /** `{ [fc1.b, fc2.b]: weight_decay = 0 \n [fc1]: lr = 0.01 }` after a minimize. */
  private readonly paramGroups = this.RULE('paramGroups', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.sep) }, { ALT: () => this.SUBRULE(this.paramGroup) }]));
    this.CONSUME(T.RBrace);
  });

  private readonly paramGroup = this.RULE('paramGroup', () => {
    this.SUBRULE(this.listExpr);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.arg);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.arg);
    });
  });

  private readonly emitStmt = this.RULE('emitStmt', () => {
    this.CONSUME(T.Emit);
    this.SUBRULE(this.expressionList);
  });

  private readonly returnStmt = this.RULE('returnStmt', () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.expressionList);
  });

  private readonly expressionList = this.RULE('expressionList', () => {
    this.SUBRULE(this.expression);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.expression);
    });
  });

  private readonly stateAssign = this.RULE('stateAssign', () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
    this.CONSUME(T.LeftArrow);
    this.SUBRULE(this.expression);
  });

  private readonly assign = this.RULE('assign', () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.Identifier);
    });
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression);
  });

  // ---- expressions

  private readonly expression = this.RULE('expression', () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.CONSUME(T.BinOp);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  private readonly unaryExpr = this.RULE('unaryExpr', () => {
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Not) }]));
    this.SUBRULE(this.postfixExpr);
  });

  private readonly postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.postfixOp));
  });

  private readonly postfixOp = this.RULE('postfixOp', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.argList) },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.indexItem);
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.indexItem);
          });
          this.CONSUME(T.RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.CONSUME(T.Identifier);
        },
      },
    ]);
  });

  private readonly indexItem = this.RULE('indexItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.sliceTail) },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => this.SUBRULE2(this.sliceTail));
        },
      },
    ]);
  });

  /** `:end` or `:end:step` (each part optional), after an optional start. */
  private readonly sliceTail = this.RULE('sliceTail', () => {
    this.CONSUME(T.Colon);
    this.OPTION(() => this.SUBRULE(this.expression));
    this.OPTION2(() => {
      this.CONSUME2(T.Colon);
      this.OPTION3(() => this.SUBRULE2(this.expression));
    });
  });

  private readonly argList = this.RULE('argList', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.OPTION2(() => this.SUBRULE2(this.arg));
      });
    });
    this.CONSUME(T.RParen);
  });

  private readonly arg = this.RULE('arg', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Eq);
    });
    this.SUBRULE(this.expression);
  });

  private readonly primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberTok) },
      { ALT: () => this.CONSUME(T.StringTok) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.listExpr) },
      { ALT: () => this.SUBRULE(this.repeatExpr) },
      { ALT: () => this.SUBRULE(this.scanExpr) },
    ]);
  });

  private readonly parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  private readonly listExpr = this.RULE('listExpr', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.OPTION2(() => this.SUBRULE2(this.expression));
      });
    });
    this.CONSUME(T.RBracket);
  });

  private readonly repeatExpr = this.RULE('repeatExpr', () => {
    this.CONSUME(T.Repeat);
    this.SUBRULE(this.expression);
    this.OPTION(() => this.SUBRULE(this.carries));
    this.SUBRULE(this.block);
  });

  private readonly scanExpr = this.RULE('scanExpr', () => {
    this.CONSUME(T.Scan);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Over);
    this.SUBRULE(this.expression);
    this.OPTION(() => this.SUBRULE(this.carries));
    this.SUBRULE(this.block);
  });

  private readonly carries = this.RULE('carries', () => {
    this.CONSUME(T.Carry);
    this.SUBRULE(this.carry);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.carry);
    });
  });

  private readonly carry = this.RULE('carry', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression);
  });
}

/** One parser instance, reused: chevrotain parsers are built once and fed new input. */
export const dlParser = new DlParser();
