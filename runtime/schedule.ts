// Learning-rate schedules: pure functions of the step, giving a factor that
// multiplies the model's base learning rate (set as a runtime scalar each step, so
// changing the schedule never recompiles).
//
// CLI syntax (`--lr-schedule SPEC`): KIND or KIND:key=value,key=value. `step` is the
// number of updates already applied (0 for the first update).
//
//   constant                                  1
//   step:every=N,gamma=G                      G^floor(step / N)
//   exp:gamma=G                               G^step            (also "exponential")
//   linear:total=T[,warmup=W][,final=F]       warm-up, then linear decay to F at step T
//   cosine:total=T[,warmup=W][,final=F]       warm-up, then half-cosine decay to F at step T
//
// Warm-up (W steps, default 0) rises linearly as (step + 1) / W, so the first update
// uses 1/W and step W-1 uses 1. After warm-up, p = min(1, (step - W) / (T - W)) and the
// factor is 1 - (1 - F)·p (linear) or F + (1 - F)·(1 + cos πp)/2 (cosine); it stays at
// F (default 0) after step T.
import { DlcError } from './errors';

export type Schedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly every: number; readonly gamma: number }
  | { readonly kind: 'exp'; readonly gamma: number }
  | { readonly kind: 'linear' | 'cosine'; readonly total: number; readonly warmup: number; readonly final: number };

/** The factor applied to the base learning rate at `step`. */
export function scheduleFactor(s: Schedule, step: number): number {
  switch (s.kind) {
    case 'constant':
      return 1;
    case 'step':
      return s.gamma ** Math.floor(step / s.every);
    case 'exp':
      return s.gamma ** step;
    case 'linear':
    case 'cosine': {
      if (step < s.warmup) return (step + 1) / s.warmup;
      const p = Math.min(1, (step - s.warmup) / (s.total - s.warmup));
      return s.kind === 'linear' ? 1 - (1 - s.final) * p : s.final + ((1 - s.final) * (1 + Math.cos(Math.PI * p))) / 2;
    }
    default: {
      const never: never = s;
      throw new Error(`unhandled schedule ${JSON.stringify(never)}`);
    }
  }
}

export function learningRate(s: Schedule, baseLr: number, step: number): number {
  return baseLr * scheduleFactor(s, step);
}

/** The canonical spec of a schedule; parseSchedule(formatSchedule(s)) equals s. */
export function formatSchedule(s: Schedule): string {
  switch (s.kind) {
    case 'constant':
      return 'constant';
    case 'step':
      return `step:every=${s.every},gamma=${s.gamma}`;
    case 'exp':
      return `exp:gamma=${s.gamma}`;
    case 'linear':
    case 'cosine':
      return `${s.kind}:total=${s.total},warmup=${s.warmup},final=${s.final}`;
    default: {
      const never: never = s;
      throw new Error(`unhandled schedule ${JSON.stringify(never)}`);
    }
  }
}

const KEYS: Record<Schedule['kind'], { required: string[]; optional: string[] }> = {
  constant: { required: [], optional: [] },
  step: { required: ['every', 'gamma'], optional: [] },
  exp: { required: ['gamma'], optional: [] },
  linear: { required: ['total'], optional: ['warmup', 'final'] },
  cosine: { required: ['total'], optional: ['warmup', 'final'] },
};

export function parseSchedule(spec: string): Schedule {
  const fail = (msg: string): never => {
    throw new DlcError(`learning-rate schedule '${spec}': ${msg}`, 2);
  };
  const colon = spec.indexOf(':');
  const rawKind = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const kind = rawKind === 'exponential' ? 'exp' : rawKind;
  if (!(kind in KEYS)) fail(`unknown kind '${rawKind}' (kinds: constant, step, exp, linear, cosine)`);
  const k = kind as Schedule['kind'];
  const allowed = [...KEYS[k].required, ...KEYS[k].optional];
  const values = new Map<string, number>();
  const body = colon < 0 ? '' : spec.slice(colon + 1);
  for (const part of body
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) fail(`'${part}' is not key=value`);
    const key = part.slice(0, eq).trim();
    const text = part.slice(eq + 1).trim();
    if (!allowed.includes(key))
      fail(
        `'${k}' has no parameter '${key}' (${allowed.length ? `parameters: ${allowed.join(', ')}` : 'it takes none'})`,
      );
    if (values.has(key)) fail(`'${key}' is given twice`);
    const v = Number(text);
    if (text === '' || !Number.isFinite(v)) fail(`${key}=${text} is not a number`);
    values.set(key, v);
  }
  for (const r of KEYS[k].required) if (!values.has(r)) fail(`'${k}' needs ${r}=… (${formatUsage(k)})`);
  const stepCount = (key: string, min: number): number => {
    const v = values.get(key) ?? 0;
    if (!Number.isInteger(v) || v < min) fail(`${key} must be an integer ≥ ${min}, got ${v}`);
    return v;
  };
  const gamma = (): number => {
    const g = values.get('gamma')!;
    if (!(g > 0)) fail(`gamma must be > 0, got ${g}`);
    return g;
  };
  switch (k) {
    case 'constant':
      return { kind: 'constant' };
    case 'step':
      return { kind: 'step', every: stepCount('every', 1), gamma: gamma() };
    case 'exp':
      return { kind: 'exp', gamma: gamma() };
    case 'linear':
    case 'cosine': {
      const warmup = stepCount('warmup', 0);
      const total = stepCount('total', 1);
      if (total <= warmup) fail(`total (${total}) must be larger than warmup (${warmup})`);
      const final = values.get('final') ?? 0;
      if (final < 0) fail(`final must be ≥ 0, got ${final}`);
      return { kind: k, total, warmup, final };
    }
    default: {
      const never: never = k;
      throw new Error(`unhandled schedule kind ${String(never)}`);
    }
  }
}

function formatUsage(k: Schedule['kind']): string {
  const { required, optional } = KEYS[k];
  return `usage: ${k}:${[...required.map((r) => `${r}=N`), ...optional.map((o) => `[${o}=N]`)].join(',')}`;
}
