// `node dist/device-check.js [--family own|register|shared|both] [--only NAME,...] [--json FILE]`:
// dlc's generated kernels on this machine's WebGPU device against the float64
// reference interpreter (bench/reference-check.ts, as the model-zoo tests do):
// every example under examples/ and every benchmark model under bench/models/,
// lowered at small sizes, each entry point run on both sides from the same state,
// seed and step. One PASS/FAIL line per model and kernel family, one for whether
// the benchmark's peers (bench/webgpu-env.ts) get dlc's adapter, then a summary;
// exit status 1 on any mismatch or failure. Written for a lent accelerator
// (scripts/device/check.sh, docs/devices.md), where it runs with no vitest and no
// node_modules besides Dawn's addon.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planAt } from '../compiler/driver';
import type { Program } from '../compiler/ir/program';
import { createGpuRunner } from '../runtime/train/runner';
import { acquireDevice } from '../runtime/device';
import type { Feeds } from './reference-check';
import { compareEntriesToReference, lowerDl, SEED } from './reference-check';
import { installPeerWebGpu } from './webgpu-env';

type Family = 'register' | 'shared';

interface Case {
  /** examples/NAME.dl or bench/models/NAME.dl */
  readonly file: string;
  readonly defines: Record<string, number>;
  /** Entry-parameter defaults shortened in the source (long sampling chains; see lowerDl). */
  readonly shorten?: Record<string, string>;
  /** Integer inputs (labels, tokens) are drawn from [0, intRange). */
  readonly intRange?: number;
}

// The sizes and shortened chains of the model-zoo tests (test/examples/zoo-*.test.ts);
// the benchmark models at batch 32 with their real widths, so matmul and conv kernels
// run whole workgroup tiles as well as edges.
const CASES: readonly Case[] = [
  { file: 'examples/mnist_mlp.dl', defines: { batch: 16, hidden: 32 } },
  { file: 'examples/mnist_maxout.dl', defines: { batch: 16, hidden: 16, pieces: 3 } },
  { file: 'examples/mnist_sigmoid.dl', defines: { batch: 16, hidden: 32 } },
  { file: 'examples/lenet.dl', defines: { batch: 8 } },
  {
    file: 'examples/rbm.dl',
    defines: { batch: 10, nh: 32 },
    shorten: { 'dream(v0, steps = 1000)': 'dream(v0, steps = 4)' },
  },
  {
    file: 'examples/grbm.dl',
    defines: { batch: 10, nh: 32 },
    shorten: { 'dream(v0, steps = 1000)': 'dream(v0, steps = 4)' },
  },
  {
    file: 'examples/dae.dl',
    defines: { batch: 10, nh: 32 },
    shorten: { 'walk(x, steps = 100)': 'walk(x, steps = 3)' },
  },
  {
    file: 'examples/char_rnn.dl',
    defines: { batch: 4, T: 8, hidden: 16, vocab: 12 },
    shorten: { 'length = 200': 'length = 12' },
    intRange: 12,
  },
  { file: 'bench/models/mlp.dl', defines: { batch: 32 } },
  { file: 'bench/models/rbm.dl', defines: { batch: 32 } },
  { file: 'bench/models/lenet.dl', defines: { batch: 32 } },
];

const nameOf = (c: Case): string =>
  c.file.replace(/^.*\//, '').replace(/\.dl$/, '') + (c.file.startsWith('bench/') ? ' (bench)' : '');

interface Args {
  family: 'own' | 'both' | Family;
  only?: string[];
  json?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { family: 'both' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--family') {
      const f = value();
      if (f !== 'own' && f !== 'both' && f !== 'register' && f !== 'shared')
        throw new Error(`--family takes own, both, register or shared, not '${f}'`);
      args.family = f;
    } else if (a === '--only') args.only = value().split(',').filter(Boolean);
    else if (a === '--json') args.json = value();
    else
      throw new Error(`unknown option '${a}' (known: --family own|both|register|shared, --only NAME,..., --json FILE)`);
  }
  return args;
}

/** The folder holding examples/ and bench/models/: this file's tree (dist/) or the one above (a carried kit's dist/). */
function sourceRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '..'), join(here, '..', '..'), process.cwd()]) {
    if (existsSync(join(dir, 'examples')) && existsSync(join(dir, 'bench', 'models'))) return dir;
  }
  throw new Error(`no examples/ and bench/models/ above ${here} or in ${process.cwd()}`);
}

