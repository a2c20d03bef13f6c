// `npm run bench [-- --json] [-- --models mlp,rbm] [-- --columns dlc,tfjs_webgpu] [-- --explore-matmul]`: dlc against
// what a JavaScript user would pick instead, on the same adapter in one run.
//   1. matmul microbenchmark (512², 1024²): GFLOP/s of dlc's kernel and TF.js's;
//   2. per model, the training step of dlc, TF.js WebGPU, TF.js CPU, jax-js WebGPU
//      and jax-js Wasm, all five open at once and timed in interleaved rounds, the
//      best round's median (bench/timing.ts; a column that cannot run shows its reason);
//   3. with --explore-matmul, instead, every matmul kernel shape tried (docs/performance.md).
import { acquireDevice } from '../runtime/device';
import { DlcUnavailable, runDlcModel } from './dlc';
import { EXPLORED_VARIANTS, MLP_SHAPES, square, timeMatmul } from './matmul-kernels';
import type { MatmulVariant } from './matmul-kernels';
import type { ModelName } from './models';
import { MODELS } from './models';
import { jaxjsModel, useJaxjs } from './peers/jaxjs';
import { tfjsMatmulGflops, tfjsModel, useTfjs } from './peers/tfjs';
import type { StepRunner } from './timing';
import { DEFAULT_ROUNDS, SLOW_STEP_MS, timeInterleaved } from './timing';
import { installPeerWebGpu } from './webgpu-env';

const COLUMNS = ['dlc', 'tfjs_webgpu', 'tfjs_cpu', 'jaxjs_webgpu', 'jaxjs_wasm'] as const;
type Column = (typeof COLUMNS)[number];

const HEADERS: Record<Column, string> = {
  dlc: 'dlc',
  tfjs_webgpu: 'TF.js WebGPU',
  tfjs_cpu: 'TF.js CPU',
  jaxjs_webgpu: 'jax-js WebGPU',
  jaxjs_wasm: 'jax-js Wasm',
};

/** A measured time in ms, or why there is none. */
type Cell = { ms: number; steps: number; gpuBytes: number | null; rounds: readonly number[] } | { reason: string };

interface Args {
  json: boolean;
  exploreMatmul: boolean;
  models: ModelName[];
  /** `--columns LIST`: the columns timed; the others read "not measured (--columns)". */
  columns: readonly Column[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, exploreMatmul: false, models: [...MODELS], columns: COLUMNS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--explore-matmul') args.exploreMatmul = true;
    else if (a === '--models') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(MODELS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0)
        throw new Error(`--models takes a comma-separated list of ${MODELS.join(', ')}`);
      args.models = names as ModelName[];
    } else if (a === '--columns') {
      // TF.js CPU takes minutes a step on the sequence models: leave it out for a quick ratio.
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      if (names.length === 0 || names.some((n) => !(COLUMNS as readonly string[]).includes(n)))
        throw new Error(`--columns takes a comma-separated list of ${COLUMNS.join(', ')}`);
      args.columns = names as Column[];
    } else throw new Error(`unknown option '${a}' (known: --json, --models LIST, --columns LIST, --explore-matmul)`);
  }
  return args;
}

function log(args: Args, line: string): void {
  // Progress goes to stderr so that --json leaves stdout to the one JSON object.
  if (!args.json) process.stderr.write(`${line}\n`);
}

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 160);
}

function failure(err: unknown): string {
  return err instanceof DlcUnavailable ? err.message : `failed: ${reasonOf(err)}`;
}

/** Every column of `model` opened, timed interleaved (bench/timing.ts) and disposed. */
async function measureModel(model: ModelName, columns: readonly Column[]): Promise<Record<Column, Cell>> {
  const row = {} as Record<Column, Cell>;
  const runners = new Map<string, StepRunner>();
  for (const column of COLUMNS) {
    if (!columns.includes(column)) {
      row[column] = { reason: 'not measured (--columns)' };
      continue;
    }
    try {
      runners.set(column, await opener(column, model)());
    } catch (err) {
      row[column] = { reason: failure(err) };
    }
  }
  try {
    const timed = await timeInterleaved(runners);
    for (const [column, r] of timed)
      row[column as Column] =
        'error' in r
          ? { reason: failure(r.error) }
          : { ms: r.timing.bestMs, steps: r.timing.steps, gpuBytes: r.timing.gpuBytes, rounds: r.timing.roundMs };
  } finally {
    for (const runner of runners.values()) {
      try {
        await runner.activate?.();
        runner.dispose();
      } catch {
        // a peer that failed mid-step may not dispose cleanly; the process ends soon anyway
      }
    }
  }
  return row;
}

