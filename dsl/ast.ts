// The typed AST of a .dl file. Every node has a `kind` discriminant and the `span`
// of source text it came from, so every later error and IR line can point back to
// `file.dl:line:col`. The parser builds it (dsl/parser.ts), the resolver checks
// names in it (dsl/resolve.ts), the lowering turns it into IR.
//
// Conventions the lowering can rely on once a file has no diagnostics:
// - `x |> f` is kept as a Pipe node; `x |> f(a, b = 1)` means `f(x, a, b = 1)`.
// - `.T` is always a Transpose node, never a Member named `T`.
// - Binary precedence has already been applied: the tree shape is the meaning.
import type { Span } from '../runtime/errors';

export type { Span };

// ---------------------------------------------------------------- names, types

export interface Ident {
  readonly kind: 'Ident';
  readonly name: string;
  readonly span: Span;
}

export type DTypeName = 'f32' | 'i32' | 'u32' | 'bool';
export const DTYPE_NAMES: readonly DTypeName[] = ['f32', 'i32', 'u32', 'bool'];

/** `f32[batch, 784]`; `f32` alone is a scalar (shape []). */
export interface TypeExpr {
  readonly kind: 'TypeExpr';
  readonly dtype: DTypeName;
  /** Each dimension is an expression over hyperparameters (`T + 1`, `n_out * pieces`). */
  readonly shape: readonly Expr[];
  readonly span: Span;
}

// ---------------------------------------------------------------- expressions

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '@' | '**' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';
export const BINARY_OPS: readonly BinaryOp[] = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '**',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'and',
  'or',
];

export type UnaryOp = '-' | 'not';

export interface NumberLit {
  readonly kind: 'Number';
  readonly value: number;
  /** The literal as written (`1e-4`, `784`), for messages and IR comments. */
  readonly raw: string;
  /** True when written without `.` or exponent: an integer literal. */
  readonly isInt: boolean;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: 'String';
  readonly value: string;
  readonly span: Span;
}

/** A reference to a name: hyperparameter, input, param, state, local, fn, layer, builtin. */
export interface Name {
  readonly kind: 'Name';
  readonly name: string;
  readonly span: Span;
}

/** `fc1.W`: a member of a layer instance. */
export interface Member {
  readonly kind: 'Member';
  readonly object: Expr;
  readonly member: Ident;
  readonly span: Span;
}

export interface Unary {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  /** The span of the operator token alone. */
  readonly opSpan: Span;
  readonly span: Span;
}

export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** The span of the operator token alone (where shape errors point). */
  readonly opSpan: Span;
  readonly span: Span;
}

