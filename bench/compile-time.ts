// Benchmark (not a test): compile time per stage as models grow. Generates models of
// 10, 100 and 1,000 dense layers (each `h = tanh(fc_i(h)) * 0.5 + 0.1`, a train entry
// with momentum SGD and an infer entry) and times each stage of `dlc compile -O2`:
// parse + name resolution, lowering (type and shape checks), autodiff + optimizer
// update, the -O2 pass pipeline, plan generation (kernel selection and WGSL),
// memory planning, and emitting the typed TS module. No device is needed: kernels
// are generated for the portable default limits.
// Run: npx esbuild bench/compile-time.ts --bundle --platform=node --format=esm \
//        --packages=external --outfile=dist/compile-time.js && node dist/compile-time.js [LAYERS...]
import { performance } from 'node:perf_hooks';
import { DEFAULT_LIMITS, generatePlan } from '../compiler/codegen/generate-plan';
import { emitModule } from '../compiler/codegen/module';
import { lowerModelProgram } from '../compiler/lower/index';
import { optimizeProgram } from '../compiler/passes/pipeline';
import { planMemory } from '../compiler/memory/memory';
import { loadProgram } from '../dsl/index';
import '../compiler/ops/index';

function generate(layers: number): string {
  const lines = ['model deep(batch = 8, n = 64) {', '  input x: f32[batch, n]', '  input y: i32[batch]'];
  for (let i = 0; i < layers; i++) lines.push(`  layer fc${i} = dense(n, n)`);
  const body = ['    h = x'];
  for (let i = 0; i < layers; i++) body.push(`    h = tanh(fc${i}(h)) * 0.5 + 0.1`);
  lines.push('  infer predict(x) -> prob {', ...body, '    prob = softmax(h)', '  }');
  lines.push(
    '  train step(x, y) -> loss {',
    ...body,
    '    loss = mean(cross_entropy(h, y))',
    '    minimize loss with sgd(lr = 0.01, momentum = 0.9)',
    '  }',
    '}',
  );
  return lines.join('\n') + '\n';
}

const STAGES = [
  'parse + resolve',
  'lower forward (checks)',
  'lower + autodiff + update',
  'optimize -O2',
  'plan + WGSL',
  'memory plan',
  'module emit',
] as const;
type Stage = (typeof STAGES)[number];

/** Stages that threw, by model size: reported in the table instead of a time. */
const failures = new Map<string, string>();
/** Milliseconds of each -O2 pass (summed over entries), by model size. */
const passMs = new Map<string, number>();

function time<T>(times: Map<Stage, number>, stage: Stage, f: () => T): T {
  const start = performance.now();
  const out = f();
  times.set(stage, performance.now() - start);
  return out;
}

