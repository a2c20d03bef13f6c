// Lowering of `grad`, `jvp` and `hvp`: derivatives as values (the products
// themselves are compiler/autodiff/products.ts). Steps:
//  1. find the frame that made the differentiated value f: the entry's graph or the
//     body of an enclosing loop;
//  2. take wrt (and gauss_newton's z) as values of that frame: a param named in a
//     loop body is that body's capture, but f was computed from the param itself;
//  3. build the product on a tape over that frame's nodes: in place when f was made
//     in the innermost frame, else in a scratch builder whose nodes are replayed
//     into the innermost frame (the forward values they read become captures, so a
//     conjugate-gradient loop's body reads the activations of the forward pass);
//  4. a part with no path to f (structurally zero) is an error naming it.
import type { Span } from '../../dsl/ast';
import type { Tape } from '../autodiff/products';
import { builderTape, gnvp, grad, hvp, jvp, reaches, scratchTape } from '../autodiff/products';
import type { GraphBuilder } from '../ir/builder';
import type { Value } from '../ir/types';
import { typeToString } from '../ir/types';
import type { BuiltinCall } from './builtins';
import { asTensor } from './coerce';
import type { EntryContext } from './context';
import { LowerError } from './errors';
import type { LVal } from './values';
import { describe, tensor } from './values';

interface WrtItem {
  /** As seen from the innermost frame. */
  readonly value: Value;
  /** `'fc1.W'`, or `item 2 of wrt (f32[8])`. */
  readonly label: string;
}

interface Wrt {
  readonly items: readonly WrtItem[];
  /** One tensor given (not a list or a layer instance): the result is one tensor too. */
  readonly single: boolean;
  readonly span: Span;
}

type Fn = 'grad' | 'jvp' | 'hvp';

export function lowerGrad(c: BuiltinCall): LVal {
  const f = scalarOf(c, 'grad', 'f');
  const wrt = wrtOf(c, 'grad');
  const parts = onTape(c, 'grad', f, [], wrt, (t, fL, ws) => grad(t, fL, ws));
  return results(c, 'grad', wrt, parts);
}

export function lowerJvp(c: BuiltinCall): LVal {
  const y = asTensor(c.ctx, c.args.y, span(c, 'y'));
  if (y.type.dtype !== 'f32')
    throw new LowerError(span(c, 'y'), 'derivative-not-float', { fn: 'jvp', type: typeToString(y.type) });
  const wrt = wrtOf(c, 'jvp');
  const vs = vectorOf(c, 'jvp', wrt);
  const [part] = onTape(c, 'jvp', y, [], wrt, (t, yL, ws) => {
    // One result for all of wrt: name the first tensor y ignores.
    const missing = ws.findIndex((w) => !reaches(t.nodes(), [w], yL));
    if (missing >= 0) throw noDependence(c, 'jvp', wrt, missing);
    return [jvp(t, yL, ws, vs)];
  });
  if (!part) throw noDependence(c, 'jvp', wrt, 0);
  return tensor(part);
}

export function lowerHvp(c: BuiltinCall): LVal {
  const f = scalarOf(c, 'hvp', 'f');
  const wrt = wrtOf(c, 'hvp');
  const vs = vectorOf(c, 'hvp', wrt);
  const zGiven = c.args.gauss_newton;
  if (zGiven === undefined)
    return results(
      c,
      'hvp',
      wrt,
      onTape(c, 'hvp', f, [], wrt, (t, fL, ws) => hvp(t, fL, ws, vs)),
    );
  const z = asTensor(c.ctx, zGiven, span(c, 'gauss_newton'));
  const parts = onTape(c, 'hvp', f, [z], wrt, (t, fL, ws, [zL]) => {
    const nodes = t.nodes();
    if (!zL || !reaches(nodes, [zL], fL))
      throw new LowerError(span(c, 'gauss_newton'), 'gauss-newton-not-between', { of: 'f' });
    ws.forEach((w, i) => {
      if (reaches(nodes, [w], fL, zL)) {
        throw new LowerError(span(c, 'f'), 'gauss-newton-bypass', { of: 'f', item: wrt.items[i]!.label }, [
          { message: 'the model output z is this value', span: span(c, 'gauss_newton') },
          {
            message:
              'add the curvature of such terms yourself (an L2 term λ·sum(W ** 2) adds 2·λ·v), or take hvp without gauss_newton',
          },
        ]);
      }
    });
    return gnvp(t, fL, zL, ws, vs);
  });
  return results(c, 'hvp', wrt, parts);
}

function span(c: BuiltinCall, name: string): Span {
  return c.argSpans[name] ?? c.span;
}

function scalarOf(c: BuiltinCall, fn: Fn, name: string): Value {
  const f = asTensor(c.ctx, c.args[name], span(c, name));
  if (f.type.dtype !== 'f32' || f.type.shape.length !== 0) {
    throw new LowerError(span(c, name), 'derivative-not-scalar', { fn, type: typeToString(f.type) }, [
      {
        message: f.type.shape.length ? 'take the mean or sum over the batch, e.g. mean(...)' : 'cast it with f32(...)',
      },
    ]);
  }
  return f;
}