/** TF.js and jax-js keep one current backend per process: each runner makes its own current before its steps. */
function withActivation(open: () => Promise<StepRunner>, activate: () => Promise<unknown>): () => Promise<StepRunner> {
  return async () => {
    const runner = await open();
    return { ...runner, activate: async () => void (await activate()) };
  };
}

function opener(column: Column, model: ModelName): () => Promise<StepRunner> {
  switch (column) {
    case 'dlc':
      return () => runDlcModel(model);
    case 'tfjs_webgpu':
      return withActivation(
        () => tfjsModel('webgpu', model),
        () => useTfjs('webgpu'),
      );
    case 'tfjs_cpu':
      return withActivation(
        () => tfjsModel('cpu', model),
        () => useTfjs('cpu'),
      );
    case 'jaxjs_webgpu':
      return withActivation(
        () => jaxjsModel('webgpu', model),
        () => useJaxjs('webgpu'),
      );
    case 'jaxjs_wasm':
      return withActivation(
        () => jaxjsModel('wasm', model),
        () => useJaxjs('wasm'),
      );
    default:
      throw new Error(`unknown column ${column satisfies never}`);
  }
}

const ms = (c: Cell): number | null => ('ms' in c ? c.ms : null);
const bytes = (c: Cell): number | null => ('ms' in c ? c.gpuBytes : null);
const mib = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);

/** The round medians of a cell, for the progress log: how much the rounds spread. */
function roundsOf(c: Cell): string {
  if (!('ms' in c)) return '';
  return c.rounds.length === 0
    ? ` (${c.steps} steps, no rounds: slow)`
    : ` (round medians ${c.rounds.map((r) => r.toFixed(1)).join(', ')})`;
}