/** `x |> target`: target is a Name, Member or Call; the value becomes its first argument. */
export interface Pipe {
  readonly kind: 'Pipe';
  readonly value: Expr;
  readonly target: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

/** Postfix `.T`: swaps the last two axes. */
export interface Transpose {
  readonly kind: 'Transpose';
  readonly operand: Expr;
  readonly span: Span;
}

export interface Arg {
  readonly kind: 'Arg';
  /** Present for a named argument `axis = 1`. */
  readonly name?: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** `f(a, b, axis = 1)`; callee is a Name (fn, layer instance, builtin) or a Member. */
export interface Call {
  readonly kind: 'Call';
  readonly callee: Expr;
  readonly args: readonly Arg[];
  readonly span: Span;
}

/** `start:end:step` inside brackets, each part optional (`:` is the whole axis). */
export interface Slice {
  readonly kind: 'Slice';
  readonly start?: Expr;
  readonly end?: Expr;
  readonly step?: Expr;
  readonly span: Span;
}

/** `x[:, t]`, `tokens[:, 1:T+1]`: one item per leading axis. */
export interface Index {
  readonly kind: 'Index';
  readonly object: Expr;
  readonly items: readonly (Expr | Slice)[];
  readonly span: Span;
}

/** `[-1, n_out, pieces]`: a literal list (shapes, axes). */
export interface List {
  readonly kind: 'List';
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** `name = init` after `carry`. */
export interface Carry {
  readonly kind: 'Carry';
  readonly name: Ident;
  readonly init: Expr;
  readonly span: Span;
}

/**
 * `repeat k carry v = v0, w = w0 { ... }`: runs the body k times; assigning a
 * carried name in the body sets its next value. Its value is the final carried
 * values, in `carry` order (one value, or a tuple to destructure).
 */
export interface Repeat {
  readonly kind: 'Repeat';
  readonly count: Expr;
  readonly carries: readonly Carry[];
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/**
 * `scan t over T carry h = h0 { ...; emit y }`: the body runs for t = 0..T-1.
 * Its value is a tuple: each emitted value stacked along a new axis 1 (time,
 * after batch) in `emit` order, then the final carried values in `carry` order.
 */
export interface Scan {
  readonly kind: 'Scan';
  readonly index: Ident;
  readonly length: Expr;
  readonly carries: readonly Carry[];
  readonly body: readonly Stmt[];
  readonly span: Span;
}

export type Expr =
  | NumberLit
  | BoolLit
  | StringLit
  | Name
  | Member
  | Unary
  | Binary
  | Pipe
  | Transpose
  | Call
  | Index
  | List
  | Repeat
  | Scan;

// ---------------------------------------------------------------- statements

/** An assignment target: a name, or `_` to drop that value of a tuple. */
export interface Target {
  readonly kind: 'Target';
  /** undefined for `_`. */
  readonly name?: Ident;
  readonly span: Span;
}

/** `h = expr` or `hs, hT = scan ...`. */
export interface Assign {
  readonly kind: 'Assign';
  readonly targets: readonly Target[];
  readonly value: Expr;
  readonly span: Span;
}

/** `chain <- vk`, `q_target <- q`: writes a state/param (or a whole layer's params). */
export interface StateAssign {
  readonly kind: 'StateAssign';
  /** A Name or Member chain. */
  readonly target: Expr;
  readonly value: Expr;
  readonly span: Span;
}

/**
 * `minimize loss with sgd(lr = 0.1)`; bare `with adam` has no args. `over [fc2, out.W]`
 * chooses the params; a `{ [fc1.b]: weight_decay = 0 }` block gives groups their own options.
 */
export interface Minimize {
  readonly kind: 'Minimize';
  readonly loss: Expr;
  readonly optimizer: Ident;
  readonly args: readonly Arg[];
  /** The params named after `over` (Names or Members: params or layer instances). */
  readonly over?: List;
  readonly groups: readonly ParamGroup[];
  readonly span: Span;
}

/** `[fc1.b, fc2.b]: weight_decay = 0` in a minimize's block: these params' own options. */
export interface ParamGroup {
  readonly kind: 'ParamGroup';
  readonly params: List;
  readonly options: readonly Arg[];
  readonly span: Span;
}

/** `emit y` (or `emit y, z`) inside a scan body. */
export interface Emit {
  readonly kind: 'Emit';
  readonly values: readonly Expr[];
  readonly span: Span;
}

/** `return expr` (or `return h, c`): last statement of a block-form fn or forward. */
export interface Return {
  readonly kind: 'Return';
  readonly values: readonly Expr[];
  readonly span: Span;
}

export type Stmt = Assign | StateAssign | Minimize | Emit | Return;

// ---------------------------------------------------------------- declarations

/**
 * A parameter of a model (hyperparameter), layer definition, fn or entry point:
 * `batch = 128`, `x`, `prime: i32[1]`, `length = 200`.
 */
export interface Param {
  readonly kind: 'Param';
  readonly name: Ident;
  readonly type?: TypeExpr;
  readonly default?: Expr;
  readonly span: Span;
}

/** `input x: f32[batch, 784]`, `param W: f32[..] = normal(0, 0.01)`, `state s: .. = zeros`. */
export interface TensorDecl {
  readonly kind: 'TensorDecl';
  readonly role: 'input' | 'param' | 'state';
  readonly name: Ident;
  readonly type: TypeExpr;
  /** The initializer: a Name (`zeros`) or a Call (`normal(0, 0.01)`); absent for inputs. */
  readonly init?: Expr;
  readonly span: Span;
}

/** `layer fc1 = dense(784, hidden)`. */
export interface LayerInstance {
  readonly kind: 'LayerInstance';
  readonly name: Ident;
  /** The layer definition's name. */
  readonly layer: Ident;
  readonly args: readonly Arg[];
  readonly span: Span;
}

/** `= expr` or `{ stmts; return expr }`. */
export type Body =
  | { readonly kind: 'ExprBody'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'BlockBody'; readonly stmts: readonly Stmt[]; readonly span: Span };

/** `fn name(args) = expr` or `fn name(args) { ...; return expr }`. */
export interface FnDecl {
  readonly kind: 'Fn';
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly body: Body;
  readonly span: Span;
}

/** The forward function of a layer definition: `(x) => expr` or `(x, h) { ...; return h }`. */
export interface Forward {
  readonly kind: 'Forward';
  readonly params: readonly Param[];
  readonly body: Body;
  readonly span: Span;
}

export type LayerItem = TensorDecl | LayerInstance | FnDecl;

/** `layer dense(n_in, n_out) { param W: ...; (x) => x @ W + b }`. */
export interface LayerDef {
  readonly kind: 'LayerDef';
  readonly name: Ident;
  readonly params: readonly Param[];
  /** param/state declarations, nested layer instances and helper fns, in order. */
  readonly items: readonly LayerItem[];
  /** Absent only in a file with diagnostics. */
  readonly forward?: Forward;
  readonly span: Span;
}

export type EntryKind = 'infer' | 'train' | 'sample' | 'update';
export const ENTRY_KINDS: readonly EntryKind[] = ['infer', 'train', 'sample', 'update'];

/** `train step(x, y) -> loss, accuracy { ... }`. */
export interface EntryDecl {
  readonly kind: 'Entry';
  readonly entry: EntryKind;
  readonly name: Ident;
  /**
   * Inputs of the model by name (`x`), typed runtime inputs of this entry only
   * (`prime: i32[1]`), or compile-time constants with a default (`length = 200`).
   */
  readonly params: readonly Param[];
  readonly outputs: readonly Ident[];
  readonly body: readonly Stmt[];
  readonly span: Span;
}

export type ModelItem = TensorDecl | LayerInstance | FnDecl | EntryDecl;

// ---------------------------------------------------------------- training schedules

export type DurationUnit = 'epochs' | 'steps';

/** `5 epochs`, `every 100 steps`: the count may name a hyperparameter (`pre_epochs epochs`). */
export interface Duration {
  readonly kind: 'Duration';
  readonly count: Expr;
  readonly unit: DurationUnit;
  readonly span: Span;
}

/** `every 3 steps call sync` (with `every`) or `at end call sync` (without): an `update` entry the stage calls. */
export interface StageCall {
  readonly kind: 'StageCall';
  readonly entry: Ident;
  readonly every?: Duration;
  readonly span: Span;
}

/** `easiest F by ENTRY`: the stage's data is the fraction F of the training examples ENTRY scores lowest. */
export interface StageSubset {
  readonly kind: 'StageSubset';
  readonly fraction: Expr;
  readonly entry: Ident;
  readonly span: Span;
}

/**
 * `stage finetune: train step for 10 epochs, data "mnist", lr_schedule cosine, eval every 2 epochs`.
 * Clauses after the first may come in any order, each at most once (calls repeat).
 */
export interface StageDecl {
  readonly kind: 'Stage';
  readonly name: Ident;
  /** The train entry the stage steps. */
  readonly entry: Ident;
  /** `for N epochs|steps`; absent only in a file with diagnostics (the resolver reports it). */
  readonly length?: Duration;
  readonly data?: StringLit;
  readonly bind?: StringLit;
  /** `lr_schedule cosine(total = 3000)`: a Name or a Call with named number arguments. */
  readonly lrSchedule?: Expr;
  /** `eval every K epochs`: a Duration; `eval none`: 'none'; absent: after every epoch. */
  readonly eval?: Duration | { readonly kind: 'NoEval'; readonly span: Span };
  /** `easiest 0.5 by difficulty`: train on the fraction of the examples an infer entry scores lowest. */
  readonly easiest?: StageSubset;
  readonly calls: readonly StageCall[];
  readonly span: Span;
}

/** `schedule { stage ...; stage ... }`: the stages `dlc train FILE` runs, in order. */
export interface ScheduleDecl {
  readonly kind: 'Schedule';
  readonly stages: readonly StageDecl[];
  readonly span: Span;
}

/** `model mnist_mlp(batch = 128, hidden = 1024) { ... }`. */
export interface ModelDecl {
  readonly kind: 'Model';
  readonly name: Ident;
  /** Hyperparameters; each has a default. */
  readonly hyper: readonly Param[];
  readonly items: readonly ModelItem[];
  /** The model's `schedule { ... }` block, when it has one. */
  readonly schedule?: ScheduleDecl;
  readonly span: Span;
}

/** `import "layers.dl"`: path relative to the importing file. */
export interface ImportDecl {
  readonly kind: 'Import';
  readonly path: string;
  readonly span: Span;
}

export type TopItem = ModelDecl | LayerDef | FnDecl;

export interface SourceFile {
  readonly kind: 'SourceFile';
  readonly file: string;
  readonly imports: readonly ImportDecl[];
  readonly items: readonly TopItem[];
  readonly span: Span;
}

/** A loaded program: the prelude, then imported files before their importers, then the root. */
export interface SourceProgram {
  readonly files: readonly SourceFile[];
  /** The file `dlc` was pointed at. */
  readonly root: SourceFile;
}

export type Node =
  | Ident
  | TypeExpr
  | Expr
  | Arg
  | Slice
  | Carry
  | Target
  | Stmt
  | Param
  | TensorDecl
  | LayerInstance
  | Body
  | FnDecl
  | Forward
  | LayerDef
  | EntryDecl
  | ModelDecl
  | ImportDecl
  | SourceFile
  | Duration
  | StageCall
  | StageDecl
  | ScheduleDecl;

export function assertNever(x: never, what = 'node'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify((x as { kind?: string })?.kind ?? x)}`);
}