/** wrt's tensors: each tensor given, and a layer instance's params in declaration order. */
function wrtOf(c: BuiltinCall, fn: Fn): Wrt {
  const given = c.args.wrt;
  const at = span(c, 'wrt');
  const list = given.kind === 'list' || given.kind === 'tuple';
  const items = (list ? given.items : [given]).flatMap((v, k): WrtItem[] => {
    const position = list ? `item ${k + 1} of wrt` : 'wrt';
    if (v.kind === 'layer') {
      const names = v.instance.members
        .map((m) => `${v.instance.path}.${m}`)
        .filter((n) => c.ctx.persistent.get(n)?.kind === 'param');
      if (names.length === 0)
        throw new LowerError(at, 'derivative-bad-wrt', {
          fn,
          item: position,
          found: `${describe(v)}, which has no params`,
        });
      return names.map((n) => ({ value: c.ctx.global(n, at), label: `'${n}'` }));
    }
    if (v.kind !== 'tensor') throw new LowerError(at, 'derivative-bad-wrt', { fn, item: position, found: describe(v) });
    const made = c.ctx.origin(v.value);
    const named = made.def === null && made.name ? `'${made.name}'` : undefined;
    const type = typeToString(v.value.type);
    if (v.value.type.dtype !== 'f32')
      throw new LowerError(at, 'derivative-bad-wrt', { fn, item: named ?? position, found: type });
    return [{ value: c.ctx.use(v.value), label: named ?? `${position} (${type})` }];
  });
  if (items.length === 0) throw new LowerError(at, 'derivative-bad-wrt', { fn, item: 'wrt', found: 'an empty list' });
  return { items, single: !list && given.kind !== 'layer', span: at };
}

/** v: one tensor per wrt tensor, each of its type. */
function vectorOf(c: BuiltinCall, fn: Fn, wrt: Wrt): Value[] {
  const given = c.args.v;
  const at = span(c, 'v');
  const list = given.kind === 'list' || given.kind === 'tuple';
  const parts = list ? given.items : [given];
  if (parts.length !== wrt.items.length) {
    throw new LowerError(at, 'derivative-vector-count', {
      fn,
      count: parts.length,
      s: parts.length === 1 ? '' : 's',
      want: wrt.items.length,
    });
  }
  return parts.map((p, i) => {
    const v = asTensor(c.ctx, p, at);
    const want = wrt.items[i]!;
    if (typeToString(v.type) !== typeToString(want.value.type)) {
      const part = list ? `part ${i + 1} of v` : 'v';
      throw new LowerError(at, 'derivative-vector-type', {
        fn,
        part,
        found: typeToString(v.type),
        item: want.label,
        want: typeToString(want.value.type),
      });
    }
    return v;
  });
}

type Build = (t: Tape, f: Value, wrt: Value[], extra: (Value | undefined)[]) => (Value | null)[];

/** Steps 1–3: the parts built by `build` over the nodes of the frame that made f, as innermost-frame values. */
function onTape(c: BuiltinCall, fn: Fn, f: Value, extra: readonly Value[], wrt: Wrt, build: Build): (Value | null)[] {
  const ctx = c.ctx;
  const level = ctx.levelOf(f);
  const fL = ctx.seenFrom(level, f)!;
  const ws = wrt.items.map((w, i) => {
    // A wrt made inside a loop that f was computed outside of cannot change f.
    const seen = ctx.seenFrom(level, w.value);
    if (!seen) throw noDependence(c, fn, wrt, i);
    return seen;
  });
  const extraL = extra.map((v) => ctx.seenFrom(level, v));
  const inPlace = level === ctx.depth - 1;
  const b = inPlace ? ctx.frame.b : ctx.frame.b.region('derivative');
  const tape = inPlace ? builderTape(b) : scratchTape(b, ctx.frameAt(level).b.nodeList);
  const parts = b.withSpan(c.span, () => build(tape, fL, ws, extraL));
  if (inPlace) {
    ctx.adopt();
    return parts;
  }
  return replay(ctx, b, level, parts, c.span);
}

/**
 * Emits `scratch`'s nodes, each in the deepest frame that one of its inputs comes
 * from: the innermost for those that read the loop's values, an enclosing one for
 * the rest (a pass that does not read v is computed once, not on every iteration
 * of the loop). Returns the given values as the copies made.
 */
function replay(
  ctx: EntryContext,
  scratch: GraphBuilder,
  base: number,
  values: readonly (Value | null)[],
  at: Span,
): (Value | null)[] {
  const copies = new Map<Value, Value>();
  for (const n of scratch.nodeList) {
    const inputs = n.inputs.map((v) => copies.get(v) ?? v);
    const level = Math.max(base, ...inputs.map((v) => ctx.levelOf(v)));
    const node = ctx.emitAt(level, n.op, inputs, n.attrs, n.span ?? at, n.regions);
    n.outputs.forEach((o, i) => copies.set(o, node.outputs[i]!));
  }
  return values.map((v) => v && ctx.use(copies.get(v) ?? v));
}

/** Step 4, then the parts as one tensor or a tuple. */
function results(c: BuiltinCall, fn: Fn, wrt: Wrt, parts: readonly (Value | null)[]): LVal {
  const values = parts.map((p, i) => {
    if (!p) throw noDependence(c, fn, wrt, i);
    return tensor(p);
  });
  return wrt.single ? values[0]! : { kind: 'tuple', items: values };
}

function noDependence(c: BuiltinCall, fn: Fn, wrt: Wrt, i: number): LowerError {
  const of = fn === 'jvp' ? 'y' : 'f';
  return new LowerError(wrt.span, 'derivative-no-dependence', { fn, of, item: wrt.items[i]!.label }, [
    { message: `${of} is this value`, span: span(c, of) },
    { message: 'a value read only under stop_gradient (or not at all) has no derivative' },
  ]);
}
