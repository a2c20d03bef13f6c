// `dlc export`: lower the model (twice, at batch b and 2b, for the dynamic batch
// axis), read the checkpoint's weights, check them against the entry's params, and
// write the ONNX model (compiler/export/onnx/export.ts).
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { formatDiagnostics } from '../../../dsl/diagnostics';
import type { SourceLookup } from '../../../dsl/diagnostics';
import { DlcError } from '../../../runtime/errors';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { checkSameModel } from '../../../runtime/checkpoint/metadata';
import type { SavedTensor } from '../../../runtime/checkpoint/safetensors';
import type { Entry, Program } from '../../ir/program';
import { sourceLookup } from '../../driver';
import type { LowerFn } from '../../driver';
import { chooseEntry, evalEntry } from '../../../runtime/train/entries';
import { programEntries } from '../../reference/runner';
import { dlcVersion } from '../version';
import { initialize } from '../../../runtime/init';
import { exportOnnx } from '../../export/onnx/export';
import { OPSET } from '../../export/onnx/proto';
import { programTensors } from './open';

export interface ExportOptions {
  readonly file: string;
  /** The trained weights; absent: the initial weights dlc train starts from at `seed`. */
  readonly checkpoint?: string;
  readonly seed?: number;
  readonly out: string;
  readonly entry?: string;
  /** Keep every shape as lowered (no symbolic batch axis). */
  readonly fixedBatch: boolean;
  readonly defines: Readonly<Record<string, number | boolean>>;
}

export interface ExportIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** The hyperparameter that sizes the batch axis. */
const BATCH = 'batch';

/** The program lowered with `defines` (its diagnostics printed), or undefined when it has errors. */
async function lowerAt(
  lower: LowerFn,
  o: ExportOptions,
  defines: ExportOptions['defines'],
  io: ExportIO,
): Promise<Lowered | undefined> {
  const lowered = await lower(o.file, { defines, stage: 'lowered' });
  if (lowered.ioError !== undefined) throw new DlcError(lowered.ioError, 2);
  if (lowered.diagnostics.length > 0)
    io.stderr.write(formatDiagnostics(lowered.diagnostics, sourceLookup(lowered.sources)));
  if (lowered.diagnostics.some((d) => d.severity === 'error') || !lowered.program) return undefined;
  return { program: lowered.program, sources: sourceLookup(lowered.sources) };
}

interface Lowered {
  readonly program: Program;
  readonly sources: SourceLookup;
}

/** Each persistent tensor as `dlc train --seed S` initializes it. */
function initialTensors(program: Program, seed: number): (name: string) => SavedTensor {
  return (name) => {
    const p = program.persistent.find((x) => x.name === name)!;
    const dtype = p.type.dtype === 'bool' ? 'u32' : p.type.dtype;
    return { dtype, shape: p.type.shape, data: initialize(p.init, p.type.dtype, p.type.shape, seed >>> 0, p.name) };
  };
}

/**
 * The checkpoint's tensors, after the same check `dlc eval` and `dlc sample` make:
 * the same model, with every param, state and slot at its shape and dtype.
 */
function checkpointTensors(path: string, program: Program): (name: string) => SavedTensor {
  const ckpt = readCheckpoint(path);
  checkSameModel(ckpt.info, ckpt.tensors, programTensors(program), path);
  return (name) => ckpt.tensors[name]!;
}

export async function runExport(lower: LowerFn, o: ExportOptions, io: ExportIO): Promise<number> {
  const lowered = await lowerAt(lower, o, o.defines, io);
  if (!lowered) return 1;
  const { program } = lowered;
  const entries = { model: program.model, entries: programEntries(program) };
  const info =
    o.entry !== undefined
      ? chooseEntry(entries, 'infer', o.entry)
      : (evalEntry(entries) ?? chooseEntry(entries, 'infer'));
  const entry = program.entries.find((e) => e.name === info.name)!;
  // Read on first use: a model with refused ops is reported before its checkpoint is read.
  let tensors: ((name: string) => SavedTensor) | undefined;
  const { checkpoint } = o;
  // A checkpoint also holds the train entries' optimizer slots, which only the full lowering
  // (through autodiff) declares: the model it is checked against is that one.
  const saved = checkpoint !== undefined ? ((await lower(o.file, { defines: o.defines })).program ?? program) : program;
  const read = () =>
    checkpoint !== undefined ? checkpointTensors(checkpoint, saved) : initialTensors(program, o.seed ?? 0);
  const tensor = (name: string): SavedTensor => (tensors ??= read())(name);
  // The twin lowering at twice the batch tells which axes follow it (onnx/batch.ts).
  const batch = program.hyper[BATCH];
  let twin: { entry: Entry; batch: number } | undefined;
  if (!o.fixedBatch && typeof batch === 'number') {
    // Its diagnostics are the first lowering's again: not printed twice.
    const quiet = { ...io, stderr: new Writable({ write: (_c, _e, done) => done() }) };
    const doubled = await lowerAt(lower, o, { ...o.defines, [BATCH]: 2 * batch }, quiet);
    const twinEntry = doubled?.program.entries.find((e) => e.name === entry.name);
    if (!twinEntry)
      throw new DlcError(`${o.file}: the model does not lower at batch ${2 * batch}; export with --fixed-batch`, 2);
    twin = { entry: twinEntry, batch };
  }
  const result = exportOnnx({ program, entry, ...(twin ? { twin } : {}), tensor, producerVersion: dlcVersion() });
  if ('diagnostics' in result) {
    io.stderr.write(formatDiagnostics(result.diagnostics, lowered.sources));
    return 1;
  }
  try {
    writeFileSync(o.out, result.bytes);
  } catch (e) {
    throw new DlcError(`cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
  const axis = twin
    ? `batch axis N (${BATCH} = ${batch} when lowered)`
    : `fixed shapes${typeof batch === 'number' ? ` (${BATCH} = ${batch})` : ''}`;
  const weights =
    checkpoint !== undefined ? `weights from ${checkpoint}` : `initial weights (seed ${o.seed ?? 0}, untrained)`;
  io.stdout.write(`wrote ${o.out}: ${program.model}.${entry.name}, ONNX opset ${OPSET}, ${axis}, ${weights}\n`);
  return 0;
}
