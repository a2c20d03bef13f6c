// `node dist/profile.js MODEL.dl [--entry step] [-O 2] [--reps 20] [--rounds 5] [--sparse-updates M]`:
// where one entry point of a model spends its time, kernel by kernel.
//   1. The model goes through the pipeline `dlc train` uses (load → lower → planAt
//      with the adapter's kernel family) and gets its GPU objects (arenas,
//      pipelines, bind groups) from the runtime's executor.
//   2. Buffers hold what a real step sees: persistent tensors come from the
//      runtime's Model (its initializers, then one step) and the inputs from the
//      benchmark's batch for bench/models/{mlp,lenet,rbm}.dl (other models: small
//      floats and small integers); then the whole entry runs once, so every
//      intermediate holds real values. (Value ranges matter on a CPU: a kernel fed
//      denormals can run several times slower.)
//   3. Each dispatch (and copy) of the entry is timed in isolation: `reps` copies of
//      it recorded into one command buffer and submitted once, the median over
//      `rounds` submits, divided by reps. The per-dispatch cost of the adapter is
//      thus included, as it is in a step.
//   4. The whole entry, recorded as the runtime records it, is timed the same way
//      for comparison with the sum of its parts.
// The table lists every step (label = IR node + .dl span), then the totals per op.
import { basename } from 'node:path';
import { loadProgram } from '../dsl/index';
import { planAt } from '../compiler/driver';
import { lowerModelProgram } from '../compiler/lower/model';
import { SPARSE_UPDATE_MODES, type SparseUpdates } from '../compiler/optim/sparse-rows';
import '../compiler/ops/index';
import { acquireDevice } from '../runtime/device';
import type { OptLevel } from '../compiler/passes/context';
import type { Plan, Step } from '../runtime/plan';
import { compilePipelines, createArenas, createTextures, prepareSteps } from '../runtime/executor/resources';
import type { PreparedStep } from '../runtime/executor/resources';
import { endPass, recordSteps } from '../runtime/executor/record';
import { Model } from '../runtime/model';
import type { NamedTensors } from '../runtime/model';
import { MODELS } from './models';
import { benchFeeds } from './dlc';
import type { ModelName } from './models';
import type { Recorder } from '../runtime/executor/record';

