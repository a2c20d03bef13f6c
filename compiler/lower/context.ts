// The state of lowering one entry point: a stack of builder frames (the entry's
// graph, then one per enclosing loop body), the persistent tensors the program has
// declared, and the counters that make the IR deterministic (random streams).
//
// Loop bodies are closed graphs: a body may only use its own region args. When a
// body uses a tensor from an enclosing frame, `use` turns it into a capture — a
// region arg of the body fed by the outer value — through every frame in between.
import type { Span } from '../../dsl/ast';
import { GraphBuilder } from '../ir/builder';
import type { EntryKind, PersistentTensor } from '../ir/program';
import type { ArgKind, Attrs, Graph, Node, TensorType, Value } from '../ir/types';
import { LowerError } from './errors';
import { checkSize } from './limits';

export interface Frame {
  readonly b: GraphBuilder;
  /** Values made in this frame: its args and the outputs of its nodes. */
  readonly owned: Set<Value>;
  /** Outer value → this frame's capture arg. */
  readonly captures: Map<Value, Value>;
  /** The outer values captured, in region-arg order. */
  readonly captured: Value[];
  /** Iterations of this loop (loop frames only). */
  readonly steps: number;
  /**
   * The loop's iteration number (i32 scalar), for random draws: a scan's `t`, or a
   * counter a repeat carries, made the first time a random op in the body asks.
   */
  iteration?: Value;
  /** Whether `iteration` is a counter this lowering added to a repeat. */
  counter: boolean;
}

const I32_SCALAR: TensorType = { dtype: 'i32', shape: [] };

export class EntryContext {
  private readonly frames: Frame[];
  private nextStream: number;
  /** State/param writes (`<-`) in source order; emitted at the end of the entry. */
  readonly writes: { target: string; value: Value; span: Span }[] = [];

  constructor(
    readonly name: string,
    readonly kind: EntryKind,
    readonly persistent: ReadonlyMap<string, PersistentTensor>,
    readonly inputs: ReadonlyMap<string, TensorType>,
    firstStream: number,
  ) {
    const b = new GraphBuilder(name);
    this.frames = [{ b, owned: new Set(), captures: new Map(), captured: [], steps: 1, counter: false }];
    this.nextStream = firstStream;
  }

  get top(): GraphBuilder {
    return this.frames[0].b;
  }

  get frame(): Frame {
    return this.frames[this.frames.length - 1];
  }

  /** How many frames are open: 1 in the entry's graph, one more per enclosing loop body. */
  get depth(): number {
    return this.frames.length;
  }

  get inLoop(): boolean {
    return this.frames.length > 1;
  }

  /** Noise (dropout, corruption) is on in training and sampling, off in inference. */
  get noise(): boolean {
    return this.kind === 'train' || this.kind === 'sample';
  }

  /** A fresh random stream id; unique across the whole program. */
  stream(): number {
    return this.nextStream++;
  }

  get streamsUsed(): number {
    return this.nextStream;
  }

  /** The entry-graph arg of an input or persistent tensor, created on first use. */
  global(name: string, span: Span): Value {
    const b = this.top;
    const existing = b.findArg(name);
    if (existing) return this.use(existing.value);
    const input = this.inputs.get(name);
    if (input) return this.use(this.own(0, b.arg('input', name, input)));
    const p = this.persistent.get(name);
    if (!p) throw new LowerError(span, 'not-a-model-tensor', { name });
    const kind: ArgKind = p.kind;
    return this.use(this.own(0, b.arg(kind, name, p.type, p.init)));
  }

  /** `value` as seen from the innermost frame (captured into loop bodies as needed). */
  use(value: Value): Value {
    return this.useAt(this.frames.length - 1, value);
  }

  private useAt(level: number, value: Value): Value {
    const f = this.frames[level];
    if (level === 0 || f.owned.has(value)) return value;
    const known = f.captures.get(value);
    if (known) return known;
    const outer = this.useAt(level - 1, value);
    const arg = f.b.arg('region', `cap${f.captured.length}${value.name ? `.${value.name}` : ''}`, value.type);
    f.owned.add(arg);
    f.captures.set(value, arg);
    f.captured.push(outer);
    return arg;
  }

  /** The frame at `level` (0: the entry's graph), for derivatives taken over an outer frame's nodes. */
  frameAt(level: number): Frame {
    return this.frames[level];
  }

  /** The innermost frame that made `value` (its own capture args mapped back outwards first). */
  levelOf(value: Value): number {
    const v = this.origin(value);
    for (let level = this.frames.length - 1; level > 0; level--) if (this.frames[level].owned.has(v)) return level;
    return 0;
  }

