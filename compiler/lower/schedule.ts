// A stage of a model's `schedule { ... }` block → the StagePlan `dlc train` runs: counts
// evaluated over the hyperparameters (so `-D` can shorten a recipe), the lr schedule
// turned into its `--lr-schedule` spec and checked. Names and entry kinds were
// checked by the resolver (dsl/resolve.ts).
import type { Duration, Expr, StageDecl } from '../../dsl/ast';
import { DlcError } from '../../runtime/errors';
import { stageLrSchedule, type StageLength, type StagePlan } from '../../runtime/train/schedule-plan';
import { asNumber } from './coerce';
import { LowerError } from './errors';
import { lowerExpr } from './expr';
import type { Scope } from './scope';

function count(scope: Scope, e: Expr, what: string): number {
  const n = asNumber(lowerExpr({ ctx: null, scope }, e), e.span, what);
  if (!Number.isInteger(n) || n < 1) throw new LowerError(e.span, 'bad-stage-count', { what, value: n });
  return n;
}

function length(scope: Scope, d: Duration, what: string): StageLength {
  return { count: count(scope, d.count, what), unit: d.unit };
}

/** `cosine(final = 0.1)` → `cosine:final=0.1`; a bare name is a kind without parameters. */
function lrSpec(scope: Scope, e: Expr): string {
  const kind = e.kind === 'Name' ? e.name : e.kind === 'Call' && e.callee.kind === 'Name' ? e.callee.name : undefined;
  if (kind === undefined)
    throw new LowerError(e.span, 'bad-lr-schedule', {
      message: 'expected constant, step(...), exp(...), linear(...) or cosine(...)',
    });
  if (e.kind !== 'Call') return kind;
  const parts = e.args.map((a) => {
    if (!a.name)
      throw new LowerError(a.span, 'bad-lr-schedule', {
        message: `the arguments of '${kind}' must be named (e.g. gamma = 0.5)`,
      });
    return `${a.name.name}=${asNumber(lowerExpr({ ctx: null, scope }, a.value), a.value.span)}`;
  });
  return parts.length === 0 ? kind : `${kind}:${parts.join(',')}`;
}

function fraction(scope: Scope, e: Expr): number {
  const f = asNumber(lowerExpr({ ctx: null, scope }, e), e.span, 'a fraction');
  if (!(f > 0 && f <= 1)) throw new LowerError(e.span, 'bad-stage-fraction', { value: f });
  return f;
}

export function lowerStage(s: StageDecl, scope: Scope): StagePlan {
  if (!s.length) throw new LowerError(s.name.span, 'stage-without-length', { stage: s.name.name });
  let lrSchedule: string | undefined;
  if (s.lrSchedule) {
    lrSchedule = lrSpec(scope, s.lrSchedule);
    try {
      stageLrSchedule(lrSchedule, 1_000_000);
    } catch (err) {
      if (!(err instanceof DlcError)) throw err;
      throw new LowerError(s.lrSchedule.span, 'bad-lr-schedule', {
        message: err.message.replace(/^learning-rate schedule '[^']*': /, '').replace(/ \(usage: [^)]*\)$/, ''),
      });
    }
  }
  const evalEvery =
    s.eval === undefined
      ? { count: 1, unit: 'epochs' as const }
      : s.eval.kind === 'NoEval'
        ? null
        : length(scope, s.eval, "'eval every'");
  return {
    name: s.name.name,
    entry: s.entry.name,
    length: length(scope, s.length, `the length of stage '${s.name.name}'`),
    ...(s.data ? { data: s.data.value } : {}),
    ...(s.bind ? { bind: s.bind.value } : {}),
    ...(lrSchedule !== undefined ? { lrSchedule } : {}),
    evalEvery,
    ...(s.easiest ? { easiest: { fraction: fraction(scope, s.easiest.fraction), entry: s.easiest.entry.name } } : {}),
    calls: s.calls.map((c) => ({
      entry: c.entry.name,
      ...(c.every ? { every: length(scope, c.every, "'every'") } : {}),
    })),
  };
}