interface Args {
  file: string;
  entry: string;
  level: OptLevel;
  reps: number;
  rounds: number;
  /** `--sparse-updates exact|lazy|off`, as `dlc compile` takes it; absent: the lowering's default. */
  sparseUpdates?: SparseUpdates;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { file: '', entry: 'step', level: 2, reps: 20, rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--entry') args.entry = next();
    else if (a === '-O' || a === '--level') {
      const l = Number(next());
      if (l !== 0 && l !== 1 && l !== 2) throw new Error('-O takes 0, 1 or 2');
      args.level = l;
    } else if (a === '--reps') args.reps = Number(next());
    else if (a === '--rounds') args.rounds = Number(next());
    else if (a === '--sparse-updates') {
      const m = next();
      if (!(SPARSE_UPDATE_MODES as readonly string[]).includes(m))
        throw new Error(`--sparse-updates takes ${SPARSE_UPDATE_MODES.join(', ')}`);
      args.sparseUpdates = m as SparseUpdates;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else args.file = a;
  }
  if (!args.file)
    throw new Error(
      'usage: node dist/profile.js MODEL.dl [--entry step] [-O 2] [--reps 20] [--rounds 5] [--sparse-updates M]',
    );
  return args;
}

/** Small floats, or small non-negative integers for integer buffers; the packed scalars get seed 1, step 1, 0.01 for each named scalar. */
function fillArenas(device: GPUDevice, plan: Plan, arenas: readonly GPUBuffer[]): void {
  for (const buf of plan.buffers) {
    const slice = plan.layout[buf.id];
    const words = slice.size / 4;
    const data = new ArrayBuffer(words * 4);
    if (buf.kind === 'scalars') {
      const u = new Uint32Array(data);
      u[0] = 1;
      u[1] = 1;
    } else if (buf.kind === 'scalar') {
      new Float32Array(data)[0] = 0.01;
    } else if (buf.dtype === 'f32') {
      const f = new Float32Array(data);
      for (let e = 0; e < words; e++) f[e] = ((e * 7919) % 17) / 17 - 0.5;
    } else {
      // Labels and indices: within the smallest axis any model here indexes (10 classes).
      const u = new Uint32Array(data);
      for (let e = 0; e < words; e++) u[e] = e % (buf.dtype === 'bool' ? 2 : 10);
    }
    device.queue.writeBuffer(arenas[slice.arena], slice.offset, data);
  }
}

/** Dispatch and copy steps in run order, with how many times each runs (loop bodies × count). */
function flatten(steps: readonly PreparedStep[], times = 1): { step: PreparedStep; times: number }[] {
  const out: { step: PreparedStep; times: number }[] = [];
  for (const s of steps) {
    if (s.kind === 'loop') out.push(...flatten(s.body, times * s.step.count));
    else out.push({ step: s, times });
  }
  return out;
}

/** The benchmark's batch for a bench model's `step` entry, by input name. */
function benchInputs(file: string): NamedTensors | undefined {
  const name = basename(file, '.dl');
  if (!(MODELS as readonly string[]).includes(name)) return undefined;
  return benchFeeds(name as ModelName);
}

/** Writes `values` over the buffers of persistent tensors (by name) and of the entry's inputs. */
function writeReal(
  device: GPUDevice,
  plan: Plan,
  arenas: readonly GPUBuffer[],
  entry: Plan['entries'][number],
  persistent: NamedTensors,
  inputs: NamedTensors | undefined,
): void {
  const put = (buffer: number, data: ArrayBufferView): void => {
    const slice = plan.layout[buffer];
    device.queue.writeBuffer(
      arenas[slice.arena],
      slice.offset,
      data.buffer,
      data.byteOffset,
      Math.min(data.byteLength, slice.size),
    );
  };
  for (const b of plan.buffers) {
    const v = persistent[b.name];
    if (v && (b.kind === 'param' || b.kind === 'state' || b.kind === 'slot')) put(b.id, v);
  }
  for (const ref of entry.inputs) {
    const v = inputs?.[ref.name];
    if (v) put(ref.buffer, v);
  }
}

async function timeRecorded(
  device: GPUDevice,
  record: (rec: Recorder) => void,
  reps: number,
  rounds: number,
): Promise<number> {
  const once = async (): Promise<number> => {
    const rec: Recorder = { encoder: device.createCommandEncoder(), pass: null };
    for (let r = 0; r < reps; r++) record(rec);
    endPass(rec);
    const buffer = rec.encoder.finish();
    const start = performance.now();
    device.queue.submit([buffer]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - start) / reps;
  };
  await once(); // warm-up: the driver compiles shaders on first use
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await once());
  // The fastest round: other load on a shared CPU only ever slows a round down.
  return Math.min(...times);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

interface Row {
  label: string;
  op: string;
  workgroups: string;
  ms: number;
}

function rowOf(step: Exclude<PreparedStep, { kind: 'loop' }>): Omit<Row, 'ms'> {
  if (step.kind === 'copy') return { label: `copy ${step.step.bytes} bytes`, op: 'copy', workgroups: '-' };
  const k = step.kernel;
  const ops = [...new Set(k.origin.nodes.map((n) => n.op))].join('+');
  const due = step.uploads.length;
  const reused = (step.step.textures?.length ?? 0) - due;
  const parts = [
    ...(due > 0 ? [`+${due} texture upload${due > 1 ? 's' : ''}`] : []),
    ...(reused > 0 ? [`${reused} reused`] : []),
  ];
  const uploads = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return { label: `${k.label}${uploads}`, op: ops || k.name, workgroups: k.workgroups.join('×') };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loaded = loadProgram(args.file);
  if (!loaded.program) throw new Error(`${args.file}: ${loaded.diagnostics[0]?.message ?? 'does not parse'}`);
  const lowered = lowerModelProgram(loaded.program, args.sparseUpdates ? { sparseUpdates: args.sparseUpdates } : {});
  if (!lowered.program) throw new Error(`${args.file}: ${lowered.diagnostics[0]?.message ?? 'does not compile'}`);
  const acquired = await acquireDevice();
  const { device } = acquired;
  const family = acquired.software ? 'register' : 'shared';
  const plan = planAt(lowered.program, { level: args.level, family, limits: acquired.limits });
  const entry = plan.entries.find((e) => e.name === args.entry);
  if (!entry)
    throw new Error(
      `${args.file} has no entry '${args.entry}' (entries: ${plan.entries.map((e) => e.name).join(', ')})`,
    );

  const arenas = await createArenas(device, plan);
  fillArenas(device, plan, arenas);
  const dispatches: Extract<Step, { kind: 'dispatch' }>[] = [];
  const collect = (steps: readonly Step[]): void => {
    for (const s of steps) {
      if (s.kind === 'dispatch') dispatches.push(s);
      else if (s.kind === 'loop') collect(s.body);
    }
  };
  collect(entry.steps);
  const { pipelines } = await compilePipelines(device, plan, dispatches);
  const prepared = await prepareSteps(device, plan, arenas, pipelines, entry.steps, createTextures(device, plan));

  const inputs = benchInputs(args.file);
  const model = await Model.create(plan, { device, seed: 1 });
  if (inputs) await model.run(entry.name, inputs, { outputs: [] });
  writeReal(device, plan, arenas, entry, await model.save(), inputs);
  model.destroy();
  // One run fills every intermediate with real values; the timing rounds repeat it.
  // It also leaves in every texture a read that skips its upload (TextureBinding
  // `upload: false`) the bytes of that read's buffer: such a texture only ever
  // receives that buffer, so timing the step alone, as the plan runs it (without
  // the upload), still reads real values.
  const wholeMs = await timeRecorded(device, (rec) => recordSteps(rec, prepared), 3, args.rounds);
  const rows: Row[] = [];
  for (const { step, times } of flatten(prepared)) {
    if (step.kind === 'loop') continue;
    const ms = await timeRecorded(device, (rec) => recordSteps(rec, [step]), args.reps, args.rounds);
    rows.push({ ...rowOf(step), ms: ms * times });
  }
  const total = rows.reduce((s, r) => s + r.ms, 0);

  console.log(`${plan.model}/${entry.name} at -O${args.level}, ${family} kernels on ${acquired.description}`);
  console.log(
    `inputs: ${inputs ? 'the benchmark batch' : 'synthetic'}; ${rows.length} steps; ` +
      `whole entry ${wholeMs.toFixed(2)} ms per run (one submit), ` +
      `sum of isolated steps ${total.toFixed(2)} ms`,
  );
  console.log('');
  const labelWidth = Math.min(90, Math.max(...rows.map((r) => r.label.length)));
  console.log(`${pad('step', labelWidth)}  ${pad('workgroups', 12)}  ${lpad('ms', 8)}  ${lpad('share', 6)}`);
  for (const r of rows) {
    console.log(
      `${pad(r.label.slice(0, labelWidth), labelWidth)}  ${pad(r.workgroups, 12)}  ${lpad(r.ms.toFixed(3), 8)}  ${lpad(((100 * r.ms) / total).toFixed(1), 5)}%`,
    );
  }
  const byOp = new Map<string, { ms: number; count: number }>();
  for (const r of rows) {
    const g = byOp.get(r.op) ?? { ms: 0, count: 0 };
    g.ms += r.ms;
    g.count += 1;
    byOp.set(r.op, g);
  }
  console.log('');
  console.log(`${pad('op', 28)}  ${lpad('steps', 5)}  ${lpad('ms', 8)}  ${lpad('share', 6)}`);
  for (const [op, g] of [...byOp].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(
      `${pad(op, 28)}  ${lpad(String(g.count), 5)}  ${lpad(g.ms.toFixed(3), 8)}  ${lpad(((100 * g.ms) / total).toFixed(1), 5)}%`,
    );
  }
  for (const a of arenas) a.destroy();
  device.destroy();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