/** Like time(), but a stage that throws is recorded (with its message) rather than ending the run. */
function attempt(layers: number, times: Map<Stage, number>, stage: Stage, f: () => unknown): void {
  try {
    time(times, stage, f);
  } catch (err) {
    times.set(stage, NaN);
    failures.set(`${layers}:${stage}`, err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
}

/** One full compile of a generated model; the time of each stage, and the size of the result. */
function compile(layers: number): { times: Map<Stage, number>; nodes: number; kernels: number } {
  const text = new TextEncoder().encode(generate(layers));
  const times = new Map<Stage, number>();
  const loaded = time(times, 'parse + resolve', () => loadProgram('deep.dl', () => text));
  if (!loaded.program)
    throw new Error(`generated model did not parse: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  // The lowering has no separate autodiff entry point: the forward-only lowering and
  // the full one (backward pass and optimizer update included) are timed separately.
  const forward = time(times, 'lower forward (checks)', () => lowerModelProgram(loaded.program!, { stage: 'lowered' }));
  if (!forward.program)
    throw new Error(`generated model did not lower: ${forward.diagnostics.map((d) => d.message).join('; ')}`);
  const full = time(times, 'lower + autodiff + update', () => lowerModelProgram(loaded.program!, { stage: 'grad' }));
  const result = time(times, 'optimize -O2', () => optimizeProgram(full.program!, { level: 2 }));
  const optimized = result.program;
  for (const stage of result.stages)
    passMs.set(`${layers}:${stage.pass}`, (passMs.get(`${layers}:${stage.pass}`) ?? 0) + stage.ms);
  const plan = time(times, 'plan + WGSL', () =>
    generatePlan(optimized, { family: 'register', limits: DEFAULT_LIMITS }),
  );
  const planned = time(times, 'memory plan', () => planMemory(plan, DEFAULT_LIMITS, { pack: true }));
  attempt(layers, times, 'module emit', () => emitModule(planned));
  const nodes = full.program!.entries.reduce((n, e) => n + e.graph.nodes.length, 0);
  return { times, nodes, kernels: planned.kernels.length };
}

const sizes = process.argv.slice(2).map(Number);
const layers = sizes.length > 0 ? sizes : [10, 100, 1000];
compile(10); // warm-up: JIT and module initialisation stay out of the numbers
const rows = layers.map((n) => {
  const row = { layers: n, ...compile(n) };
  process.stderr.write(`compiled ${n} layers\n`);
  return row;
});

const pad = (s: string, w: number): string => s.padStart(w);
const header = ['stage', ...rows.map((r) => `${r.layers} layers`), 'per-layer growth', 'scaling'];
const table: string[][] = [];
for (const stage of STAGES) {
  const ms = rows.map((r) => r.times.get(stage)!);
  // Growth of the time per layer between the two largest models (fixed costs weigh
  // little there): about 1 when a stage is linear in the graph size; a quadratic
  // stage grows by the size ratio.
  const [a, b] = rows.length > 1 ? [rows.length - 2, rows.length - 1] : [0, 0];
  // Under a millisecond at the smaller size is timer noise, not a base to divide by.
  const growth = ms[a] < 1 ? NaN : ms[b] / rows[b].layers / (ms[a] / rows[a].layers);
  const ratio = rows[b].layers / rows[a].layers;
  const verdict = growth <= 1.5 ? 'linear' : growth <= Math.sqrt(ratio) ? 'roughly linear' : 'WORSE THAN LINEAR';
  table.push([
    stage,
    ...ms.map((m) => (Number.isNaN(m) ? 'failed' : `${m.toFixed(1)} ms`)),
    Number.isNaN(growth) ? '' : `×${growth.toFixed(2)}`,
    Number.isNaN(growth) ? '' : verdict,
  ]);
}
const totals = rows.map((r) => [...r.times.values()].filter((t) => !Number.isNaN(t)).reduce((a, b) => a + b, 0));
table.push(['total (stages that ran)', ...totals.map((t) => `${t.toFixed(1)} ms`), '', '']);
table.push(['(IR nodes, kernels)', ...rows.map((r) => `${r.nodes}, ${r.kernels}`), '', '']);

console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, k) => (k === 0 ? ':--' : '--:')).join('|')}|`);
for (const row of table) console.log(`| ${row.map((c, k) => (k === 0 ? c : pad(c, 10))).join(' | ')} |`);
const [a, b] = layers.length > 1 ? layers.slice(-2) : [layers[0], layers[0]];
console.log(
  `\nper-layer growth: (ms per layer at ${b} layers) / (ms per layer at ${a}); 1 is linear, ${(b / a).toFixed(0)} would be quadratic; ` +
    `"roughly linear" allows up to ${Math.sqrt(b / a).toFixed(1)} (the square root of the size ratio).`,
);
for (const [where, message] of failures) {
  const [n, stage] = where.split(':');
  console.log(`${stage} failed at ${n} layers: ${message}`);
}
const passNames = [...new Set([...passMs.keys()].map((k) => k.slice(k.indexOf(':') + 1)))];
const passTimes = (p: string) => layers.map((n) => (passMs.get(`${n}:${p}`) ?? 0).toFixed(0)).join('/');
console.log(
  `\n-O2 passes (ms, all entries): ${passNames.map((p) => `${p} ${passTimes(p)}`).join('; ')} ` +
    `(at ${layers.join('/')} layers)`,
);