/** Deterministic feeds for every input of every entry: floats in [0, 1), integers in [0, intRange). */
function feedsFor(program: Program, intRange: number): Feeds {
  let s = 12345;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const feeds: Feeds = {};
  for (const entry of program.entries) {
    for (const a of entry.graph.args) {
      if (a.kind !== 'input' || feeds[a.name]) continue;
      const n = a.value.type.shape.reduce((x, y) => x * y, 1);
      if (a.value.type.dtype === 'f32') feeds[a.name] = Float32Array.from({ length: n }, next);
      else if (a.value.type.dtype === 'i32')
        feeds[a.name] = Int32Array.from({ length: n }, () => Math.floor(next() * intRange));
      else
        throw new Error(
          `input '${a.name}' of ${entry.name} is ${a.value.type.dtype}; the device check feeds f32 and i32 only`,
        );
    }
  }
  return feeds;
}

interface Result {
  model: string;
  family: Family;
  pass: boolean;
  entries: string[];
  kernels: number;
  seconds: number;
  problems: string[];
}

async function checkCase(root: string, c: Case, family: Family): Promise<Result> {
  const started = performance.now();
  const result: Result = { model: nameOf(c), family, pass: false, entries: [], kernels: 0, seconds: 0, problems: [] };
  let runner: Awaited<ReturnType<typeof createGpuRunner>> | undefined;
  try {
    const program = lowerDl(join(root, c.file), c.defines, c.shorten ?? {});
    const acquired = await acquireDevice();
    const plan = planAt(program, { level: 2, family, limits: acquired.limits });
    result.kernels = plan.kernels.length;
    runner = await createGpuRunner(plan, { seed: SEED, device: acquired.device, where: acquired.description });
    const { compared, mismatches } = await compareEntriesToReference(
      program,
      runner,
      feedsFor(program, c.intRange ?? 10),
    );
    result.entries = compared;
    result.problems = mismatches;
    result.pass = mismatches.length === 0 && compared.length === program.entries.length;
    if (compared.length !== program.entries.length)
      result.problems.push(`compared ${compared.length} of ${program.entries.length} entries`);
  } catch (err) {
    result.problems.push(`failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  } finally {
    try {
      runner?.destroy();
    } catch {
      // a device lost mid-check may not free cleanly; the next case reports it
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = sourceRoot();
  const acquired = await acquireDevice();
  const own: Family = acquired.software ? 'register' : 'shared';
  const families: Family[] =
    args.family === 'own'
      ? [own]
      : args.family === 'both'
        ? [own, own === 'shared' ? 'register' : 'shared']
        : [args.family];
  const cases = CASES.filter((c) => !args.only || args.only.some((o) => nameOf(c).startsWith(o)));
  if (cases.length === 0)
    throw new Error(`--only ${args.only?.join(',')} names no case (cases: ${CASES.map(nameOf).join(', ')})`);
  console.log(
    `device: ${acquired.description} (${acquired.backend}, ${acquired.featureLevel}${acquired.software ? ', software' : ''}); families ${families.join(', ')}`,
  );
  // The benchmark's columns are comparable only when TF.js and jax-js run on dlc's adapter.
  const peer = (await installPeerWebGpu(acquired.backend, acquired.featureLevel)).description;
  const words = (d: string): string => d.replace(/[()]/g, ' ').replace(/\s+/g, ' ').trim();
  const peerOk = words(peer) === words(acquired.description);
  console.log(`${peerOk ? 'PASS' : 'FAIL'} peers' adapter: ${peer}`);
  const results: Result[] = [];
  for (const c of cases) {
    for (const family of families) {
      const r = await checkCase(root, c, family);
      results.push(r);
      const head = `${r.pass ? 'PASS' : 'FAIL'} ${r.model} [${family}] ${r.entries.join(',') || '-'}; ${r.kernels} kernels; ${r.seconds.toFixed(1)} s`;
      console.log(r.problems.length === 0 ? head : `${head}\n${r.problems.map((p) => `     ${p}`).join('\n')}`);
    }
  }
  const failed = results.filter((r) => !r.pass);
  console.log(
    `device check: ${results.length - failed.length} passed, ${failed.length} failed` +
      `${peerOk ? '' : ", and the peers' adapter differs"}` +
      ` (${acquired.description}, ${acquired.backend})`,
  );
  if (args.json) {
    const summary = {
      adapter: acquired.description,
      backend: acquired.backend,
      featureLevel: acquired.featureLevel,
      peerAdapter: peer,
      peerOk,
      passed: results.length - failed.length,
      failed: failed.length,
      results,
    };
    writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return failed.length === 0 && peerOk ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`device-check: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