function formatCell(c: Cell): string {
  return 'ms' in c ? `${c.ms < 10 ? c.ms.toFixed(2) : c.ms.toFixed(1)} ms` : `n/a: ${c.reason}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join(' | ')).join('\n');
}

async function exploreMatmul(args: Args): Promise<void> {
  const { device, limits, description } = await acquireDevice();
  // Three sweeps, best of each: other load on a shared CPU only ever slows a round down.
  // Square products and the mlp step's five (its whole step is ~90% matmul).
  const shapes = [square(512), square(1024), ...MLP_SHAPES];
  const best = new Map<string, number>();
  for (let sweep = 0; sweep < 3; sweep++) {
    for (const v of EXPLORED_VARIANTS) {
      for (const shape of shapes) {
        const r = await timeMatmul(device, limits, v, shape);
        const key = `${v.label}@${shape.label}`;
        best.set(key, Math.max(best.get(key) ?? 0, r.gflops));
      }
    }
    log(args, `sweep ${sweep + 1}/3 done`);
  }
  const rows = [['variant (GFLOP/s)', ...shapes.map((s) => s.label)]];
  for (const v of EXPLORED_VARIANTS)
    rows.push([v.label, ...shapes.map((s) => best.get(`${v.label}@${s.label}`)!.toFixed(1))]);
  if (args.json) console.log(JSON.stringify({ adapter: description, variants: rows.slice(1) }));
  else console.log(`adapter: ${description}\n${table(rows)}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.exploreMatmul) return exploreMatmul(args);
  const acquired = await acquireDevice();
  const { device, limits, description, backend, featureLevel, software } = acquired;
  log(args, `dlc adapter: ${description} (${backend}, ${featureLevel})`);
  let peerAdapter = description;
  try {
    peerAdapter = (await installPeerWebGpu(backend, featureLevel)).description;
  } catch (err) {
    peerAdapter = `no WebGPU for the peers: ${reasonOf(err)}`;
  }
  log(args, `peer adapter: ${peerAdapter}`);

  // 1. matmul microbenchmark.
  const family: MatmulVariant['family'] = software ? 'register' : 'shared';
  const matmul: Record<string, { dlc_gflops: number | null; tfjs_webgpu_gflops: number | null; note?: string }> = {};
  for (const size of [512, 1024]) {
    const dlc = await timeMatmul(device, limits, { label: family, family }, square(size));
    let tf: number | null = null;
    let note: string | undefined;
    try {
      tf = await tfjsMatmulGflops(size);
    } catch (err) {
      note = `TF.js failed: ${reasonOf(err)}`;
    }
    matmul[`${size}`] = { dlc_gflops: dlc.gflops, tfjs_webgpu_gflops: tf, ...(note ? { note } : {}) };
    log(
      args,
      `matmul ${size}²: dlc ${dlc.gflops.toFixed(1)} GFLOP/s, TF.js ${tf === null ? note : `${tf.toFixed(1)} GFLOP/s`}`,
    );
  }

  // 2. training steps.
  const results: Record<string, Record<Column, Cell>> = {};
  for (const model of args.models) {
    log(args, `${model}: opening every column, then ${DEFAULT_ROUNDS.rounds} interleaved rounds`);
    const row = await measureModel(model, args.columns);
    for (const column of COLUMNS)
      log(args, `${model} ${HEADERS[column]}: ${formatCell(row[column])}${roundsOf(row[column])}`);
    results[model] = row;
  }

  const speedup = (r: Record<Column, Cell>): number | null => {
    const d = ms(r.dlc);
    const t = ms(r.tfjs_webgpu);
    return d !== null && t !== null ? t / d : null;
  };
  if (args.json) {
    const out: Record<string, unknown> = {};
    for (const [model, r] of Object.entries(results)) {
      out[model] = {
        dlc_ms: ms(r.dlc),
        tfjs_webgpu_ms: ms(r.tfjs_webgpu),
        tfjs_cpu_ms: ms(r.tfjs_cpu),
        jaxjs_webgpu_ms: ms(r.jaxjs_webgpu),
        jaxjs_wasm_ms: ms(r.jaxjs_wasm),
        speedup_vs_tfjs_webgpu: speedup(r),
        dlc_planned_bytes: bytes(r.dlc),
        tfjs_webgpu_bytes: bytes(r.tfjs_webgpu),
        unavailable: Object.fromEntries(
          COLUMNS.filter((c) => 'reason' in r[c]).map((c) => [c, (r[c] as { reason: string }).reason]),
        ),
      };
    }
    // Issue 21's goal: Adam's step within 1.2× of SGD's on the same MLP.
    const adam = results.adam_mlp ? ms(results.adam_mlp.dlc) : null;
    const sgd = results.mlp ? ms(results.mlp.dlc) : null;
    if (adam !== null && sgd !== null) out.dlc_adam_vs_sgd_mlp = adam / sgd;
    out.matmul = matmul;
    out.adapter = description;
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  console.log(`adapter: ${description}`);
  console.log(`\nmatmul (GFLOP/s, best of several runs; dlc ${family} family)`);
  console.log(
    table([
      ['size', 'dlc', 'TF.js WebGPU'],
      ...Object.entries(matmul).map(([size, m]) => [
        `${size}²`,
        m.dlc_gflops?.toFixed(1) ?? 'n/a',
        m.tfjs_webgpu_gflops?.toFixed(1) ?? `n/a: ${m.note}`,
      ]),
    ]),
  );
  console.log(
    `\ntraining step, batch 128, SGD momentum 0.9 (adam_mlp: Adam; charlstm, skipgram: bench/seq-data.ts) ` +
      `(ms per step, loss read back each step; ` +
      `columns interleaved, best of ${DEFAULT_ROUNDS.rounds} rounds, ` +
      `the median of each round's ${DEFAULT_ROUNDS.minSteps}–${DEFAULT_ROUNDS.maxSteps} steps; ` +
      `a column over ${SLOW_STEP_MS / 1000} s a step: the median of 2 steps)`,
  );
  const rows = [['model', ...COLUMNS.map((c) => HEADERS[c]), 'dlc vs TF.js WebGPU']];
  for (const [model, r] of Object.entries(results)) {
    const s = speedup(r);
    rows.push([model, ...COLUMNS.map((c) => formatCell(r[c])), s === null ? 'n/a' : `${s.toFixed(1)}×`]);
  }
  console.log(table(rows));
  console.log('\nGPU memory: dlc planned bytes per step vs TF.js WebGPU allocated bytes after the timed steps');
  console.log(
    table([
      ['model', 'dlc', 'TF.js WebGPU'],
      ...Object.entries(results).map(([m, r]) => [m, mib(bytes(r.dlc)), mib(bytes(r.tfjs_webgpu))]),
    ]),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${reasonOf(err)}\n`);
    process.exit(1);
  },
);
