// Lowering of statements and of the two loop forms. A statement list runs in one
// scope; `return` gives a block's value, `emit` adds to the enclosing scan's
// outputs, `<-` and `minimize` are handled by the entry point (entry.ts) through
// the hooks in StmtHooks, since they are only legal there.
import type { Body, Expr, Minimize, Repeat, Scan, Stmt, StateAssign } from '../../dsl/ast';
import { assertNever } from '../../dsl/ast';
import type { TensorType, Value } from '../ir/types';
import { typeToString } from '../ir/types';
import { asInt, asTensor } from './coerce';
import type { Env } from './expr';
import { lowerExpr, requireCtx } from './expr';
import { LowerError } from './errors';
import type { LVal } from './values';
import { describe, tensor } from './values';

const I32_SCALAR: TensorType = { dtype: 'i32', shape: [] };

/** What statements outside plain assignments do, depending on where they are. */
export interface StmtHooks {
  minimize?(env: Env, s: Minimize): void;
  stateAssign?(env: Env, s: StateAssign): void;
  /** Inside a scan body: collects emitted values. */
  emit?(values: LVal[], span: Stmt['span']): void;
}

/** Runs statements; returns the value of a `return`, if one ran. */
export function lowerStatements(env: Env, stmts: readonly Stmt[], hooks: StmtHooks = {}): LVal | undefined {
  for (const s of stmts) {
    switch (s.kind) {
      case 'Assign': {
        const v = lowerExpr(env, s.value);
        if (s.targets.length === 1) {
          if (s.targets[0].name) env.scope.define(s.targets[0].name.name, v);
          break;
        }
        if (v.kind !== 'tuple')
          throw new LowerError(s.span, 'not-a-tuple', { count: s.targets.length, found: describe(v) });
        if (v.items.length !== s.targets.length) {
          throw new LowerError(s.span, 'tuple-count-mismatch', { count: s.targets.length, values: v.items.length });
        }
        s.targets.forEach((t, i) => t.name && env.scope.define(t.name.name, v.items[i]));
        break;
      }
      case 'Return': {
        const values = s.values.map((x) => lowerExpr(env, x));
        return values.length === 1 ? values[0] : { kind: 'tuple', items: values };
      }
      case 'Emit':
        if (!hooks.emit) throw new LowerError(s.span, 'emit-outside-scan');
        hooks.emit(
          s.values.map((x) => lowerExpr(env, x)),
          s.span,
        );
        break;
      case 'Minimize':
        if (!hooks.minimize) throw new LowerError(s.span, 'minimize-outside-train');
        hooks.minimize(env, s);
        break;
      case 'StateAssign':
        if (!hooks.stateAssign) throw new LowerError(s.span, 'state-assign-in-fn');
        hooks.stateAssign(env, s);
        break;
      default:
        assertNever(s, 'statement');
    }
  }
  return undefined;
}

/** The value of a fn or forward body. */
export function lowerBlock(env: Env, body: Body): LVal {
  if (body.kind === 'ExprBody') return lowerExpr(env, body.expr);
  const v = lowerStatements(env, body.stmts);
  if (!v) throw new LowerError(body.span, 'missing-return');
  return v;
}

/**
 * `repeat` and `scan` become region ops. Steps:
 *  1. evaluate the carried values' initial tensors in the enclosing frame;
 *  2. open a body frame whose args are the loop index (scan) and the carries;
 *  3. lower the body; tensors it uses from outside become captured args;
 *  4. close the body with results [next carries..., emits...];
 *  5. emit the region op with inputs [initial carries..., captured values...].
 */
export function lowerLoop(env: Env, e: Repeat | Scan): LVal {
  const ctx = requireCtx(env, e.span);
  const isScan = e.kind === 'Scan';
  const steps = asInt(lowerExpr(env, isScan ? e.length : e.count), (isScan ? e.length : e.count).span, 'a loop count');
  if (steps < 1) throw new LowerError(e.span, 'bad-loop-count', { count: steps });
  const inits = e.carries.map((c) => asTensor(ctx, lowerExpr(env, c.init), c.init.span));
  const indexArg = isScan ? [{ name: e.index.name, type: { dtype: 'i32', shape: [] } as TensorType }] : [];
  const made = ctx.pushLoop(
    isScan ? 'scan_body' : 'repeat_body',
    steps,
    [...indexArg, ...e.carries.map((c, i) => ({ name: c.name.name, type: inits[i].type }))],
    isScan ? 0 : undefined,
  );
  const scope = env.scope.child();
  const body: Env = { ctx, scope };
  if (isScan) scope.define(e.index.name, tensor(made[0]));
  const carryArgs = made.slice(indexArg.length);
  e.carries.forEach((c, i) => scope.define(c.name.name, tensor(carryArgs[i])));
  const emits: { value: Value; span: Expr['span'] }[] = [];
  let frame;
  try {
    lowerStatements(body, e.body, {
      emit: (values, span) => {
        for (const v of values) emits.push({ value: asTensor(ctx, v, span), span });
      },
    });
    const next = e.carries.map((c, i) => {
      const v = asTensor(ctx, scope.lookup(c.name.name)!, c.span);
      if (typeToString(v.type) !== typeToString(inits[i].type)) {
        throw new LowerError(
          c.span,
          'carry-type-changes',
          { name: c.name.name, from: typeToString(inits[i].type), to: typeToString(v.type) },
          [{ message: `'${c.name.name}' starts as ${typeToString(inits[i].type)} here`, span: c.init.span }],
        );
      }
      return { name: c.name.name, value: v };
    });
    if (isScan && emits.length === 0 && e.carries.length === 0) throw new LowerError(e.span, 'empty-scan');
    // A repeat whose body draws random numbers carries its iteration counter last.
    const counterNext = ctx.frame.counter
      ? [
          {
            name: 'iter',
            value: ctx.op('add', [ctx.frame.iteration!, ctx.constant(1, I32_SCALAR, e.span)], {}, e.span),
          },
        ]
      : [];
    const results = [...next, ...counterNext, ...emits.map((x, i) => ({ name: `emit${i}`, value: ctx.use(x.value) }))];
    frame = ctx.popLoop();
    let graph = frame.b.finish(results);
    const loopInits = [...inits];
    if (frame.counter) {
      // Region args must read [index, carries..., captures...]: move the counter after the carries.
      const counterArg = graph.args.find((a) => a.value === frame!.iteration)!;
      const rest = graph.args.filter((a) => a !== counterArg);
      const at = indexArg.length + inits.length;
      graph = { ...graph, args: [...rest.slice(0, at), counterArg, ...rest.slice(at)] };
      loopInits.push(ctx.constant(0, I32_SCALAR, e.span));
    }
    const attrs: Record<string, number> = isScan
      ? { length: steps, carries: loopInits.length }
      : { count: steps, carries: loopInits.length };
    const node = ctx.emitRegion(isScan ? 'scan' : 'repeat', [...loopInits, ...frame.captured], attrs, graph, e.span);
    // The counter's final value is not part of the loop's value.
    const outs = node.outputs.filter((_, i) => !(frame!.counter && i === inits.length)).map((v) => tensor(v, e.span));
    // A scan's value lists its stacked emits first, then the final carries (see dsl/ast.ts).
    const items = isScan ? [...outs.slice(inits.length), ...outs.slice(0, inits.length)] : outs;
    return items.length === 1 ? items[0] : { kind: 'tuple', items };
  } finally {
    if (!frame) ctx.abandonLoop();
  }
}