  /** `value` as it was before any loop body captured it. */
  origin(value: Value): Value {
    // Each frame's `captures` is keyed by the value it was asked for, outermost view or not.
    let v = value;
    for (let level = this.frames.length - 1; level > 0; level--) {
      for (const [asked, arg] of this.frames[level].captures) {
        if (arg === v) {
          v = asked;
          break;
        }
      }
    }
    return v;
  }

  /** `value` as seen from the frame at `level` (undefined if it is made in a deeper one). */
  seenFrom(level: number, value: Value): Value | undefined {
    const v = this.origin(value);
    return this.levelOf(v) <= level ? this.useAt(level, v) : undefined;
  }

  /** Marks every node output of the innermost frame as its own (after nodes were emitted into its builder directly). */
  adopt(): void {
    const f = this.frame;
    for (const n of f.b.nodeList) for (const o of n.outputs) f.owned.add(o);
  }

  private own(level: number, v: Value): Value {
    this.frames[level].owned.add(v);
    return v;
  }

  /** Emits a node in the innermost frame, mapping its inputs into it. */
  emit(op: string, inputs: readonly Value[], attrs: Attrs, span: Span): Node {
    return this.emitAt(this.frames.length - 1, op, inputs, attrs, span);
  }

  /** Emits a node in the frame at `level` (an enclosing one: hoisted out of the loops inside it). */
  emitAt(
    level: number,
    op: string,
    inputs: readonly Value[],
    attrs: Attrs,
    span: Span,
    regions?: readonly Graph[],
  ): Node {
    const f = this.frames[level];
    const node = f.b.emit(
      op,
      inputs.map((v) => this.useAt(level, v)),
      attrs,
      { span, ...(regions ? { regions } : {}) },
    );
    // A scan stacks one emit per step: its outputs can be far larger than anything in the body.
    for (const o of node.outputs) {
      checkSize(o.type, span);
      f.owned.add(o);
    }
    return node;
  }

  op(op: string, inputs: readonly Value[], attrs: Attrs, span: Span): Value {
    const node = this.emit(op, inputs, attrs, span);
    if (node.outputs.length !== 1) throw new Error(`${op} has ${node.outputs.length} outputs`);
    return node.outputs[0];
  }

  /** Emits a region op (repeat, scan) with its body graph in the innermost frame. */
  emitRegion(op: string, inputs: readonly Value[], attrs: Attrs, body: Graph, span: Span): Node {
    return this.emitAt(this.frames.length - 1, op, inputs, attrs, span, [body]);
  }

  constant(value: number, type: TensorType, span: Span): Value {
    return this.op('constant', [], { value, dtype: type.dtype, shape: type.shape }, span);
  }

  /** Opens a loop-body frame; `args` are made first (loop index, carries), in order. */
  pushLoop(
    name: string,
    steps: number,
    args: readonly { name: string; type: TensorType }[],
    iterationArg?: number,
  ): Value[] {
    const b = this.frame.b.region(name);
    const made = args.map((a) => b.arg('region', a.name, a.type));
    const frame: Frame = {
      b,
      owned: new Set(made),
      captures: new Map(),
      captured: [],
      steps,
      iteration: iterationArg === undefined ? undefined : made[iterationArg],
      counter: false,
    };
    this.frames.push(frame);
    return made;
  }

  /**
   * The iteration number seen by a random op in the innermost frame: none outside
   * loops; in nested loops outer·steps_inner + inner, so every iteration of every
   * loop draws its own bits.
   */
  iteration(span: Span): Value | undefined {
    let acc: Value | undefined;
    for (let level = 1; level < this.frames.length; level++) {
      const f = this.frames[level];
      if (!f.iteration) {
        // A repeat's counter: a region arg the loop closing code carries as iter + 1.
        f.iteration = f.b.arg('region', 'iter', I32_SCALAR);
        f.owned.add(f.iteration);
        f.counter = true;
      }
      const it = this.useAt(this.frames.length - 1, f.iteration);
      acc =
        acc === undefined
          ? it
          : this.op('add', [this.op('mul', [acc, this.constant(f.steps, I32_SCALAR, span)], {}, span), it], {}, span);
    }
    return acc;
  }

  /** Drops a loop frame whose lowering failed. */
  abandonLoop(): void {
    if (this.frames.length > 1) this.frames.pop();
  }

  popLoop(): Frame {
    if (this.frames.length <= 1) throw new Error('popLoop without a loop');
    return this.frames.pop()!;
  }
}
